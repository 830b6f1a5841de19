"""Custom Keras layers of the recommender, registered as serializable with a full get_config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

PACKAGE = "recommender"


@keras.saving.register_keras_serializable(package=PACKAGE)
class StripWhitespace(keras.layers.Layer):
    """Strip surrounding whitespace from a string tensor (" Private" -> "Private")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        """Return the stripped strings."""
        return tf.strings.strip(inputs)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Same shape as the input."""
        return input_shape

    def compute_output_spec(self, inputs: Any) -> Any:
        """A string tensor of the input's shape."""
        return keras.KerasTensor(inputs.shape, dtype="string")


@keras.saving.register_keras_serializable(package=PACKAGE)
class Log1p(keras.layers.Layer):
    """log(1 + max(x, 0)) for heavy-tailed non-negative numerics such as capital gain."""

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        """Return the transformed values as float32."""
        values = tf.cast(inputs, tf.float32)
        return tf.math.log1p(tf.maximum(values, 0.0))

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Same shape as the input."""
        return input_shape


@keras.saving.register_keras_serializable(package=PACKAGE)
class KnownOrZero(keras.layers.Layer):
    """A normalised numeric where its raw value is known, 0 (the mean) where it is `missing`;
    0 everywhere when `use_values` is False (training saw no spread of known values)."""

    def __init__(self, missing: float, use_values: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.missing = float(missing)
        self.use_values = bool(use_values)

    def call(self, inputs: Sequence[tf.Tensor]) -> tf.Tensor:
        """Return the normalised values (second input) masked by the raw ones (first)."""
        raw, normalized = inputs
        normalized = tf.cast(normalized, tf.float32)
        if not self.use_values:
            return tf.zeros_like(normalized)
        known = tf.not_equal(tf.cast(raw, tf.float32), self.missing)
        return tf.where(known, normalized, tf.zeros_like(normalized))

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The normalised input's shape."""
        return input_shape[1]

    def get_config(self) -> dict[str, Any]:
        """The layer's arguments."""
        return {**super().get_config(), "missing": self.missing, "use_values": self.use_values}


@keras.saving.register_keras_serializable(package=PACKAGE)
class SplitValues(keras.layers.Layer):
    """Split "a|b|c" strings into a dense [batch, max_values] tensor padded with ""."""

    def __init__(self, separator: str = "|", max_values: int = 16, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.separator = separator
        self.max_values = max_values

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        """Return the stripped values, truncated or padded to `max_values`."""
        parts = tf.strings.split(tf.strings.strip(inputs), sep=self.separator)
        parts = tf.strings.strip(parts)
        return parts.to_tensor(default_value="", shape=[None, self.max_values])

    def compute_output_spec(self, inputs: Any) -> Any:
        """A [batch, max_values] string tensor."""
        return keras.KerasTensor((inputs.shape[0], self.max_values), dtype="string")

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "separator": self.separator, "max_values": self.max_values}


@keras.saving.register_keras_serializable(package=PACKAGE)
class BagEmbedding(keras.layers.Layer):
    """Mean of the embeddings of a [batch, n] id bag, where id 0 is padding."""

    def __init__(self, input_dim: int, output_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim

    def build(self, input_shape: Any) -> None:
        """Create the embedding table."""
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=keras.initializers.RandomUniform(-0.05, 0.05),
        )

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        """Return the mean embedding of the non-padding ids ([batch, output_dim])."""
        ids = tf.cast(inputs, tf.int64)
        vectors = tf.gather(self.embeddings, ids)
        mask = tf.cast(tf.not_equal(ids, 0), vectors.dtype)[..., None]
        total = tf.reduce_sum(vectors * mask, axis=1)
        count = tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)
        return total / count

    def compute_output_shape(self, input_shape: Any) -> Any:
        """[batch, output_dim]."""
        return (input_shape[0], self.output_dim)

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim}


@keras.saving.register_keras_serializable(package=PACKAGE)
class SparseLinear(keras.layers.Layer):
    """The wide part: a logistic-regression logit over several sparse id inputs.

    Each input i holds ids in [0, input_dims[i]), shaped [batch] (one id) or [batch, n] (a bag);
    for inputs flagged in `padded`, id 0 is padding and adds nothing. The logit is the sum of one
    learned weight per active id plus a bias, i.e. a linear model on the one-hot/multi-hot
    encoding, computed with a single gather. `input_names` name the inputs (for explanations);
    configs saved without them get "input0", "input1", ...
    """

    def __init__(
        self,
        input_dims: Sequence[int],
        padded: Sequence[bool] | None = None,
        input_names: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.input_dims = [int(dim) for dim in input_dims]
        self.padded = [bool(flag) for flag in (padded or [False] * len(self.input_dims))]
        self.input_names = (
            [str(name) for name in input_names]
            if input_names is not None
            else [f"input{index}" for index in range(len(self.input_dims))]
        )
        if not len(self.padded) == len(self.input_names) == len(self.input_dims):
            raise ValueError(
                f"SparseLinear: {len(self.input_dims)} input_dims, {len(self.padded)} padded "
                f"flags and {len(self.input_names)} input_names; expected one of each per input"
            )
        offsets = [0]
        for dim in self.input_dims[:-1]:
            offsets.append(offsets[-1] + dim)
        self.offsets = offsets

    def build(self, input_shape: Any) -> None:
        """Create one weight per id of every input, and the bias."""
        self.kernel = self.add_weight(
            name="kernel", shape=(sum(self.input_dims), 1), initializer="zeros"
        )
        self.bias = self.add_weight(name="bias", shape=(1,), initializer="zeros")

    def _parts(self, inputs: Sequence[tf.Tensor]) -> list[tf.Tensor]:
        """Each input's summed weights, [batch, 1] apiece."""
        parts = []
        for ids, offset, padded in zip(inputs, self.offsets, self.padded, strict=True):
            ids = tf.cast(ids, tf.int64)
            if len(ids.shape) == 1:
                ids = ids[:, None]
            weights = tf.gather(self.kernel, ids + offset)[..., 0]
            if padded:
                weights = weights * tf.cast(tf.not_equal(ids, 0), weights.dtype)
            parts.append(tf.reduce_sum(weights, axis=1, keepdims=True))
        return parts

    def call(self, inputs: Sequence[tf.Tensor]) -> tf.Tensor:
        """Return the wide logit, [batch, 1]."""
        total = None
        for part in self._parts(inputs):
            total = part if total is None else total + part
        assert total is not None
        return total + self.bias

    def contributions(self, inputs: Sequence[tf.Tensor]) -> tf.Tensor:
        """Each input's share of the logit, [batch, n_inputs] (a bag's is the sum over its ids).

        The logit is the bias plus the sum of a row's contributions.
        """
        return tf.concat(self._parts(inputs), axis=1)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """[batch, 1]."""
        return (input_shape[0][0], 1)

    def get_config(self) -> dict[str, Any]:
        """The layer's constructor arguments."""
        return {
            **super().get_config(),
            "input_dims": self.input_dims,
            "padded": self.padded,
            "input_names": self.input_names,
        }
