"""One dataset-agnostic training loop over tf.data.

The wide part is optimised with FTRL (L1/L2) and the deep part with Adam or AdaGrad, jointly, in one
step on the summed logit. The training examples are fixed or drawn afresh each epoch (e.g. new
sampled negatives); the optimizers and the traced step are built once for the whole run. The
string and id inputs go through the model's lookup layers (`encoder_model`) once per set of
examples, not once per step: the step trains `scorer_model` (the same layers and variables after
the lookups) on compact integer ids, and a part of the examples that every epoch shares (e.g. the
logged examples, beside each epoch's fresh negatives; see `examples_join`) is encoded once.
Validation runs each epoch, early stopping watches the validation ROC AUC (or any metric named by
`TrainConfig.monitor`, such as one from a `validation_score` callback) and restores the best
weights, and progress goes to a plain callback receiving a dict.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np
import tensorflow as tf

from recommender.evaluation import accuracy, log_loss, roc_auc
from recommender.model import embedding_table as embedding_table  # re-exported for callers
from recommender.model import (
    encoded_names,
    encoder_model,
    encoding_sizes,
    input_signature,
    predict_logits,
    scorer_model,
    split_variables,
)

ProgressCallback = Callable[[dict[str, Any]], None]
# Called after each epoch with the model and its traced predict function (raw inputs -> logits);
# returns extra metrics such as {"val_ndcg@10": 0.41}.
ValidationScore = Callable[[keras.Model, Callable[..., Any]], Mapping[str, float]]
PREDICT_BATCH = 8192
ENCODE_BATCH = 8192


@dataclass(frozen=True)
class Examples:
    """Model-ready examples: one array per raw input, 0/1 labels, optional sample weights.

    `parts` is set by `examples_join`: the examples these are made of, end to end.
    """

    features: Mapping[str, np.ndarray]
    labels: np.ndarray
    weights: np.ndarray | None = None
    parts: tuple[Examples, ...] = ()

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def tensors(self) -> dict[str, tf.Tensor]:
        """The feature arrays as tensors (strings as tf.string, numbers as float32)."""
        return {name: _tensor(values) for name, values in self.features.items()}


def _tensor(values: np.ndarray) -> tf.Tensor:
    """One feature array as a tensor (an object array of str as tf.string)."""
    return tf.constant(values.tolist() if values.dtype == object else values)


class _JoinedFeatures(Mapping[str, np.ndarray]):
    """The feature arrays of several examples end to end, each concatenated when read."""

    def __init__(self, parts: Sequence[Examples]) -> None:
        self._parts = tuple(parts)

    def __getitem__(self, name: str) -> np.ndarray:
        return np.concatenate([part.features[name] for part in self._parts])

    def __contains__(self, name: object) -> bool:
        return name in self._parts[0].features

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts[0].features)

    def __len__(self) -> int:
        return len(self._parts[0].features)


def examples_join(parts: Sequence[Examples]) -> Examples:
    """Examples end to end, without copying their features.

    Each feature array is concatenated only when read (so adapting preprocessing on joined
    examples keeps no copy), and `train_model` encodes each part on its own: a part that every
    epoch's examples share, as the same object, is encoded once for the run.

    Args:
        parts: examples with the same feature names and dtypes (joined ones are flattened).

    Returns:
        Their rows in order; `parts` holds them.

    Raises:
        ValueError: no parts.
    """
    flat = tuple(piece for part in parts for piece in (part.parts or (part,)))
    if not flat:
        raise ValueError("examples_join: no examples to join")
    weights = (
        None
        if all(part.weights is None for part in flat)
        else np.concatenate(
            [
                part.weights if part.weights is not None else np.ones(len(part), np.float32)
                for part in flat
            ]
        ).astype(np.float32)
    )
    return Examples(
        features=_JoinedFeatures(flat),
        labels=np.concatenate([part.labels for part in flat]),
        weights=weights,
        parts=flat,
    )


def _compact_dtype(size: int) -> tf.DType:
    """The smallest integer dtype holding ids 0 to size - 1."""
    for dtype in (tf.uint8, tf.uint16, tf.int32):
        if size - 1 <= dtype.max:
            return dtype
    return tf.int64


class _Encoding:
    """Examples as the training step's inputs: every non-numeric input through the model's
    lookup, hashing and tokenizer layers once (ids in the smallest integer dtype that holds
    them), numerics as they are; the step casts a batch's ids back and runs the scorer.

    Inputs the logit does not use (a deep-only feature of a wide model) are left out. A model
    that is not a `build_model` graph (no encoding layers) trains on raw inputs.
    """

    def __init__(self, model: keras.Model) -> None:
        raw = input_signature(model)
        self.model: keras.Model = model
        self.names: list[str] = []
        self.signature: dict[str, tf.TensorSpec] = dict(raw)
        self.targets: dict[str, tf.DType] = {}
        self._encode: Any = None
        try:
            encoder = encoder_model(model, skip_unused=True)
            names = list(encoder.output)
            sizes = encoding_sizes(model, names)
            scorer = scorer_model(model)
        except ValueError:
            return
        self.model, self.names = scorer, names
        for unused in set(encoded_names(model)) - set(names):
            del self.signature[unused]
        for name in self.names:
            output = encoder.output[name]
            self.signature[name] = tf.TensorSpec(
                [None, *output.shape[1:]], _compact_dtype(sizes[name]), name=name
            )
            self.targets[name] = tf.as_dtype(output.dtype)
        self._encode = tf.function(
            lambda inputs: encoder(inputs, training=False),
            input_signature=[{name: raw[name] for name in self.names}],
        )

    def tensors(self, examples: Examples) -> dict[str, tf.Tensor]:
        """The examples' features as step inputs (see the class)."""
        if self._encode is None:
            return examples.tensors()
        features = examples.features
        found = {
            name: tf.constant(values, dtype=spec.dtype)
            for name, spec in self.signature.items()
            if name not in self.targets
            for values in (np.asarray(features[name]),)
        }
        rows = len(examples)
        arrays = {
            name: np.empty(
                [rows, *self.signature[name].shape[1:]], self.signature[name].dtype.as_numpy_dtype
            )
            for name in self.names
        }
        columns = {name: features[name] for name in self.names}
        for start in range(0, rows, ENCODE_BATCH):
            batch = {name: _tensor(v[start : start + ENCODE_BATCH]) for name, v in columns.items()}
            for name, ids in self._encode(batch).items():
                arrays[name][start : start + ENCODE_BATCH] = ids.numpy()
        for name in self.names:  # one array at a time: no second copy of them all at once
            found[name] = tf.constant(arrays.pop(name))
        return found

    def decode(self, features: Mapping[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        """A batch of step inputs as the step model takes them (ids back to their dtype)."""
        return {
            name: tf.cast(values, self.targets[name]) if name in self.targets else values
            for name, values in features.items()
        }


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings.

    Args:
        epochs: maximum number of passes over the training data.
        batch_size: examples per step.
        patience: epochs without a better monitored metric before stopping (0 = never stop
            early).
        seed: seeds weight initialisation, dropout and shuffling (None = not reproducible).
        wide_learning_rate, wide_l1, wide_l2: FTRL settings of the wide part.
        deep_optimizer: "adam" or "adagrad" for the deep part.
        deep_learning_rate: its learning rate.
        progress_every: report progress every this many steps (0 = about ten times an epoch).
        monitor: the epoch metric early stopping and the best weights follow, maximised (minimised
            when its name ends in "loss"); when an epoch lacks it: val_auc, else minus val_loss,
            else minus the training loss.
    """

    epochs: int = 20
    batch_size: int = 256
    patience: int = 3
    seed: int | None = 42
    wide_learning_rate: float = 0.05
    wide_l1: float = 0.001
    wide_l2: float = 0.001
    deep_optimizer: Literal["adam", "adagrad"] = "adam"
    deep_learning_rate: float = 0.001
    progress_every: int = 0
    monitor: str = "val_auc"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return asdict(self)


@dataclass
class TrainingResult:
    """What happened during training."""

    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    epochs_run: int = 0
    stopped_early: bool = False
    seconds: float = 0.0
    optimizer_iterations: dict[str, int] = field(default_factory=dict)


def _deep_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """Adam or AdaGrad as configured."""
    if config.deep_optimizer == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=config.deep_learning_rate)
    if config.deep_optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=config.deep_learning_rate)
    raise ValueError(f"deep_optimizer: expected 'adam' or 'adagrad', got {config.deep_optimizer!r}")


class _EpochInputs:
    """Each epoch's step inputs, built once for all its steps: the features of each part of the
    examples encoded (a part the previous epoch had too, as the same object, keeps its
    encoding), joined, with the labels and weights."""

    def __init__(self, encoding: _Encoding) -> None:
        self.encoding = encoding
        self.parts: list[tuple[Examples, dict[str, tf.Tensor]]] = []

    def tensors(self, examples: Examples) -> tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]:
        """The epoch's features, labels and weights as step inputs."""
        parts = examples.parts or (examples,)
        kept = [(part, encoded) for part, encoded in self.parts if any(part is p for p in parts)]
        self.parts = kept  # the previous epoch's other parts are freed before encoding these
        for part in parts:
            if not any(part is known for known, _ in self.parts):
                self.parts.append((part, self.encoding.tensors(part)))
        encoded = [next(e for known, e in self.parts if known is part) for part in parts]
        features = (
            encoded[0]
            if len(encoded) == 1
            else {name: tf.concat([e[name] for e in encoded], 0) for name in encoded[0]}
        )
        weights = (
            examples.weights
            if examples.weights is not None
            else np.ones(len(examples), dtype=np.float32)
        )
        return (
            features,
            tf.constant(examples.labels, dtype=tf.float32),
            tf.constant(weights, dtype=tf.float32),
        )


class Predictor:
    """A model's traced inference on raw inputs (called like `predict_logits(model)`) that
    remembers the probabilities of the examples it scored (by object) until `forget()`.

    `predict_probabilities` with a Predictor as `run` asks it, so several metrics of one epoch
    score the validation examples once; examples given to `keep_encoded` are scored from their
    encoding (see `train_model`), without their string lookups.
    """

    def __init__(self, model: keras.Model, encoding: _Encoding | None = None) -> None:
        self._run = predict_logits(model)
        self._encoding = encoding if encoding is not None and encoding.names else None
        self._encoded: list[tuple[Examples, dict[str, tf.Tensor]]] = []
        self._scored: list[tuple[Examples, np.ndarray]] = []
        self._score: Any = None
        if self._encoding is not None:
            coding = self._encoding
            self._score = tf.function(
                lambda inputs: coding.model(coding.decode(inputs), training=False),
                input_signature=[coding.signature],
            )

    def __call__(self, inputs: Mapping[str, tf.Tensor]) -> tf.Tensor:
        return self._run(inputs)

    def keep_encoded(self, examples: Examples) -> None:
        """Encode these examples once and score them from their encoding from now on."""
        if self._encoding is not None and not any(e is examples for e, _ in self._encoded):
            self._encoded.append((examples, self._encoding.tensors(examples)))

    def forget(self) -> None:
        """Forget the remembered probabilities (the weights changed)."""
        self._scored = []

    def probabilities(self, examples: Examples) -> np.ndarray:
        """Positive-class probabilities of the examples, shape [n] (remembered)."""
        for known, found in self._scored:
            if known is examples:
                return found
        encoded = next((t for e, t in self._encoded if e is examples), None)
        if encoded is not None:
            found = _chunked_probabilities(self._score, encoded, len(examples))
        else:
            found = _chunked_probabilities(self._run, examples.tensors(), len(examples))
        self._scored.append((examples, found))
        return found


def _chunked_probabilities(
    run: Callable[..., Any], tensors: Mapping[str, tf.Tensor], rows: int
) -> np.ndarray:
    """sigmoid(run(batch)) over the tensors in PREDICT_BATCH rows, shape [rows]."""
    chunks = []
    for start in range(0, rows, PREDICT_BATCH):
        batch = {name: values[start : start + PREDICT_BATCH] for name, values in tensors.items()}
        chunks.append(tf.sigmoid(run(batch)).numpy().reshape(-1))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


def _batches(rows: int, batch_size: int, seed: int | None) -> list[tf.Tensor]:
    """Row indices of each step: a seeded shuffle of the epoch's rows, cut into batches."""
    order = np.random.default_rng(seed).permutation(rows)
    return [
        tf.constant(order[start : start + batch_size], dtype=tf.int64)
        for start in range(0, rows, batch_size)
    ]


def predict_probabilities(
    model: keras.Model, examples: Examples, run: Callable[..., Any] | None = None
) -> np.ndarray:
    """Positive-class probabilities of the in-memory model, shape [n].

    Pass `run` (from `predict_logits(model)`, or a `Predictor`) to reuse one traced function
    across calls; a Predictor also remembers what it scored.
    """
    if isinstance(run, Predictor):
        return run.probabilities(examples)
    run = run or predict_logits(model)
    return _chunked_probabilities(run, examples.tensors(), len(examples))


def _validation_metrics(
    model: keras.Model, examples: Examples, run: Callable[..., Any]
) -> dict[str, float]:
    """Loss, accuracy and AUC on the validation examples."""
    probabilities = predict_probabilities(model, examples, run)
    metrics = {
        "val_loss": log_loss(examples.labels, probabilities),
        "val_accuracy": accuracy(examples.labels, probabilities),
    }
    if 0 < examples.labels.mean() < 1:
        metrics["val_auc"] = roc_auc(examples.labels, probabilities)
    return metrics


def _score(metrics: Mapping[str, float], monitor: str) -> float:
    """What early stopping maximises this epoch (see `TrainConfig.monitor`)."""
    if monitor in metrics:
        value = float(metrics[monitor])
        if math.isnan(value):
            return -math.inf
        return -value if monitor.endswith("loss") else value
    return metrics.get("val_auc", -metrics.get("val_loss", metrics["loss"]))


def _epoch_examples(train: Examples | Callable[[int], Examples], epoch: int) -> Examples:
    """The examples of one epoch (1-based), refusing an empty draw."""
    examples = train if isinstance(train, Examples) else train(epoch)
    if len(examples) == 0:
        raise ValueError(
            "no training examples"
            if isinstance(train, Examples)
            else f"epoch {epoch}: no training examples"
        )
    return examples


def train_model(
    model: keras.Model,
    *,
    train: Examples | Callable[[int], Examples],
    validation: Examples | None,
    config: TrainConfig,
    progress: ProgressCallback | None = None,
    log_dir: Path | None = None,
    validation_score: ValidationScore | None = None,
    strategy: tf.distribute.Strategy | None = None,
) -> TrainingResult:
    """Train `model` in place, keeping the weights of the best validation epoch.

    Args:
        model: a model from `build_model` (logit output).
        train: training examples, or a function called with the epoch number (1, 2, ...) at the
            start of each epoch returning that epoch's examples (same feature names and dtypes;
            e.g. fresh sampled negatives, joined to the logged examples by `examples_join`: the
            part every epoch returns as the same object is encoded once). The optimizers keep
            their state across epochs.
        validation: examples for per-epoch validation metrics (val_loss, val_accuracy, val_auc).
        config: optimisation settings (`monitor` names the metric early stopping follows).
        progress: called with {"epoch", "epochs", "step", "steps", "metrics"} during training.
        log_dir: folder for TensorBoard logs (None: no logs).
        validation_score: called after each epoch with the model and its traced predict
            function (a `Predictor`: `predict_probabilities` with it on the `validation`
            examples reuses the epoch's scores); the metrics it returns join the epoch's
            (history, progress, logs) and can be monitored.
        strategy: a tf.distribute strategy (see `recommender.distribution`) whose scope the
            model was built in; each step's batch is split between its replicas. None: none.

    Returns:
        Per-epoch history, best epoch, epochs run, whether it stopped early, seconds and the
        optimizers' step counts.

    Raises:
        ValueError: no training examples (for a function: in some epoch).
    """
    started = time.perf_counter()
    fixed = _epoch_examples(train, 1) if isinstance(train, Examples) else None
    if config.seed is not None:
        tf.random.set_seed(config.seed)
    wide_vars, deep_vars = split_variables(model)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        wide_optimizer = keras.optimizers.Ftrl(
            learning_rate=config.wide_learning_rate,
            l1_regularization_strength=config.wide_l1,
            l2_regularization_strength=config.wide_l2,
        )
        deep_optimizer = _deep_optimizer(config)
        if wide_vars:
            wide_optimizer.build(wide_vars)
        if deep_vars:
            deep_optimizer.build(deep_vars)
    variables = wide_vars + deep_vars
    wide_count = len(wide_vars)
    encoding = _Encoding(model)

    # The step takes the whole epoch's tensors and one batch of row indices, and gathers the
    # batch itself: one graph for the run, whatever each epoch's examples (a tf.data pipeline
    # over each epoch's new tensors would be traced again every epoch).
    signature = (
        encoding.signature,
        tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([None], tf.int64),
    )

    def replica_step(
        epoch_features: dict[str, tf.Tensor],
        epoch_labels: tf.Tensor,
        epoch_weights: tf.Tensor,
        rows: tf.Tensor,
    ) -> Any:
        # With a strategy each replica takes every n-th row of the batch; the loss is divided
        # by the whole batch's weight, so the replicas' gradients sum to the batch gradient.
        total_weight = tf.maximum(tf.reduce_sum(tf.gather(epoch_weights, rows)), 1e-12)
        if strategy is not None:
            context = tf.distribute.get_replica_context()
            rows = rows[context.replica_id_in_sync_group :: strategy.num_replicas_in_sync]
        features = encoding.decode(
            {name: tf.gather(values, rows) for name, values in epoch_features.items()}
        )
        labels = tf.gather(epoch_labels, rows)
        weights = tf.gather(epoch_weights, rows)
        with tf.GradientTape() as tape:
            logits = tf.reshape(encoding.model(features, training=True), [-1])
            losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
            loss = tf.reduce_sum(losses * weights) / total_weight
        gradients = tape.gradient(loss, variables)
        if wide_count:
            wide_optimizer.apply(gradients[:wide_count], wide_vars)
        if len(variables) > wide_count:
            deep_optimizer.apply(gradients[wide_count:], deep_vars)
        return loss

    @tf.function(input_signature=signature)
    def train_step(
        epoch_features: dict[str, tf.Tensor],
        epoch_labels: tf.Tensor,
        epoch_weights: tf.Tensor,
        rows: tf.Tensor,
    ) -> Any:
        if strategy is None:
            return replica_step(epoch_features, epoch_labels, epoch_weights, rows)
        per_replica = strategy.run(
            replica_step, args=(epoch_features, epoch_labels, epoch_weights, rows)
        )
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    inputs = _EpochInputs(encoding)
    writer = tf.summary.create_file_writer(str(log_dir)) if log_dir is not None else None
    result = TrainingResult()
    best_score = -math.inf
    best_weights = model.get_weights()
    stale = 0
    run = Predictor(model, encoding)
    if validation is not None and len(validation):
        run.keep_encoded(validation)
    tensors: tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor] | None = None

    for epoch in range(1, config.epochs + 1):
        tensors = None  # the previous epoch's inputs are freed before this epoch's are built
        examples = fixed if fixed is not None else _epoch_examples(train, epoch)
        tensors = inputs.tensors(examples)
        epoch_seed = None if config.seed is None else config.seed + epoch
        steps = math.ceil(len(examples) / config.batch_size)
        every = config.progress_every or max(1, steps // 10)
        total, count = 0.0, 0
        for step, rows in enumerate(_batches(len(examples), config.batch_size, epoch_seed), 1):
            loss = float(train_step(*tensors, rows))
            total += loss
            count += 1
            if progress is not None and step % every == 0 and step < steps:
                progress(
                    {
                        "epoch": epoch,
                        "epochs": config.epochs,
                        "step": step,
                        "steps": steps,
                        "metrics": {"loss": total / count},
                    }
                )
        metrics: dict[str, float] = {"loss": total / max(count, 1)}
        run.forget()
        if validation is not None and len(validation):
            metrics.update(_validation_metrics(model, validation, run))
        if validation_score is not None:
            metrics.update({k: float(v) for k, v in validation_score(model, run).items()})
        result.history.append({"epoch": epoch, **metrics})
        result.epochs_run = epoch
        if writer is not None:
            with writer.as_default():
                for key, value in metrics.items():
                    tf.summary.scalar(key, value, step=epoch)
            writer.flush()
        if progress is not None:
            progress(
                {
                    "epoch": epoch,
                    "epochs": config.epochs,
                    "step": steps,
                    "steps": steps,
                    "metrics": dict(metrics),
                }
            )
        score = _score(metrics, config.monitor)
        if score > best_score:
            best_score, best_weights, stale = score, model.get_weights(), 0
            result.best_epoch = epoch
        else:
            stale += 1
            if config.patience and stale >= config.patience:
                result.stopped_early = epoch < config.epochs
                break

    del tensors, inputs, run
    model.set_weights(best_weights)
    if writer is not None:
        writer.close()
    if wide_vars:
        result.optimizer_iterations["wide"] = int(
            tf.convert_to_tensor(wide_optimizer.iterations.value)
        )
    if deep_vars:
        result.optimizer_iterations["deep"] = int(
            tf.convert_to_tensor(deep_optimizer.iterations.value)
        )
    result.seconds = time.perf_counter() - started
    return result
