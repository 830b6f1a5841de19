"""build_model(adapted spec, config) for the "wide", "deep" and "wide_deep" model types.

The model takes one raw tensor per input (strings or floats, shape [batch]) and returns the logit
[batch, 1]. Preprocessing (whitespace stripping, lookups, quantile buckets, hashing, crosses,
normalisation) happens inside it, so an exported model needs no preprocessing code around it.
Layers of the wide part are named "wide*", all others belong to the deep part.

`explain_function` splits a logit into its wide and deep parts and the wide part into one
contribution per wide input; `embedding_table` reads a feature's trained embedding matrix.

The graph splits where each raw input is encoded (`encoded_tensors`): `encoder_model` runs the
string and id preprocessing (lookups, splits, hashing, tokens) of the non-numeric inputs, and
`scorer_model` goes from those ids and the raw numerics to the logit over the same layers and
variables. A ranker encodes the items' inputs once and runs only the scorer per request. The
crosses can be computed from the encodings in plain integer ops (`cross_function`, the same ids
as the crossing layers), so that the whole scorer is numeric and XLA can compile it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

import keras
import numpy as np
import tensorflow as tf

from recommender.features import (
    AdaptedSpec,
    CategoricalFeature,
    CrossFeature,
    HashedFeature,
    IntegerCategoricalFeature,
    MultiCategoricalFeature,
    NumericFeature,
    TextFeature,
)
from recommender.layers import (
    BagEmbedding,
    KnownOrZero,
    Log1p,
    SparseLinear,
    SplitValues,
    StripWhitespace,
)

ModelType = Literal["wide", "deep", "wide_deep"]
MODEL_TYPES: tuple[str, ...] = ("wide", "deep", "wide_deep")
WIDE_PREFIX = "wide"
INNER_CROSS_BINS = 2**31 - 1
WIDE_SPARSE_LAYER = f"{WIDE_PREFIX}_sparse"
WIDE_DENSE_LAYER = f"{WIDE_PREFIX}_dense"
WIDE_LOGIT_LAYER = f"{WIDE_PREFIX}_logit"
DEEP_LOGIT_LAYER = "deep_logit"
# The name of the one wide contribution of all unbucketized numerics together.
WIDE_NUMERICS = "wide_numerics"
EXPLAIN_OUTPUTS: tuple[str, ...] = (
    "logits",
    "wide_logit",
    "deep_logit",
    "wide_bias",
    "wide_contributions",
)
# The layers whose output is a non-numeric raw input's encoding (see `encoded_tensors`).
ENCODING_LAYER_SUFFIXES: tuple[str, ...] = ("_lookup", "_hash", "_tokens")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one model.

    Args:
        model_type: "wide" (logistic regression on sparse and crossed features), "deep"
            (embeddings and a ReLU tower) or "wide_deep" (sum of both logits).
        hidden_units: sizes of the ReLU layers of the deep tower.
        dropout: dropout rate after each hidden layer.
    """

    model_type: ModelType = "wide_deep"
    hidden_units: tuple[int, ...] = (256, 128, 64)
    dropout: float = 0.2

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ValueError(
                f"model_type: expected one of {list(MODEL_TYPES)}, got {self.model_type!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        data = asdict(self)
        data["hidden_units"] = list(self.hidden_units)
        return data


@dataclass
class _Sparse:
    """One sparse id tensor of the wide part."""

    name: str
    ids: Any
    size: int
    padded: bool


def _expand(tensor: Any) -> Any:
    """[batch] -> [batch, 1]."""
    return keras.ops.expand_dims(tensor, -1)


def build_model(adapted: AdaptedSpec, config: ModelConfig) -> keras.Model:
    """Build the model for an adapted feature spec.

    Args:
        adapted: the feature spec with statistics adapted on the training split.
        config: the model type and deep-tower shape.

    Returns:
        A functional Keras model from a dict of raw inputs to the logit [batch, 1].
    """
    spec = adapted.spec
    use_wide = config.model_type in ("wide", "wide_deep")
    use_deep = config.model_type in ("deep", "wide_deep")

    inputs: dict[str, Any] = {}
    sparse: list[_Sparse] = []
    wide_dense: list[Any] = []
    deep_parts: list[Any] = []
    crossable: dict[str, tuple[Any, int]] = {}

    for feature in spec.raw_features:
        name = feature.name
        stats = adapted.stats[name]
        if isinstance(feature, NumericFeature):
            raw = keras.Input(shape=(), dtype="float32", name=name)
            inputs[name] = raw
            values = Log1p(name=f"{name}_log1p")(raw) if feature.log1p else raw
            normalized = keras.layers.Normalization(
                axis=None,
                mean=stats.mean,
                variance=max(stats.variance or 0.0, 1e-12),
                name=f"{name}_normalize",
            )(values)
            if feature.missing is not None:
                normalized = KnownOrZero(
                    feature.missing,
                    use_values=bool(stats.variance),
                    name=f"{name}_known",
                )([raw, normalized])
            if feature.normalize:
                deep_parts.append(_expand(normalized))
            if feature.buckets and stats.boundaries is not None:
                bucket_ids = keras.layers.Discretization(
                    bin_boundaries=list(stats.boundaries), name=f"{name}_bucket"
                )(values)
                size = len(stats.boundaries) + 1
                crossable[name] = (bucket_ids, size)
                if feature.wide:
                    sparse.append(_Sparse(name, bucket_ids, size, padded=False))
                if feature.bucket_embedding_dim:
                    deep_parts.append(
                        keras.layers.Embedding(
                            size, feature.bucket_embedding_dim, name=f"{name}_bucket_embedding"
                        )(bucket_ids)
                    )
            elif feature.wide:
                wide_dense.append(_expand(normalized))
            continue

        if isinstance(feature, IntegerCategoricalFeature):
            raw = keras.Input(shape=(), dtype="int64", name=name)
            inputs[name] = raw
            ids = keras.layers.IntegerLookup(
                vocabulary=list(stats.vocabulary or ()),
                num_oov_indices=feature.num_oov,
                mask_token=None,
                name=f"{name}_lookup",
            )(raw)
            size = len(stats.vocabulary or ()) + feature.num_oov
            crossable[name] = (ids, size)
            _add_single(sparse, deep_parts, feature, ids, size)
            continue

        raw = keras.Input(shape=(), dtype="string", name=name)
        inputs[name] = raw
        if isinstance(feature, CategoricalFeature):
            ids = keras.layers.StringLookup(
                vocabulary=list(stats.vocabulary or ()),
                num_oov_indices=feature.num_oov,
                mask_token=None,
                name=f"{name}_lookup",
            )(StripWhitespace(name=f"{name}_strip")(raw))
            size = len(stats.vocabulary or ()) + feature.num_oov
            crossable[name] = (ids, size)
            _add_single(sparse, deep_parts, feature, ids, size)
        elif isinstance(feature, HashedFeature):
            ids = keras.layers.Hashing(num_bins=feature.num_bins, name=f"{name}_hash")(
                StripWhitespace(name=f"{name}_strip")(raw)
            )
            crossable[name] = (ids, feature.num_bins)
            _add_single(sparse, deep_parts, feature, ids, feature.num_bins)
        elif isinstance(feature, MultiCategoricalFeature):
            values = SplitValues(
                separator=feature.separator, max_values=feature.max_values, name=f"{name}_split"
            )(raw)
            ids = keras.layers.StringLookup(
                vocabulary=list(stats.vocabulary or ()),
                num_oov_indices=feature.num_oov,
                mask_token="",
                name=f"{name}_lookup",
            )(values)
            size = len(stats.vocabulary or ()) + feature.num_oov + 1
            _add_bag(sparse, deep_parts, feature, ids, size)
        elif isinstance(feature, TextFeature):
            ids = keras.layers.TextVectorization(
                vocabulary=list(stats.vocabulary or ()),
                output_mode="int",
                output_sequence_length=feature.sequence_length,
                name=f"{name}_tokens",
            )(raw)
            size = len(stats.vocabulary or ()) + 2
            _add_bag(sparse, deep_parts, feature, ids, size)

    for cross in spec.crosses:
        ids = _cross_ids(cross, crossable)
        sparse.append(_Sparse(cross.name, ids, cross.num_bins, padded=False))
        if cross.embedding_dim:
            deep_parts.append(
                keras.layers.Embedding(
                    cross.num_bins, cross.embedding_dim, name=f"{cross.name}_embedding"
                )(ids)
            )

    logits: list[Any] = []
    if use_wide:
        logits.append(_wide_logit(sparse, wide_dense))
    if use_deep:
        logits.append(_deep_logit(deep_parts, config))
    logit = logits[0] if len(logits) == 1 else keras.layers.Add(name="logit")(logits)
    return keras.Model(inputs=inputs, outputs=logit, name=f"{config.model_type}_model")


def _add_single(
    sparse: list[_Sparse],
    deep_parts: list[Any],
    feature: CategoricalFeature | IntegerCategoricalFeature | HashedFeature,
    ids: Any,
    size: int,
) -> None:
    """Register a one-id-per-example feature with the wide and deep parts."""
    if feature.wide:
        sparse.append(_Sparse(feature.name, ids, size, padded=False))
    if feature.deep and feature.embedding_dim:
        deep_parts.append(
            keras.layers.Embedding(size, feature.embedding_dim, name=f"{feature.name}_embedding")(
                ids
            )
        )


def _add_bag(
    sparse: list[_Sparse],
    deep_parts: list[Any],
    feature: MultiCategoricalFeature | TextFeature,
    ids: Any,
    size: int,
) -> None:
    """Register a bag-of-ids feature (0 = padding) with the wide and deep parts."""
    if feature.wide:
        sparse.append(_Sparse(feature.name, ids, size, padded=True))
    if feature.deep and feature.embedding_dim:
        deep_parts.append(
            BagEmbedding(size, feature.embedding_dim, name=f"{feature.name}_embedding")(ids)
        )


def _cross_ids(cross: CrossFeature, crossable: dict[str, tuple[Any, int]]) -> Any:
    """Hash-cross the inputs pairwise; HashedCrossing takes exactly two, so chain them."""
    current = crossable[cross.inputs[0]][0]
    for position, name in enumerate(cross.inputs[1:], start=1):
        last = position == len(cross.inputs) - 1
        current = keras.layers.HashedCrossing(
            num_bins=cross.num_bins if last else INNER_CROSS_BINS,
            output_mode="int",
            name=f"{cross.name}_cross{position}",
        )((current, crossable[name][0]))
    return current


def _wide_logit(sparse: list[_Sparse], wide_dense: list[Any]) -> Any:
    """Logistic-regression logit over the sparse ids (and unbucketized numerics)."""
    if not sparse and not wide_dense:
        raise ValueError("the wide part has no features: mark some features wide=True")
    parts = []
    if sparse:
        parts.append(
            SparseLinear(
                input_dims=[item.size for item in sparse],
                padded=[item.padded for item in sparse],
                input_names=[item.name for item in sparse],
                name=WIDE_SPARSE_LAYER,
            )([item.ids for item in sparse])
        )
    if wide_dense:
        numerics = (
            wide_dense[0]
            if len(wide_dense) == 1
            else keras.layers.Concatenate(name=f"{WIDE_PREFIX}_numerics")(wide_dense)
        )
        parts.append(keras.layers.Dense(1, use_bias=not sparse, name=WIDE_DENSE_LAYER)(numerics))
    return parts[0] if len(parts) == 1 else keras.layers.Add(name=WIDE_LOGIT_LAYER)(parts)


def _deep_logit(deep_parts: list[Any], config: ModelConfig) -> Any:
    """Embeddings and numerics through a ReLU tower to one logit."""
    if not deep_parts:
        raise ValueError("the deep part has no features: give features an embedding or numerics")
    hidden = (
        deep_parts[0]
        if len(deep_parts) == 1
        else keras.layers.Concatenate(name="deep_inputs")(deep_parts)
    )
    for index, units in enumerate(config.hidden_units):
        hidden = keras.layers.Dense(units, activation="relu", name=f"deep_hidden{index}")(hidden)
        if config.dropout:
            hidden = keras.layers.Dropout(config.dropout, name=f"deep_dropout{index}")(hidden)
    return keras.layers.Dense(1, name=DEEP_LOGIT_LAYER)(hidden)


def split_variables(model: keras.Model) -> tuple[list[Any], list[Any]]:
    """The trainable variables of the wide part and of the deep part."""
    wide: list[Any] = []
    deep: list[Any] = []
    for layer in model.layers:
        target = wide if layer.name.startswith(WIDE_PREFIX) else deep
        target.extend(layer.trainable_variables)
    return wide, deep


def input_signature(model: keras.Model) -> dict[str, tf.TensorSpec]:
    """One [batch] TensorSpec per raw input of the model."""
    return {
        tensor.name: tf.TensorSpec([None], tf.as_dtype(tensor.dtype), name=tensor.name)
        for tensor in model.inputs
    }


def predict_logits(model: keras.Model) -> Any:
    """A traced inference function with a fixed signature: dict of raw tensors -> logits."""

    def run(inputs: dict[str, tf.Tensor]) -> tf.Tensor:
        return cast(tf.Tensor, model(inputs, training=False))

    return tf.function(run, input_signature=[input_signature(model)])


def wide_input_names(model: keras.Model) -> list[str]:
    """Names of the wide contributions in order: the sparse inputs, then WIDE_NUMERICS if any."""
    layers = {layer.name: layer for layer in model.layers}
    names: list[str] = []
    sparse = layers.get(WIDE_SPARSE_LAYER)
    if isinstance(sparse, SparseLinear):
        names.extend(sparse.input_names)
    if WIDE_DENSE_LAYER in layers:
        names.append(WIDE_NUMERICS)
    return names


def _as_list(tensors: Any) -> list[Any]:
    """Tensors as a list (Keras unwraps a single input or output)."""
    return list(tensors) if isinstance(tensors, list | tuple) else [tensors]


def encoded_tensors(model: keras.Model) -> dict[str, Any]:
    """Where each raw input enters the numeric part of the graph, by input name.

    A numeric input enters as its raw value (its log, normalisation and buckets are cheap and
    stay in the scorer); any other input as the ids its lookup, hashing or tokenizer layer
    (f"{name}_lookup", f"{name}_hash" or f"{name}_tokens") makes of it, [batch] or [batch, n].
    An input the logit does not use (a deep-only feature of a wide model) has no encoding and
    is left out.

    Args:
        model: a model from `build_model`.

    Returns:
        {input name: KerasTensor of the model's graph}, in the order of the model's inputs.
    """
    layers = {layer.name: layer for layer in model.layers}
    found: dict[str, Any] = {}
    for tensor in model.inputs:
        name = tensor.name
        if tf.as_dtype(tensor.dtype).is_floating:
            found[name] = tensor
            continue
        layer = _encoding_layer(layers, name)
        if layer is not None:
            found[name] = layer.output
    return found


def _encoding_layer(layers: Mapping[str, Any], name: str) -> Any:
    """The lookup, hashing or tokenizer layer of input `name`, or None (an unused input)."""
    return next((layers[name + s] for s in ENCODING_LAYER_SUFFIXES if name + s in layers), None)


def encoding_sizes(model: keras.Model, names: Sequence[str]) -> dict[str, int]:
    """How many ids each of these encodings (of `encoder_model`) can take: 0 to size - 1.

    Raises:
        ValueError: an input without an encoding layer.
    """
    layers = {layer.name: layer for layer in model.layers}
    sizes: dict[str, int] = {}
    for name in names:
        layer = _encoding_layer(layers, name)
        if layer is None:
            raise ValueError(f"input {name!r}: no encoding layer")
        hashing = isinstance(layer, keras.layers.Hashing)
        sizes[name] = int(layer.num_bins if hashing else layer.vocabulary_size())
    return sizes


def _split_model(inputs: Mapping[str, Any], outputs: Any, name: str) -> keras.Model:
    """A functional model over some of `build_model`'s tensors (inputs may be intermediate)."""
    with warnings.catch_warnings():
        # Keras wants dict keys to be the tensors' names, which intermediate tensors lack.
        warnings.filterwarnings("ignore", message="When providing `inputs` as a dict")
        return keras.Model(dict(inputs), outputs, name=name)


def encoded_names(model: keras.Model) -> list[str]:
    """The model's non-numeric raw inputs, in order: those `encoder_model` encodes."""
    return [t.name for t in model.inputs if not tf.as_dtype(t.dtype).is_floating]


def encoder_model(model: keras.Model, *, skip_unused: bool = False) -> keras.Model:
    """The non-numeric raw inputs -> their encodings (see `encoded_tensors`), same layers.

    Raises:
        ValueError: a non-numeric input has no encoding layer (the logit does not use it, or
            the model is not a `build_model` graph), unless `skip_unused` leaves it out.
    """
    encoded = encoded_tensors(model)
    names = encoded_names(model)
    missing = [name for name in names if name not in encoded]
    if missing and not skip_unused:
        raise ValueError(f"inputs {missing}: no {'/'.join(ENCODING_LAYER_SUFFIXES)} layer")
    raw = {tensor.name: tensor for tensor in model.inputs}
    return _split_model(
        {name: raw[name] for name in names if name in encoded},
        {name: encoded[name] for name in names if name in encoded},
        f"{model.name}_encoder",
    )


def cross_tensors(model: keras.Model) -> dict[str, Any]:
    """Each hashed cross's ids ([batch]), by cross name: the last of its chained crossings."""
    return {name: chain[-1].output for name, chain in _cross_chains(model).items()}


def _cross_chains(model: keras.Model) -> dict[str, list[Any]]:
    """Each cross's chained HashedCrossing layers ("{cross}_cross1", "_cross2"...), in order."""
    chains: dict[str, list[tuple[int, Any]]] = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.HashedCrossing):
            name, _, position = layer.name.rpartition("_cross")
            chains.setdefault(name, []).append((int(position), layer))
    return {name: [layer for _, layer in sorted(chain)] for name, chain in chains.items()}


