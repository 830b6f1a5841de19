"""The dish API: filters, search, pagination, detail and similar dishes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from foodapp.catalog.models import Dish

pytestmark = pytest.mark.django_db


def names(response: object) -> set[str]:
    return {row["name"] for row in response.json()["results"]}  # type: ignore[attr-defined]


def test_filters_narrow_the_list_the_way_they_say(catalogue_in_db: list[int]) -> None:
    client = APIClient()
    everything = client.get("/api/v1/dishes/", {"page_size": 100}).json()
    assert everything["count"] == len(catalogue_in_db)

    american_mains = client.get("/api/v1/dishes/", {"cuisine": "american", "course": "main"})
    expected = set(
        Dish.objects.filter(cuisine__name="American", course="main").values_list("name", flat=True)
    )
    assert names(american_mains) == expected and "Fried Chicken" in expected

    vegan = names(client.get("/api/v1/dishes/", {"diet": "vegan", "page_size": 100}))
    assert vegan == set(Dish.objects.filter(is_vegan=True).values_list("name", flat=True))
    assert "French Fries" in vegan and "Veggie Burger" not in vegan

    cheap = client.get("/api/v1/dishes/", {"price_min": 8, "max_price": 9, "page_size": 100})
    prices = [Decimal(str(row["price"])) for row in cheap.json()["results"]]
    assert prices and all(Decimal(8) <= p <= Decimal(9) for p in prices)

    hot = client.get("/api/v1/dishes/", {"spice_min": 1, "page_size": 100}).json()["results"]
    assert hot and all(row["spice_level"] >= 1 for row in hot)
    mild = client.get("/api/v1/dishes/", {"spice": 0, "page_size": 100}).json()["results"]
    assert mild and all(row["spice_level"] == 0 for row in mild)


def test_search_is_the_v1_naive_matching_best_match_first(catalogue_in_db: list[int]) -> None:
    rows = APIClient().get("/api/v1/dishes/", {"q": "Fried CHICKEN"}).json()["results"]
    found = [row["name"] for row in rows]
    assert set(found[:2]) == {"Fried Chicken", "Chicken Fried Rice"}  # v1's point in the story
    assert "Cheeseburger" not in found and "Chicken and Waffles" in found


def test_pages_and_page_size(catalogue_in_db: list[int]) -> None:
    client = APIClient()
    first = client.get("/api/v1/dishes/", {"page_size": 2}).json()
    second = client.get("/api/v1/dishes/", {"page_size": 2, "page": 2}).json()
    assert len(first["results"]) == 2 and first["next"] and second["previous"]
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    beyond = client.get("/api/v1/dishes/", {"page": 999})
    assert beyond.status_code == 404 and beyond.json()["error"].startswith("page 999")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"course": "brunch"}, "course"),
        ({"diet": "carnivore"}, "diet"),
        ({"max_price": "cheap"}, "max_price"),
        ({"spice": 9}, "spice"),
        ({"cuisine": "martian"}, "cuisine"),
        ({"price_min": "-1"}, "price_min"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(
    catalogue_in_db: list[int], params: dict[str, object], field: str
) -> None:
    response = APIClient().get("/api/v1/dishes/", params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")


def test_detail_and_similar(catalogue_in_db: list[int]) -> None:
    client = APIClient()
    dish = Dish.objects.get(name="Fried Chicken")
    detail = client.get(f"/api/v1/dishes/{dish.pk}/").json()
    assert detail["slug"] == dish.slug and "fried" in detail["tags"]
    assert "chicken" in detail["ingredients"] and detail["cuisine"] == "American"

    similar = client.get(f"/api/v1/dishes/{dish.pk}/similar/", {"ranker": "v1", "k": 3}).json()
    ids = [row["dish"]["id"] for row in similar["results"]]
    assert 1 <= len(ids) <= 3 and dish.pk not in ids
    assert similar["ranker"] == "v1" and similar["version"] is None
    other = client.get(f"/api/v1/recommendations/similar/{dish.pk}/", {"ranker": "v1", "k": 3})
    assert [row["dish"]["id"] for row in other.json()["results"]] == ids

    assert client.get("/api/v1/dishes/999999/").status_code == 404
    missing = client.get("/api/v1/dishes/999999/similar/", {"ranker": "v1"})
    assert missing.status_code == 404 and "999999" in missing.json()["error"]
