"""One dataset-agnostic training loop over tf.data.

The wide part is optimised with FTRL (L1/L2) and the deep part with Adam or AdaGrad, jointly, in one
step on the summed logit. Validation runs each epoch, early stopping watches the validation ROC AUC
and restores the best weights, and progress goes to a plain callback receiving a dict.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np
import tensorflow as tf

from recommender.evaluation import accuracy, log_loss, roc_auc
from recommender.model import input_signature, predict_logits, split_variables

ProgressCallback = Callable[[dict[str, Any]], None]
PREDICT_BATCH = 8192


@dataclass(frozen=True)
class Examples:
    """Model-ready examples: one array per raw input, 0/1 labels, optional sample weights."""

    features: Mapping[str, np.ndarray]
    labels: np.ndarray
    weights: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def tensors(self) -> dict[str, tf.Tensor]:
        """The feature arrays as tensors (strings as tf.string, numbers as float32)."""
        return {
            name: tf.constant(values.tolist() if values.dtype == object else values)
            for name, values in self.features.items()
        }


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings.

    Args:
        epochs: maximum number of passes over the training data.
        batch_size: examples per step.
        patience: epochs without a better validation AUC before stopping (0 = never stop early).
        seed: seeds weight initialisation, dropout and shuffling (None = not reproducible).
        wide_learning_rate, wide_l1, wide_l2: FTRL settings of the wide part.
        deep_optimizer: "adam" or "adagrad" for the deep part.
        deep_learning_rate: its learning rate.
        progress_every: report progress every this many steps (0 = about ten times an epoch).
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


def _deep_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """Adam or AdaGrad as configured."""
    if config.deep_optimizer == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=config.deep_learning_rate)
    if config.deep_optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=config.deep_learning_rate)
    raise ValueError(f"deep_optimizer: expected 'adam' or 'adagrad', got {config.deep_optimizer!r}")


def _dataset(examples: Examples, config: TrainConfig) -> tf.data.Dataset:
    """Shuffled, batched training examples (shuffles row indices, then gathers the rows)."""
    weights = (
        examples.weights
        if examples.weights is not None
        else np.ones(len(examples), dtype=np.float32)
    )
    features = examples.tensors()
    labels = tf.constant(examples.labels, dtype=tf.float32)
    weight_tensor = tf.constant(weights, dtype=tf.float32)

    def gather(indices: tf.Tensor) -> tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]:
        rows = {name: tf.gather(values, indices) for name, values in features.items()}
        return rows, tf.gather(labels, indices), tf.gather(weight_tensor, indices)

    dataset = tf.data.Dataset.range(len(examples))
    dataset = dataset.shuffle(len(examples), seed=config.seed, reshuffle_each_iteration=True)
    return dataset.batch(config.batch_size).map(gather).prefetch(tf.data.AUTOTUNE)


def predict_probabilities(
    model: keras.Model, examples: Examples, run: Callable[..., Any] | None = None
) -> np.ndarray:
    """Positive-class probabilities of the in-memory model, shape [n].

    Pass `run` (from `predict_logits(model)`) to reuse one traced function across calls.
    """
    run = run or predict_logits(model)
    tensors = examples.tensors()
    chunks = []
    for start in range(0, len(examples), PREDICT_BATCH):
        batch = {name: values[start : start + PREDICT_BATCH] for name, values in tensors.items()}
        chunks.append(tf.sigmoid(run(batch)).numpy().reshape(-1))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)


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


def train_model(
    model: keras.Model,
    *,
    train: Examples,
    validation: Examples | None,
    config: TrainConfig,
    progress: ProgressCallback | None = None,
    log_dir: Path | None = None,
) -> TrainingResult:
    """Train `model` in place, keeping the weights of the best validation epoch.

    Args:
        model: a model from `build_model` (logit output).
        train: training examples.
        validation: examples for per-epoch validation and early stopping (None: train all epochs).
        config: optimisation settings.
        progress: called with {"epoch", "epochs", "step", "steps", "metrics"} during training.
        log_dir: folder for TensorBoard logs (None: no logs).

    Returns:
        Per-epoch history, best epoch, epochs run, whether it stopped early, seconds.
    """
    started = time.perf_counter()
    if len(train) == 0:
        raise ValueError("no training examples")
    if config.seed is not None:
        tf.random.set_seed(config.seed)
    wide_vars, deep_vars = split_variables(model)
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

    signature = (
        input_signature(model),
        tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([None], tf.float32),
    )

    @tf.function(input_signature=signature)
    def train_step(features: dict[str, tf.Tensor], labels: tf.Tensor, weights: tf.Tensor) -> Any:
        with tf.GradientTape() as tape:
            logits = tf.reshape(model(features, training=True), [-1])
            losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
            loss = tf.reduce_sum(losses * weights) / tf.maximum(tf.reduce_sum(weights), 1e-12)
        gradients = tape.gradient(loss, variables)
        if wide_count:
            wide_optimizer.apply(gradients[:wide_count], wide_vars)
        if len(variables) > wide_count:
            deep_optimizer.apply(gradients[wide_count:], deep_vars)
        return loss

    dataset = _dataset(train, config)
    steps = math.ceil(len(train) / config.batch_size)
    every = config.progress_every or max(1, steps // 10)
    writer = tf.summary.create_file_writer(str(log_dir)) if log_dir is not None else None
    result = TrainingResult()
    best_score = -math.inf
    best_weights = model.get_weights()
    stale = 0
    run = predict_logits(model)

    for epoch in range(1, config.epochs + 1):
        total, count = 0.0, 0
        for step, (features, labels, weights) in enumerate(dataset, start=1):
            loss = float(train_step(features, labels, weights))
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
        if validation is not None and len(validation):
            metrics.update(_validation_metrics(model, validation, run))
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
        score = metrics.get("val_auc", -metrics.get("val_loss", metrics["loss"]))
        if score > best_score:
            best_score, best_weights, stale = score, model.get_weights(), 0
            result.best_epoch = epoch
        else:
            stale += 1
            if config.patience and stale >= config.patience:
                result.stopped_early = epoch < config.epochs
                break

    model.set_weights(best_weights)
    if writer is not None:
        writer.close()
    result.seconds = time.perf_counter() - started
    return result
