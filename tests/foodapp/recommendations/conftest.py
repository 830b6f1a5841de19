"""Fixtures of the recommendation tests: a small simulated history in the test database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from foodapp.recommendations.catalogue import catalogue_cache_clear
from foodapp.recommendations.training_data import food_data_cache_clear
from tests.foodapp.simulation.conftest import catalogue_in_db  # noqa: F401 (a fixture)

START = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Each test builds its own catalogue and data (their databases differ)."""
    catalogue_cache_clear()
    food_data_cache_clear()


@pytest.fixture
def simulated_history(catalogue_in_db: list[int]) -> object:  # noqa: F811
    """The simulator's small catalogue, 40 people and 1,500 sessions over 20 days."""
    from foodapp.simulation.services import simulation_run

    return simulation_run(users=40, sessions=1500, seed=3, start=START, days=20)