# tf.sparse.cross_hashed's default key and tensorflow/core FingerprintCat64's multiplier.
CROSS_HASH_KEY = 0xDECAFCAFFE
_FINGERPRINT_MUL = 0xC6A4A7935BD1E995


def _shift_mix(value: tf.Tensor) -> tf.Tensor:
    """value ^ (value >> 47) on uint64."""
    return tf.bitwise.bitwise_xor(value, tf.bitwise.right_shift(value, tf.constant(47, tf.uint64)))


def _fingerprint_cat(first: tf.Tensor, second: tf.Tensor) -> tf.Tensor:
    """TensorFlow's FingerprintCat64 of two uint64 tensors (wrapping multiplications)."""
    mul = tf.constant(_FINGERPRINT_MUL, tf.uint64)
    result = tf.bitwise.bitwise_xor(first, mul)
    result = tf.bitwise.bitwise_xor(result, _shift_mix(second * mul) * mul)
    result = _shift_mix(result * mul) * mul
    return _shift_mix(result)


def hashed_cross(first: tf.Tensor, second: tf.Tensor, num_bins: int) -> tf.Tensor:
    """The ids HashedCrossing(num_bins, output_mode="int") gives two int [batch] id tensors,
    bit for bit, in plain integer ops (which XLA compiles; the layer's sparse cross op it
    cannot): FingerprintCat64 of the key and each id, modulo num_bins."""
    key = tf.fill(tf.shape(first), tf.constant(CROSS_HASH_KEY, tf.uint64))
    hashed = _fingerprint_cat(key, tf.bitcast(tf.cast(first, tf.int64), tf.uint64))
    hashed = _fingerprint_cat(hashed, tf.bitcast(tf.cast(second, tf.int64), tf.uint64))
    return tf.cast(hashed % tf.constant(num_bins, tf.uint64), tf.int64)


