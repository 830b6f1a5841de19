"""The training loop: progress reports, TensorBoard logs, early stopping, fixed seeds."""

from __future__ import annotations

import numpy as np

from recommender.model import ModelConfig
from recommender.pipeline import fit
from recommender.training import TrainConfig
from tests.recommender.conftest import TINY_SPEC, make_columns, to_examples

WIDE = ModelConfig(model_type="wide")


def _fit(train_config, **kwargs):
    columns = make_columns(200, seed=11)
    return fit(
        spec=TINY_SPEC,
        train_columns=columns,
        train=to_examples(columns),
        validation=to_examples(make_columns(100, seed=12)),
        model_config=WIDE,
        train_config=train_config,
        **kwargs,
    )


def test_progress_reports_and_tensorboard_logs(tmp_path):
    reports: list[dict] = []
    config = TrainConfig(epochs=2, batch_size=50, patience=0, seed=1, progress_every=2)
    trained = _fit(config, progress=reports.append, log_dir=tmp_path / "logs")
    assert all(set(r) == {"epoch", "epochs", "step", "steps", "metrics"} for r in reports)
    assert [(r["epoch"], r["step"]) for r in reports] == [(1, 2), (1, 4), (2, 2), (2, 4)]
    assert all(r["epochs"] == 2 and r["steps"] == 4 for r in reports)
    end_of_epoch = reports[1]["metrics"]
    assert {"loss", "val_loss", "val_accuracy", "val_auc"} <= end_of_epoch.keys()
    assert trained.training.epochs_run == 2
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))


def test_early_stopping_keeps_the_best_epoch():
    frozen = TrainConfig(
        epochs=20, batch_size=50, patience=2, seed=1, wide_learning_rate=0.0, deep_learning_rate=0.0
    )
    trained = _fit(frozen)
    # nothing can improve after the first epoch, so two stale epochs stop the run
    assert trained.training.best_epoch == 1
    assert trained.training.epochs_run == 3
    assert trained.training.stopped_early


def test_same_seed_gives_the_same_weights():
    config = TrainConfig(epochs=1, batch_size=50, patience=0, seed=5)
    first = _fit(config).model.get_weights()
    second = _fit(config).model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
