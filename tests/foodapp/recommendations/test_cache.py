"""The suggestion cache: hits, what drops an entry, and a dead Redis that must not matter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache

from foodapp.interactions.models import Event, EventType
from foodapp.interactions.services import event_record
from foodapp.recommendations import cache as suggestion_cache
from foodapp.recommendations.cache import BREAKER, suggestions_cached
from foodapp.training.served import ServedVersion
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.conftest import dead_redis_cache
from tests.foodapp.people.factories import UserFactory

pytestmark = pytest.mark.django_db


class Counter:
    """A compute function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[int]:
        self.calls += 1
        return [self.calls]


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dead_redis(settings: Any) -> Iterator[None]:
    """The default cache pointed at a real Redis client on a closed port."""
    settings.CACHES = {"default": dead_redis_cache()}
    BREAKER.reset()
    yield
    BREAKER.reset()


def test_a_second_identical_request_is_served_from_the_cache() -> None:
    user = UserFactory()
    compute = Counter()
    parts = {"query": "pho", "ranker": "v4", "version": 3}
    assert suggestions_cached(user_id=user.pk, parts=parts, compute=compute) == ([1], False)
    assert suggestions_cached(user_id=user.pk, parts=parts, compute=compute) == ([1], True)
    assert compute.calls == 1


def test_another_version_query_or_person_misses() -> None:
    alice, bob = UserFactory(), UserFactory()
    compute = Counter()
    parts = {"query": "pho", "ranker": "v4", "version": 3}
    suggestions_cached(user_id=alice.pk, parts=parts, compute=compute)
    for user_id, changed in (
        (alice.pk, {**parts, "version": 4}),
        (alice.pk, {**parts, "query": "ramen"}),
        (bob.pk, parts),
        (None, parts),
    ):
        _, hit = suggestions_cached(user_id=user_id, parts=changed, compute=compute)
        assert not hit
    assert compute.calls == 5


def test_an_order_drops_the_persons_suggestions_and_an_impression_does_not(
    django_capture_on_commit_callbacks: Any,
) -> None:
    alice, bob = UserFactory(), UserFactory()
    dish = DishFactory()
    compute = Counter()
    parts = {"query": "", "ranker": "v1", "version": None}
    for user in (alice, bob):
        suggestions_cached(user_id=user.pk, parts=parts, compute=compute)

    with django_capture_on_commit_callbacks(execute=True):
        event_record(user_id=alice.pk, event_type=EventType.IMPRESSION, dish_id=dish.pk)
    assert suggestions_cached(user_id=alice.pk, parts=parts, compute=compute)[1]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event_record(user_id=alice.pk, event_type=EventType.ORDER, dish_id=dish.pk)
    assert len(callbacks) == 1  # dropped once the order is committed, not before
    assert not suggestions_cached(user_id=alice.pk, parts=parts, compute=compute)[1]
    assert suggestions_cached(user_id=bob.pk, parts=parts, compute=compute)[1]  # only hers


def test_with_redis_down_lists_are_computed_and_events_still_stored(
    dead_redis: None, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):  # the cache really is unreachable
        cache.get("anything")
    user = UserFactory()
    dish = DishFactory()
    compute = Counter()
    parts = {"query": "", "ranker": "v1", "version": None}

    assert suggestions_cached(user_id=user.pk, parts=parts, compute=compute) == ([1], False)
    assert suggestions_cached(user_id=user.pk, parts=parts, compute=compute) == ([2], False)
    with django_capture_on_commit_callbacks(execute=True):
        event_record(user_id=user.pk, event_type=EventType.ORDER, dish_id=dish.pk)
    assert Event.objects.filter(user=user, event_type=EventType.ORDER).count() == 1
    assert "suggestion cache unavailable" in caplog.text


def test_lists_are_keyed_on_the_version_that_serves_the_person(monkeypatch) -> None:
    """During an A/B test a person's cached list is their arm's, never the other arm's (the
    arm is taken from a stand-in here; assignment itself is tested with the experiments)."""

    def arm(*, model_name: str, person_id: str) -> ServedVersion:
        version = 2 if person_id and int(person_id) % 2 else 1
        return ServedVersion(model_name=model_name, version=version, path="", checksum="")

    monkeypatch.setattr(suggestion_cache, "served_version_for_person", arm)
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def parts(person_id: int | None) -> dict[str, Any]:
        return suggestion_cache.request_parts(
            kind="test", ranker="v4", person_id=person_id, now=now, query="pizza"
        )

    assert parts(1)["version"] == "food_wide_deep:2"
    assert parts(2)["version"] == parts(None)["version"] == "food_wide_deep:1"
    assert parts(None)["version"] != parts(3)["version"]
    assert parts(1)["ranker"] == "v4" and parts(1)["kind"] == "test"
    assert (
        suggestion_cache.request_parts(kind="test", ranker="v1", person_id=1, now=now)["version"]
        is None
    )