def cross_function(model: keras.Model) -> Callable[[Mapping[str, Any]], dict[str, tf.Tensor]]:
    """A function from the encodings and raw numerics (`encoded_tensors`) to each cross's ids
    (`cross_tensors`), the same ids as the model's crossing layers, with `hashed_cross`."""
    chains = _cross_chains(model)
    start = encoded_tensors(model)
    start_names = {id(tensor): name for name, tensor in start.items()}
    needed: list[Any] = []  # crossed ids computed from the encodings (e.g. numeric buckets)
    for chain in chains.values():
        for tensor in (chain[0].input[0], *(layer.input[1] for layer in chain)):
            if id(tensor) not in start_names and not any(tensor is t for t in needed):
                needed.append(tensor)
    inputs = _split_model(start, needed, f"{model.name}_cross_inputs") if needed else None

    def crosses(encoded: Mapping[str, Any]) -> dict[str, tf.Tensor]:
        computed = _as_list(inputs(dict(encoded), training=False)) if inputs else []

        def value(tensor: Any) -> tf.Tensor:
            name = start_names.get(id(tensor))
            if name is not None:
                return cast(tf.Tensor, encoded[name])
            return cast(tf.Tensor, computed[next(i for i, t in enumerate(needed) if t is tensor)])

        found = {}
        for name, chain in chains.items():
            ids = value(chain[0].input[0])
            for layer in chain:
                ids = hashed_cross(ids, value(layer.input[1]), int(layer.num_bins))
            found[name] = ids
        return found

    return crosses


