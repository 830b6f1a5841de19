"""Fixtures of the web page tests: the small simulated catalogue in the database."""

from __future__ import annotations

import pytest

from foodapp.recommendations.catalogue import catalogue_cache_clear
from tests.foodapp.simulation.conftest import catalogue_in_db  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def fresh_catalogue() -> None:
    """Each test ranks its own database's dishes."""
    catalogue_cache_clear()
