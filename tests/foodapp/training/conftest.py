"""A small registered trainer for testing the training machinery without TensorFlow.

It stands in for the ML only (the census and food trainers are tested with real models elsewhere):
it writes a version folder the way recommender's exporter does and reports progress, and has its
own smoke check (a real model's is a prediction through recommender's Predictor).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from foodapp.training.registry import Trainer, TrainingRequest, register_trainer, unregister_trainer

TOY_MODEL = "toy"
BROKEN_SEED = 666  # a toy trained with this seed exports weights that predict NaN


@dataclass(frozen=True)
class ToyExport:
    version: int
    path: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def train_toy(request: TrainingRequest) -> ToyExport:
    """Fail on demand (epochs=13), else write the next numbered folder and report two epochs."""
    if request.params.get("epochs") == 13:
        raise RuntimeError("unlucky number of epochs")
    folder = request.models_dir / TOY_MODEL
    folder.mkdir(parents=True, exist_ok=True)
    version = 1 + max((int(p.name) for p in folder.iterdir() if p.name.isdigit()), default=0)
    (folder / str(version)).mkdir()
    weights = "nan" if request.params.get("seed") == BROKEN_SEED else "0.5"
    (folder / str(version) / "weights.txt").write_text(weights)
    for epoch in (1, 2):
        request.progress(
            {
                "epoch": epoch,
                "epochs": 2,
                "step": 10,
                "steps": 10,
                "metrics": {"loss": 1.0 / epoch},
                "final": epoch == 2,
            }
        )
    return ToyExport(version, folder / str(version), {"accuracy": 0.5 + version / 100})


def toy_smoke_check(path: Path) -> None:
    """Load the toy's weights and 'predict': a NaN prediction fails."""
    prediction = float((path / "weights.txt").read_text())
    if prediction != prediction:
        raise ValueError("the prediction is NaN")


@pytest.fixture
def toy_trainer(models_dir: Path) -> Iterator[Trainer]:
    trainer = Trainer(
        model_name=TOY_MODEL,
        train=train_toy,
        description="test double",
        smoke_check=toy_smoke_check,
    )
    register_trainer(trainer)
    yield trainer
    unregister_trainer(TOY_MODEL)


DEAD_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def _reset_broker_pools() -> None:
    """Forget the app's cached pools so the next send looks them up for the current broker URL.

    They are not closed: kombu keeps one pool per URL process-wide and would hand it out again.
    """
    from foodapp.celery import app

    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Celery app sends to a Redis that is down (a real connection refused, not a mock)."""
    from foodapp.celery import app

    # broker_write_url first: read after broker_url it would already be the dead URL.
    monkeypatch.setattr(app.conf, "broker_write_url", None)
    monkeypatch.setattr(app.conf, "broker_url", DEAD_BROKER_URL)
    _reset_broker_pools()
    yield
    monkeypatch.undo()
    _reset_broker_pools()
