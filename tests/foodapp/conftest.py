"""Fixtures for the Django apps: one tiny real census model, trained once per test session."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from foodapp.settings.environment import redis_cache
from foodapp.training import services
from foodapp.training.models import ModelVersion


@pytest.fixture(scope="session")
def census_export(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real census wide & deep model trained for one epoch on 2,000 rows (a few seconds)."""
    from recommender.datasets import census

    store = tmp_path_factory.mktemp("census-store")
    return census.train_and_export(models_dir=store, epochs=1, max_rows=2000, seed=7)


@pytest.fixture
def census_version(census_export: Any, settings: Any, db: None) -> ModelVersion:
    """The session's census model registered and active in this test's database."""
    settings.MODELS_DIR = Path(census_export.path).parent.parent
    version = services.model_version_register(
        model_name="census", exported=census_export, model_type="wide_deep"
    )
    return services.model_version_activate(version=version)


def dead_redis_cache() -> dict[str, Any]:
    """The app's Redis cache settings, pointed at a local port nothing listens on (bound, then
    released): a real Redis client whose every call fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return redis_cache(f"redis://127.0.0.1:{port}/0")
