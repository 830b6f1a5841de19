"""POST /api/v1/events/ (one or a batch, idempotent) and GET /api/v1/history/ (your own)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from foodapp.api.services import KEY_REUSED
from foodapp.interactions.models import Event
from foodapp.people.models import Profile
from tests.foodapp.api.conftest import token_client

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
HISTORY = "/api/v1/history/"


def batch(dish_ids: list[int]) -> dict[str, Any]:
    return {
        "events": [
            {"event_type": "click", "dish_id": dish_ids[0], "position": 0, "ranker": "v1"},
            {"event_type": "order", "dish_id": dish_ids[0], "session_id": "s1"},
            {"event_type": "rating", "dish_id": dish_ids[0], "value": 4},
            {"event_type": "search", "query": "Fried Chicken"},
        ]
    }


def test_one_event_or_a_batch_is_stored_for_the_caller(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile
) -> None:
    one = alice_client.post(
        EVENTS, {"event_type": "dismiss", "dish_id": catalogue_in_db[1]}, format="json"
    )
    assert one.status_code == 201 and one.json() == {
        "stored": 1,
        "replayed": False,
        "idempotency_key": None,
    }
    many = alice_client.post(EVENTS, batch(catalogue_in_db), format="json")
    assert many.status_code == 201 and many.json()["stored"] == 4
    mine = Event.objects.filter(user=alice.user)
    assert sorted(mine.values_list("event_type", flat=True)) == [
        "click",
        "dismiss",
        "order",
        "rating",
        "search",
    ]


def test_a_retried_batch_is_stored_once(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile
) -> None:
    body = batch(catalogue_in_db)
    first = alice_client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    retry = alice_client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    assert first.status_code == 201 and first.json()["replayed"] is False
    assert retry.status_code == 200 and retry.json() == {
        "stored": 4,
        "replayed": True,
        "idempotency_key": "batch-7",
    }
    assert Event.objects.filter(user=alice.user).count() == 4
    # The key may come in the body too; it is the same key.
    again = alice_client.post(EVENTS, {**body, "idempotency_key": "batch-7"}, format="json")
    assert again.status_code == 200 and Event.objects.filter(user=alice.user).count() == 4


def test_the_same_key_with_another_body_is_refused_and_stores_nothing(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile
) -> None:
    alice_client.post(EVENTS, batch(catalogue_in_db), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = batch(catalogue_in_db[1:])
    response = alice_client.post(EVENTS, other, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["error"] == KEY_REUSED.format(key="k1")
    assert Event.objects.filter(user=alice.user).count() == 4


def test_keys_belong_to_their_person(
    catalogue_in_db: list[int], alice_client: APIClient, bob: Profile
) -> None:
    body = batch(catalogue_in_db)
    alice_client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    bobs = token_client(bob.user).post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert bobs.status_code == 201 and Event.objects.filter(user=bob.user).count() == 4


def test_a_batch_with_one_bad_event_stores_nothing_and_frees_its_key(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile
) -> None:
    body = batch(catalogue_in_db)
    body["events"].append({"event_type": "order", "dish_id": 999_999})
    response = alice_client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 400 and "dish_id 999999" in response.json()["error"]
    assert not Event.objects.filter(user=alice.user).exists()
    body["events"].pop()
    fixed = alice_client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert fixed.status_code == 201


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"event_type": "teleport", "dish_id": 1}, "events.0.event_type: "),
        ({"event_type": "order"}, "a order event needs a dish_id"),
        ({"event_type": "rating", "dish_id": 1}, "a rating event needs a numeric value"),
        ({"event_type": "click", "dish_id": 1, "position": -1}, "events.0.position: "),
        ({"event_type": "click", "dish_id": 1, "occurred_at": "2999-01-01T00:00Z"}, "future"),
        ({"event_type": "click", "dish_id": "one"}, "events.0.dish_id: "),
        ({"events": []}, "events: "),
        ({"events": [{"event_type": "click", "dish_id": 1}] * 501}, "events: "),
        ([{"event_type": "click", "dish_id": 1}], "send one event object"),
        ({"event_type": "click", "dish_id": 1, "user_id": "bob-2"}, "your own"),
    ],
)
def test_bad_events_are_a_4xx_saying_what_was_wrong(
    catalogue_in_db: list[int], alice_client: APIClient, bob: Profile, body: Any, message: str
) -> None:
    response = alice_client.post(EVENTS, body, format="json")
    assert 400 <= response.status_code < 500
    assert message in response.json()["error"]
    assert not Event.objects.exists()


def test_a_malformed_key_is_a_400(catalogue_in_db: list[int], alice_client: APIClient) -> None:
    body = {"event_type": "click", "dish_id": catalogue_in_db[0]}
    response = alice_client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="has space")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]


def test_guests_cannot_post_events(catalogue_in_db: list[int]) -> None:
    body = {"event_type": "click", "dish_id": catalogue_in_db[0]}
    response = APIClient().post(EVENTS, body, format="json")
    assert response.status_code == 401 and response.json()["error"]
    assert not Event.objects.exists()


def test_history_shows_only_your_own_events_newest_first(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile, bob: Profile
) -> None:
    alice_client.post(EVENTS, batch(catalogue_in_db), format="json")
    token_client(bob.user).post(
        EVENTS, {"event_type": "order", "dish_id": catalogue_in_db[2]}, format="json"
    )
    alice_client.get("/api/v1/recommendations/", {"k": 3})  # impressions: not in the default

    history = alice_client.get(HISTORY).json()
    assert history["count"] == 4
    rows = history["results"]
    assert {row["event_type"] for row in rows} == {"click", "order", "rating", "search"}
    times = [row["occurred_at"] for row in rows]
    assert times == sorted(times, reverse=True)
    shown = alice_client.get(HISTORY, {"event_type": "impression"}).json()
    assert shown["count"] == 3

    assert alice_client.get(HISTORY, {"user_id": "bob-2"}).status_code == 403
    assert APIClient().get(HISTORY).status_code == 401
    paged = alice_client.get(HISTORY, {"page_size": 3}).json()
    assert len(paged["results"]) == 3 and paged["next"]


def test_staff_read_anyones_history(
    catalogue_in_db: list[int], staff_client: APIClient, bob: Profile
) -> None:
    token_client(bob.user).post(
        EVENTS, {"event_type": "order", "dish_id": catalogue_in_db[2]}, format="json"
    )
    rows = staff_client.get(HISTORY, {"user_id": "bob-2"}).json()["results"]
    assert [row["dish_id"] for row in rows] == [catalogue_in_db[2]]


def test_a_guests_events_are_in_nobodys_history(
    catalogue_in_db: list[int], staff_client: APIClient, alice_client: APIClient, bob: Profile
) -> None:
    from foodapp.interactions.services import event_record

    for kind in ("impression", "click"):
        event_record(
            user_id=None, event_type=kind, dish_id=catalogue_in_db[0], session_id="a-guest-visit"
        )
    token_client(bob.user).post(
        EVENTS, {"event_type": "order", "dish_id": catalogue_in_db[2]}, format="json"
    )
    for client, params in (
        (alice_client, {}),
        (staff_client, {}),
        (staff_client, {"user_id": "bob-2"}),
    ):
        for kind in ("", "impression", "click"):
            rows = client.get(HISTORY, {**params, "event_type": kind}).json()["results"]
            assert all(row["dish_id"] != catalogue_in_db[0] for row in rows), (params, kind)
