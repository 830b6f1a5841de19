"""Fixtures of the simulator tests: one small world and its simulated events, built once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from foodapp.simulation.sessions import EventColumns
from foodapp.simulation.world import World
from tests.foodapp.simulation.catalogue import small_catalogue

START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 30.0


@pytest.fixture(scope="session")
def world() -> World:
    """A world of 60 people over the small catalogue."""
    return World(dishes=small_catalogue(), users=60, seed=3)


@pytest.fixture(scope="session")
def events(world: World) -> EventColumns:
    """Many sessions of that world, enough for rates to be stable."""
    return world.simulate(sessions=12_000, start=START, days=DAYS)


def small_catalogue_write() -> list[int]:
    """The small catalogue written through the catalogue service; returns the dish ids."""
    from decimal import Decimal

    from foodapp.catalog.dish_input import DishInput
    from foodapp.catalog.models import Dish
    from foodapp.catalog.services import dishes_upsert_bulk

    dishes_upsert_bulk(
        dishes=[
            DishInput(
                external_id=f"test-{dish.dish_id}",
                name=dish.name,
                cuisine=dish.cuisine,
                course=dish.course,
                tags=dish.tags,
                ingredients=dish.ingredients,
                price=Decimal(str(dish.price)),
                spice_level=dish.spice_level,
                is_vegetarian=dish.is_vegetarian,
                is_vegan=dish.is_vegan,
                is_gluten_free=dish.is_gluten_free,
            )
            for dish in small_catalogue()
        ]
    )
    return list(Dish.objects.order_by("id").values_list("id", flat=True))


@pytest.fixture
def catalogue_in_db(db: None) -> list[int]:
    """The small catalogue written through the catalogue service; returns the dish ids."""
    return small_catalogue_write()
