from __future__ import annotations

import pytest
from django.urls import reverse

from tests.foodapp.catalog.factories import CuisineFactory, DishFactory

pytestmark = pytest.mark.django_db


def test_dish_list_searches_and_links_to_details(client):
    thai = CuisineFactory(name="Thai", slug="thai")
    DishFactory(name="Pad Thai", slug="pad-thai", cuisine=thai)
    DishFactory(name="Tiramisu", slug="tiramisu")
    response = client.get(reverse("catalog:dish-list"), {"q": "pad"})
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("catalog:dish-detail", args=["pad-thai"]) in body
    assert "Tiramisu" not in body
    assert ">PT<" in body  # the generated picture's initials


def test_dish_list_without_query_shows_the_catalogue_and_the_nav_link(client):
    DishFactory(name="Tiramisu")
    response = client.get("/dishes/")
    body = response.content.decode()
    assert "Tiramisu" in body
    assert 'href="/dishes/" aria-current="page"' in body


def test_dish_detail_and_404(client):
    DishFactory(name="Mango Lassi", slug="mango-lassi", description="Yoghurt and mango")
    response = client.get("/dishes/mango-lassi/")
    assert response.status_code == 200
    assert "Yoghurt and mango" in response.content.decode()
    assert client.get("/dishes/nothing-here/").status_code == 404


def test_admin_lists_render(admin_client):
    DishFactory()
    for name in (
        "catalog_dish",
        "catalog_cuisine",
        "catalog_tag",
        "catalog_ingredient",
        "people_profile",
        "interactions_event",
        "interactions_searchquery",
    ):
        url = reverse(f"admin:{name}_changelist")
        assert admin_client.get(url, {"q": "x"}).status_code == 200, name