def _start_tensors(model: keras.Model, *, encoded: bool, crossed: bool) -> dict[str, Any]:
    """Where a split graph starts: the raw inputs, the encodings, or those and the crosses."""
    if not encoded and not crossed:
        return dict(model.input)
    start = encoded_tensors(model)
    return {**start, **cross_tensors(model)} if crossed else start


def scorer_model(model: keras.Model, *, crossed: bool = False) -> keras.Model:
    """The encodings and raw numerics (see `encoded_tensors`) -> the logit, same layers; with
    `crossed`, the crosses' ids too (see `cross_tensors`): then numeric ops only."""
    start = _start_tensors(model, encoded=True, crossed=crossed)
    return _split_model(start, model.output, f"{model.name}_scorer")


def explain_function(
    model: keras.Model, *, encoded: bool = False, crossed: bool = False
) -> Callable[[Mapping[str, Any]], dict[str, tf.Tensor]]:
    """A function from raw inputs (or their encodings) to the logit split into its parts.

    The intermediate tensors come from one functional model over the same layers, so the graph
    runs once and the parts are exactly those the logit is built from.

    Args:
        model: a model from `build_model` (or one loaded from its Keras config).
        encoded: take the inputs as `encoded_tensors` gives them (ids for the non-numeric
            inputs, raw values for the numerics) instead of raw.
        crossed: take the encodings and each cross's ids (`cross_tensors`).

    Returns:
        A function (not traced; wrap it in tf.function for speed) from a dict of raw [batch]
        tensors (or their encodings) to {"logits": [batch, 1], "wide_logit": [batch],
        "deep_logit": [batch], "wide_bias": [batch],
        "wide_contributions": [batch, len(wide_input_names(model))]}, where
        wide_logit = wide_bias + sum(wide_contributions), logits = wide_logit + deep_logit and a
        missing part is 0. A bag's contribution is the sum over its ids.
    """
    layers = {layer.name: layer for layer in model.layers}
    sparse = layers.get(WIDE_SPARSE_LAYER)
    dense = layers.get(WIDE_DENSE_LAYER)
    wide_layer = next(
        (layers[n] for n in (WIDE_LOGIT_LAYER, WIDE_SPARSE_LAYER, WIDE_DENSE_LAYER) if n in layers),
        None,
    )
    deep_layer = layers.get(DEEP_LOGIT_LAYER)
    start = _start_tensors(model, encoded=encoded, crossed=crossed)
    # A part that is itself an input (an encoding the wide part takes as it is) is read from
    # the inputs: a functional model cannot output its own input.
    split = encoded or crossed
    start_names = {id(tensor): name for name, tensor in start.items()} if split else {}
    outputs: list[Any] = []
    known: list[Any] = []
    slots: list[tuple[bool, Any]] = []  # (from the inputs?, input name or output index)

    def position(tensor: Any) -> int:
        for index, seen in enumerate(known):
            if seen is tensor:
                return index
        known.append(tensor)
        name = start_names.get(id(tensor))
        if name is not None:
            slots.append((True, name))
        else:
            outputs.append(tensor)
            slots.append((False, len(outputs) - 1))
        return len(known) - 1

    logits_at = position(model.output)
    wide_at = position(wide_layer.output) if wide_layer is not None else None
    deep_at = position(deep_layer.output) if deep_layer is not None else None
    sparse_at = [position(t) for t in _as_list(sparse.input)] if sparse is not None else []
    dense_at = position(dense.input) if dense is not None else None
    parts = _split_model(start, outputs, f"{model.name}_explain")

    def explain(inputs: Mapping[str, Any]) -> dict[str, tf.Tensor]:
        computed = _as_list(parts(dict(inputs), training=False))
        values = [inputs[key] if given else computed[key] for given, key in slots]
        logits = tf.reshape(tf.cast(values[logits_at], tf.float32), [-1, 1])
        zeros = tf.zeros_like(logits[:, 0])
        bias = zeros
        contributions = []
        if sparse is not None:
            contributions.append(sparse.contributions([values[i] for i in sparse_at]))
            bias = bias + tf.convert_to_tensor(sparse.bias)[0]
        if dense is not None and dense_at is not None:
            numerics = tf.cast(values[dense_at], tf.float32)
            contributions.append(tf.matmul(numerics, tf.convert_to_tensor(dense.kernel)))
            if dense.use_bias:
                bias = bias + tf.convert_to_tensor(dense.bias)[0]
        return {
            "logits": logits,
            "wide_logit": zeros if wide_at is None else tf.reshape(values[wide_at], [-1]),
            "deep_logit": zeros if deep_at is None else tf.reshape(values[deep_at], [-1]),
            "wide_bias": bias,
            "wide_contributions": (
                tf.concat(contributions, axis=1)
                if contributions
                else tf.zeros([tf.shape(logits)[0], 0], tf.float32)
            ),
        }

    return explain


