from __future__ import annotations

import pytest
from django.db import connection

from foodapp.catalog.selectors import dish_ids_by_external_id, dish_search
from tests.foodapp.catalog.factories import CuisineFactory, DishFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu():
    american = CuisineFactory(name="American", slug="american")
    chinese = CuisineFactory(name="Chinese", slug="chinese")
    return {
        "fried_chicken": DishFactory(name="Fried Chicken", cuisine=american, order_count=5),
        "fried_rice": DishFactory(name="Chicken Fried Rice", cuisine=chinese, order_count=50),
        "waffles": DishFactory(name="Chicken and Waffles", cuisine=american),
        "salad": DishFactory(
            name="Garden Salad", description="Leaves and a little fried onion", cuisine=american
        ),
        "noodles": DishFactory(
            name="Dan Dan Noodles", cuisine=chinese, tags=[TagFactory(name="spicy")]
        ),
    }


def test_v1_naive_matching_ranks_chicken_fried_rice_right_behind_fried_chicken(menu):
    names = [dish.name for dish in dish_search(query="Fried chicken!")]
    assert names[:2] == ["Fried Chicken", "Chicken Fried Rice"]
    assert names.index("Chicken and Waffles") < names.index("Garden Salad")


def test_tags_and_cuisines_match_too(menu):
    assert [d.name for d in dish_search(query="spicy")] == ["Dan Dan Noodles"]
    assert {d.name for d in dish_search(query="chinese")} == {
        "Chicken Fried Rice",
        "Dan Dan Noodles",
    }


def test_blank_query_and_limit(menu):
    assert dish_search(query="  ?! ") == []
    assert len(dish_search(query="chicken", limit=2)) == 2


def test_typos_match_through_trigrams_on_postgresql(menu):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm typo matching exists on PostgreSQL only; SQLite matches substrings")
    names = [dish.name for dish in dish_search(query="chiken")]
    assert "Fried Chicken" in names and "Chicken Fried Rice" in names
    assert "Dan Dan Noodles" not in names


def test_typos_find_nothing_on_sqlite(menu):
    if connection.vendor != "sqlite":
        pytest.skip("documents the SQLite fallback: plain substring matching")
    assert dish_search(query="chiken") == []


def test_dish_ids_by_external_id_leaves_unknown_out(menu):
    dish = menu["salad"]
    assert dish_ids_by_external_id(external_ids=[dish.external_id, "nope"]) == {
        dish.external_id: dish.pk
    }
