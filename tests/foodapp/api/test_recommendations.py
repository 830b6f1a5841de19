"""GET /api/v1/recommendations/: the caller's suggestions, staff's user_id=, filters, the cache."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event, EventType
from foodapp.people.models import Profile
from tests.foodapp.api.conftest import grant, token_client
from tests.foodapp.people.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/recommendations/"
DISH_FIELDS = {"id", "external_id", "slug", "name", "cuisine", "course", "price"}


def test_the_caller_gets_ranked_dishes_with_ranker_and_version(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile
) -> None:
    response = alice_client.get(URL, {"q": "fried chicken", "k": 4, "explain": "true"})
    assert response.status_code == 200, response.json()
    body = response.json()
    # No food model is trained in this test: the default ranker falls back to v1 and says so.
    assert body["ranker"] == "v1" and body["version"] is None and body["user_id"] == "alice-1"
    results = body["results"]
    assert [r["rank"] for r in results] == list(range(1, len(results) + 1)) and len(results) == 4
    assert all(set(r["dish"]) >= DISH_FIELDS and r["ranker"] == "v1" for r in results)
    assert results[0]["dish"]["name"] in {"Fried Chicken", "Chicken Fried Rice"}
    assert all(r["explanation"]["leaning"] == "matched" for r in results)
    assert "explanation" not in alice_client.get(URL, {"k": 2}).json()["results"][0]


def test_each_served_list_is_logged_as_impressions_unless_the_client_says_not_to(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile
) -> None:
    body = alice_client.get(URL, {"q": "burger", "k": 3}).json()
    logged = Event.objects.filter(user=alice.user, event_type=EventType.IMPRESSION)
    assert body["impressions_recorded"] == logged.count() == 3
    assert sorted(logged.values_list("position", flat=True)) == [0, 1, 2]
    assert set(logged.values_list("ranker", "query")) == {("v1", "burger")}

    quiet = alice_client.get(URL, {"q": "burger", "k": 3, "record_impressions": "false"}).json()
    assert quiet["impressions_recorded"] == 0 and logged.count() == 3
    assert APIClient().get(URL, {"k": 3}).json()["impressions_recorded"] == 0  # a guest


def test_asking_for_a_ranker_whose_model_is_missing_is_a_404_naming_it(
    catalogue_in_db: list[int], alice_client: APIClient
) -> None:
    fried = Dish.objects.get(name="Fried Chicken")
    similar = alice_client.get(f"/api/v1/dishes/{fried.pk}/similar/")
    assert similar.status_code == 200 and similar.json()["ranker"] == "v1"  # the fallback
    assert (
        alice_client.get(f"/api/v1/dishes/{fried.pk}/similar/", {"ranker": "v3"}).status_code == 404
    )
    response = alice_client.get(URL, {"ranker": "v4"})
    assert response.status_code == 404
    assert "food_wide_deep" in response.json()["error"] and "ranker=v1" in response.json()["error"]


def test_filters_hold_for_every_suggestion(
    catalogue_in_db: list[int], alice_client: APIClient
) -> None:
    body = alice_client.get(
        URL, {"k": 20, "diet": "vegetarian", "course": "main", "max_price": "10"}
    ).json()
    dishes = Dish.objects.in_bulk([r["dish"]["id"] for r in body["results"]])
    assert dishes
    for dish in dishes.values():
        assert (dish.is_vegetarian or dish.is_vegan) and dish.course == "main"
        assert dish.price is None or dish.price <= 10
    american = alice_client.get(URL, {"k": 20, "cuisine": "American"}).json()["results"]
    assert american and {r["dish"]["cuisine"] for r in american} == {"American"}


def test_exclude_seen_leaves_out_what_the_person_ordered(
    catalogue_in_db: list[int], alice_client: APIClient
) -> None:
    fried = Dish.objects.get(name="Fried Chicken")
    ordered = alice_client.post(
        "/api/v1/events/", {"event_type": "order", "dish_id": fried.pk}, format="json"
    )
    assert ordered.status_code == 201
    params = {"q": "fried chicken", "k": 10, "ranker": "v1", "exclude_seen": "true"}
    ids = [r["dish"]["id"] for r in alice_client.get(URL, params).json()["results"]]
    assert ids and fried.pk not in ids


def test_a_person_cannot_ask_for_someone_else(
    catalogue_in_db: list[int], alice_client: APIClient, bob: Profile
) -> None:
    response = alice_client.get(URL, {"user_id": "bob-2"})
    assert response.status_code == 403 and "your own" in response.json()["error"]
    # ... nor probe whether an id exists: the same 403 for an unknown one.
    assert alice_client.get(URL, {"user_id": "nobody"}).status_code == 403
    assert alice_client.get(URL, {"user_id": "alice-1"}).status_code == 200  # herself
    assert APIClient().get(URL, {"user_id": "bob-2"}).status_code == 401


def test_staff_and_token_users_with_the_right_ask_for_anyone(
    catalogue_in_db: list[int], staff_client: APIClient, bob: Profile, alice: Profile
) -> None:
    body = staff_client.get(URL, {"user_id": "bob-2", "k": 3}).json()
    assert body["user_id"] == "bob-2" and len(body["results"]) == 3
    # Looking is not being shown: nothing is logged as Bob's impressions.
    assert body["impressions_recorded"] == 0
    assert not Event.objects.filter(user=bob.user).exists()
    missing = staff_client.get(URL, {"user_id": "nobody"})
    assert missing.status_code == 404 and "nobody" in missing.json()["error"]

    robot = grant(alice.user, "api.view_any_person")
    assert token_client(robot).get(URL, {"user_id": "bob-2"}).json()["user_id"] == "bob-2"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"k": 0}, "k"),
        ({"k": 101}, "k"),
        ({"k": "ten"}, "k"),
        ({"ranker": "v9"}, "ranker"),
        ({"diet": "carnivore"}, "diet"),
        ({"course": "brunch"}, "course"),
        ({"max_price": "NaN"}, "max_price"),
        ({"max_price": "1e999"}, "max_price"),
        ({"explain": "maybe"}, "explain"),
        ({"q": "fried\x00chicken"}, "q"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(
    catalogue_in_db: list[int], alice_client: APIClient, params: dict[str, Any], field: str
) -> None:
    response = alice_client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")


def test_the_second_request_is_served_from_the_cache_until_the_person_orders(
    catalogue_in_db: list[int],
    alice_client: APIClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    params = {"q": "chicken", "k": 5, "record_impressions": "false"}
    first = alice_client.get(URL, params).json()
    second = alice_client.get(URL, params).json()
    assert not first["cached"] and second["cached"]
    assert second["results"] == first["results"]
    assert not alice_client.get(URL, {**params, "k": 4}).json()["cached"]

    dish = first["results"][0]["dish"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        ordered = alice_client.post(
            "/api/v1/events/", {"event_type": "order", "dish_id": dish}, format="json"
        )
    assert ordered.status_code == 201
    assert not alice_client.get(URL, params).json()["cached"]


def test_dishes_are_serialized_once_and_again_after_an_edit(
    catalogue_in_db: list[int], alice: Profile, bob: Profile
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from foodapp.recommendations.catalogue import catalogue_cache_clear

    def dish_queries(client: APIClient) -> tuple[int, dict[int, str]]:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/api/v1/recommendations/", {"k": 5, "ranker": "v1"})
        assert answer.status_code == 200
        names = {r["dish"]["id"]: r["dish"]["name"] for r in answer.json()["results"]}
        sql = [q["sql"] for q in queries.captured_queries]
        # Reading dishes to show them (not the impressions' check that their ids exist).
        shown = [
            s for s in sql if s.startswith('SELECT "catalog_dish"."id", "catalog_dish"."name"')
        ]
        return len(shown), names

    first, names = dish_queries(token_client(alice.user))
    again, same = dish_queries(token_client(bob.user))  # a cold list of the same dishes
    assert first >= 1 and again == 0 and same.keys() == names.keys()

    dish = Dish.objects.get(pk=next(iter(names)))
    dish.name = "Renamed Dish"
    dish.save()
    catalogue_cache_clear()  # as when the stamp is next checked
    _, renamed = dish_queries(token_client(UserFactory()))
    assert renamed[dish.pk] == "Renamed Dish"
