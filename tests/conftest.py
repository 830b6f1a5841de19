"""Shared fixtures: a per-test model store and the service switches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def services_required() -> bool:
    """REQUIRE_SERVICES=1 turns a missing PostgreSQL/Redis into a failure instead of a skip."""
    return os.environ.get("REQUIRE_SERVICES", "").strip() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def models_dir(tmp_path: Path, settings: object) -> Iterator[Path]:
    """A fresh, empty model store for one test."""
    directory = tmp_path / "models"
    directory.mkdir()
    settings.MODELS_DIR = directory  # type: ignore[attr-defined]
    yield directory


@pytest.fixture(autouse=True)
def served_snapshot_forgotten() -> Iterator[None]:
    """Each test starts with no served-version snapshot: its database starts afresh too (the
    loaded predictors are kept: they are keyed by folder and checksum)."""
    from foodapp.training.served import SERVED

    SERVED.invalidate()
    yield
    SERVED.invalidate()
