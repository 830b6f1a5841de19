from __future__ import annotations

from decimal import Decimal

import pytest

from foodapp.catalog.dish_input import DishInput
from foodapp.catalog.models import Cuisine, Dish, Tag
from foodapp.catalog.services import (
    ERROR_COURSE,
    ERROR_SPICE_LEVEL,
    DishValidationError,
    UpsertCounts,
    dish_create,
    dishes_upsert_bulk,
)
from foodapp.core.coordinates import ERROR_COORDINATES

pytestmark = pytest.mark.django_db


def test_upsert_creates_then_updates_without_duplicating():
    first = DishInput(
        external_id="d1",
        name="Pad Thai",
        cuisine="Thai",
        course="main",
        tags=("noodles", "street food"),
        ingredients=("rice noodles", "peanut"),
        price=Decimal("11.50"),
        spice_level=2,
    )
    assert dishes_upsert_bulk(dishes=[first]) == UpsertCounts(created=1, updated=0)
    renamed = DishInput(external_id="d1", name="Pad Thai Gai", tags=("noodles",))
    assert dishes_upsert_bulk(dishes=[renamed]) == UpsertCounts(created=0, updated=1)
    dish = Dish.objects.get()
    # Given fields change, fields given as None keep their value, the slug stays.
    assert (dish.name, dish.slug, dish.price, dish.spice_level) == (
        "Pad Thai Gai",
        "pad-thai",
        Decimal("11.50"),
        2,
    )
    assert dish.cuisine.name == "Thai"
    assert [t.name for t in dish.tags.all()] == ["noodles"]
    assert sorted(i.name for i in dish.ingredients.all()) == ["peanut", "rice noodles"]
    assert Tag.objects.count() == 2


def test_same_name_gets_a_distinct_slug():
    dishes_upsert_bulk(
        dishes=[DishInput(external_id="a", name="Tacos"), DishInput(external_id="b", name="Tacos")]
    )
    dishes_upsert_bulk(dishes=[DishInput(external_id="c", name="Tacos")])
    assert sorted(Dish.objects.values_list("slug", flat=True)) == ["tacos", "tacos-b", "tacos-c"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"course": "brunch"}, ERROR_COURSE.format(value="brunch")),
        ({"spice_level": 4}, ERROR_SPICE_LEVEL.format(value=4)),
        (
            {"latitude": 91.0, "longitude": 0.0},
            ERROR_COORDINATES.format(latitude=91.0, longitude=0.0),
        ),
        ({"latitude": 22.1}, ERROR_COORDINATES.format(latitude=22.1, longitude=None)),
    ],
)
def test_a_bad_dish_writes_nothing(fields, message):
    good = DishInput(external_id="ok", name="Fine", cuisine="Greek")
    with pytest.raises(DishValidationError) as raised:
        dishes_upsert_bulk(dishes=[good, DishInput(external_id="bad", name="Bad", **fields)])
    assert str(raised.value) == message
    assert Dish.objects.count() == 0
    assert Cuisine.objects.count() == 0


def test_dish_create_makes_unique_slugs_and_links():
    one = dish_create(name="Green Curry", cuisine="Thai", tags=["curry"], course="main")
    two = dish_create(name="Green Curry", cuisine="thai")
    assert (one.slug, two.slug) == ("green-curry", "green-curry-2")
    assert one.cuisine == two.cuisine
    assert [t.slug for t in one.tags.all()] == ["curry"]


def test_a_dish_keeps_where_it_is_served_and_an_update_without_it_keeps_it():
    dishes_upsert_bulk(
        dishes=[DishInput(external_id="p", name="Place", latitude=22.1, longitude=-101.0)]
    )
    dishes_upsert_bulk(dishes=[DishInput(external_id="p", name="Place, renamed")])
    dish = Dish.objects.get(external_id="p")
    assert (dish.name, dish.latitude, dish.longitude) == ("Place, renamed", 22.1, -101.0)
