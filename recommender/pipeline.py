"""Adapt, build, train, evaluate and export: the dataset-agnostic path from columns to a version."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from recommender.evaluation import classification_report
from recommender.export import ExportResult, export_version
from recommender.features import AdaptedSpec, FeatureSpec, adapt_features
from recommender.model import ModelConfig, build_model
from recommender.training import (
    Examples,
    Predictor,
    ProgressCallback,
    TrainConfig,
    TrainingResult,
    ValidationScore,
    predict_probabilities,
    train_model,
)
from recommender.warm_start import (
    FINGERPRINT_KEY,
    WarmStartRefused,
    spec_fingerprint,
    warm_start_apply,
    warm_start_load,
)

__all__ = [
    "ExtraFiles",
    "ProgressCallback",
    "TestMetrics",
    "TrainedModel",
    "ValidationScore",
    "fit",
    "train_evaluate_export",
]

# Called once after training with the model and its traced predict function (raw inputs ->
# logits); returns extra test metrics (e.g. ranking metrics) merged into the exported ones.
TestMetrics = Callable[[keras.Model, Callable[..., Any]], Mapping[str, Any]]
# Files for assets.extra, or a function of the trained model returning them (e.g. embeddings).
ExtraFiles = Mapping[str, bytes] | Callable[[keras.Model], Mapping[str, bytes]]


@dataclass
class TrainedModel:
    """An in-memory trained model with its adapted spec and training record."""

    model: keras.Model
    adapted: AdaptedSpec
    training: TrainingResult
    model_config: ModelConfig
    train_config: TrainConfig
    # How it started: {"warm_start": True, "from": "food_wide v3"}, or False with the reason.
    start: dict[str, Any] = field(default_factory=dict)


def fit(
    *,
    spec: FeatureSpec,
    train_columns: Mapping[str, np.ndarray],
    train: Examples | Callable[[int], Examples],
    validation: Examples | None,
    model_config: ModelConfig,
    train_config: TrainConfig,
    progress: ProgressCallback | None = None,
    log_dir: Path | None = None,
    validation_score: ValidationScore | None = None,
    warm_start: Path | None = None,
    strategy: tf.distribute.Strategy | None = None,
) -> TrainedModel:
    """Adapt the features on the training split, build the model and train it.

    Args:
        spec: feature declaration.
        train_columns: raw training columns the preprocessing is adapted on (once).
        train: training examples (the same rows, model-ready), or a function of the epoch
            number (1, 2, ...) returning each epoch's examples, see `train_model`.
        validation: validation examples for early stopping (None: none).
        model_config: model type and tower.
        train_config: optimisation settings (seed and monitored metric included).
        progress: progress callback, see `train_model`.
        log_dir: TensorBoard log folder.
        validation_score: extra per-epoch metrics, see `train_model`.
        warm_start: an earlier version's folder to start from when it is compatible (see
            `recommender.warm_start`: its statistics and weights are reused); otherwise the
            start is cold and `TrainedModel.start` says why.
        strategy: a tf.distribute strategy (`recommender.distribution`): the model is built
            in its scope and each step's batch is split between its replicas. None: none.

    Returns:
        The trained model and its record.
    """
    if train_config.seed is not None:
        keras.utils.set_random_seed(train_config.seed)
    adapted = adapt_features(spec, train_columns)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model, adapted, start = _start_model(spec, adapted, model_config, warm_start)
    result = train_model(
        model,
        train=train,
        validation=validation,
        config=train_config,
        progress=progress,
        log_dir=log_dir,
        validation_score=validation_score,
        strategy=strategy,
    )
    return TrainedModel(model, adapted, result, model_config, train_config, start)


def _start_model(
    spec: FeatureSpec, fresh: AdaptedSpec, model_config: ModelConfig, warm_start: Path | None
) -> tuple[keras.Model, AdaptedSpec, dict[str, Any]]:
    """The model to train: from the earlier version when it is compatible, else a new one."""
    if warm_start is None:
        return build_model(fresh, model_config), fresh, {}
    try:
        warm = warm_start_load(warm_start, spec=spec, model_config=model_config, fresh=fresh)
        model = build_model(warm.adapted, model_config)
        warm_start_apply(model, warm)
    except WarmStartRefused as refusal:
        return build_model(fresh, model_config), fresh, _cold(str(refusal))
    return model, warm.adapted, warm.describe()


def _cold(reason: str) -> dict[str, Any]:
    """The record of a cold start that was asked to be warm."""
    return {"warm_start": False, "cold_start_reason": reason}


def _brief(report: Mapping[str, Any]) -> dict[str, Any]:
    """A metrics report without its plot points."""
    return {k: v for k, v in report.items() if k not in ("roc_curve", "calibration")}


def train_evaluate_export(
    *,
    spec: FeatureSpec,
    train_columns: Mapping[str, np.ndarray],
    train: Examples | Callable[[int], Examples],
    validation: Examples | None,
    test: Examples,
    model_config: ModelConfig,
    train_config: TrainConfig,
    models_dir: Path,
    name: str,
    data_summary: Mapping[str, Any],
    progress: ProgressCallback | None = None,
    log_dir: Path | None = None,
    validation_score: ValidationScore | None = None,
    test_metrics: TestMetrics | None = None,
    extra_files: ExtraFiles | None = None,
    warm_start: Path | None = None,
    strategy: tf.distribute.Strategy | None = None,
) -> ExportResult:
    """Train, evaluate on the test split and export a new version with its metadata.

    Args:
        spec: feature declaration.
        train_columns: raw training columns the preprocessing is adapted on.
        train: training examples, or a function of the epoch number returning them.
        validation: validation examples (early stopping).
        test: held-out examples for the reported metrics.
        model_config: model type and tower.
        train_config: optimisation settings.
        models_dir: root of the model store.
        name: model name in the store.
        data_summary: description of the data (rows, positive rates...), stored in metadata.
        progress: progress callback.
        log_dir: TensorBoard log folder.
        validation_score: extra per-epoch metrics, see `train_model`.
        test_metrics: extra test metrics, added to the classification report (a key it
            returns replaces the report's).
        extra_files: files for `<version>/assets.extra/` (see `export_version`), or a function
            called with the trained model returning them.
        warm_start: an earlier version to start from, see `fit`; the metadata's "start" says
            whether it was used and, if not, why.
        strategy: a tf.distribute strategy, see `fit`.

    Returns:
        The exported version; `metrics` are the test metrics with ROC/calibration points.
    """
    started = time.perf_counter()
    trained = fit(
        spec=spec,
        train_columns=train_columns,
        train=train,
        validation=validation,
        model_config=model_config,
        train_config=train_config,
        progress=progress,
        log_dir=log_dir,
        validation_score=validation_score,
        warm_start=warm_start,
        strategy=strategy,
    )
    training_seconds = time.perf_counter() - started
    run = Predictor(trained.model)  # test_metrics scoring the same test examples reuses these
    metrics = classification_report(test.labels, predict_probabilities(trained.model, test, run))
    if test_metrics is not None:
        metrics.update(test_metrics(trained.model, run))
    if validation is not None and len(validation):
        validation_report = classification_report(
            validation.labels, predict_probabilities(trained.model, validation, run)
        )
        metrics["validation"] = _brief(validation_report)
    metadata = {
        "model_type": model_config.model_type,
        "metrics": metrics,
        "data": dict(data_summary),
        "training_seconds": round(training_seconds, 3),
        FINGERPRINT_KEY: spec_fingerprint(spec, model_config),
        "start": trained.start or {"warm_start": False},
        "training": {
            "history": trained.training.history,
            "best_epoch": trained.training.best_epoch,
            "epochs_run": trained.training.epochs_run,
            "stopped_early": trained.training.stopped_early,
        },
        "parameters": {
            "model": model_config.to_dict(),
            "training": train_config.to_dict(),
            "parameter_count": int(trained.model.count_params()),
        },
    }
    return export_version(
        trained.model,
        trained.adapted,
        models_dir=models_dir,
        name=name,
        metadata=metadata,
        extra_files=extra_files(trained.model) if callable(extra_files) else extra_files,
    )