def embedding_table(model: keras.Model, feature_name: str) -> np.ndarray:
    """The trained embedding matrix of a feature or cross (layer f"{feature_name}_embedding").

    Row i belongs to token `embedding_tokens(adapted, feature_name)[i]`: for a categorical or
    integer categorical feature rows [0, num_oov) are its out-of-vocabulary buckets and row
    num_oov + j is `adapted.stats[feature_name].vocabulary[j]` (StringLookup/IntegerLookup put the
    OOV rows first); a multi-categorical bag has its padding row 0 before those; a text feature
    has padding row 0, the unknown-token row 1, then its vocabulary; hashed features and crosses
    have one row per hash bin.

    Args:
        model: a model from `build_model`.
        feature_name: the feature (or cross) name.

    Returns:
        A float32 array [rows, embedding_dim], a copy of the weights.

    Raises:
        KeyError: the model has no embedding for that name (wide-only, deep=False or dim 0).
    """
    name = f"{feature_name}_embedding"
    layer = next((layer for layer in model.layers if layer.name == name), None)
    if layer is None:
        raise KeyError(f"model {model.name!r} has no embedding layer {name!r}")
    return np.array(keras.ops.convert_to_numpy(layer.embeddings), dtype=np.float32)


def embedding_tokens(adapted: AdaptedSpec, feature_name: str) -> list[Any]:
    """The token of each row of a feature's embedding table; None for OOV and padding rows.

    Raises:
        KeyError: no such feature.
        ValueError: the feature has no vocabulary (hashed or numeric): its rows are hash bins.
    """
    feature = next((f for f in adapted.spec.raw_features if f.name == feature_name), None)
    if feature is None:
        raise KeyError(f"no raw feature named {feature_name!r}")
    vocabulary = list(adapted.stats[feature_name].vocabulary or ())
    if isinstance(feature, CategoricalFeature | IntegerCategoricalFeature):
        return [None] * feature.num_oov + vocabulary
    if isinstance(feature, MultiCategoricalFeature):
        return [None] * (1 + feature.num_oov) + vocabulary
    if isinstance(feature, TextFeature):
        return [None, None, *vocabulary]
    raise ValueError(f"{feature_name}: a {feature.kind} feature has no vocabulary rows")
