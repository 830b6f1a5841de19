"""Imported histories' items (the UCI restaurants) are stored as dishes but never on the menu."""

from __future__ import annotations

import pytest
from django.test import Client

from foodapp.catalog.models import OFF_MENU_PREFIX, Dish
from foodapp.catalog.selectors import dish_get, dish_list, dish_search
from tests.foodapp.catalog.factories import DishFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu_and_restaurant() -> tuple[Dish, Dish]:
    dish = DishFactory(name="Taco Plate", slug="taco-plate", order_count=1)
    restaurant = DishFactory(
        name="Taqueria El Patio",
        slug="taqueria-el-patio",
        external_id=f"{OFF_MENU_PREFIX}132560",
        course="",
        order_count=50,
    )
    return dish, restaurant


def test_lists_and_search_show_only_the_menu(menu_and_restaurant, client: Client) -> None:
    dish, restaurant = menu_and_restaurant
    assert [d.pk for d in dish_list()] == [dish.pk]
    assert [d.pk for d in dish_search(query="taco")] == [dish.pk]
    page = client.get("/dishes/").content.decode()
    assert dish.name in page and restaurant.name not in page
    api = client.get("/api/v1/dishes/").json()
    assert [row["id"] for row in api["results"]] == [dish.pk]


def test_an_off_menu_item_has_no_page(menu_and_restaurant, client: Client) -> None:
    dish, restaurant = menu_and_restaurant
    assert dish_get(slug=dish.slug).pk == dish.pk
    with pytest.raises(Dish.DoesNotExist):
        dish_get(slug=restaurant.slug)
    assert client.get(f"/dishes/{restaurant.slug}/").status_code == 404
    assert client.get(f"/api/v1/dishes/{restaurant.pk}/").status_code == 404
