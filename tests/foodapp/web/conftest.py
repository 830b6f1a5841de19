"""Fixtures of the web page tests: the small simulated catalogue in the database, fresh caches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from foodapp.recommendations.cache import BREAKER
from foodapp.recommendations.catalogue import catalogue_cache_clear
from tests.foodapp.simulation.conftest import catalogue_in_db  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def fresh_catalogue() -> Iterator[None]:
    """Each test ranks its own database's dishes, with no list cached by an earlier test (the
    pages cache their suggestion lists)."""
    cache.clear()
    catalogue_cache_clear()
    BREAKER.reset()
    yield
    cache.clear()
    BREAKER.reset()
