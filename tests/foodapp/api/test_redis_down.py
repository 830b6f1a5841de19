"""With Redis stopped, suggestions are still served (computed) and events still stored.

The default cache is a real Redis client pointed at a closed port: every cache call really fails
(connection refused), as it does when the Redis server is down.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from foodapp.interactions.models import Event, EventType
from foodapp.people.models import Profile
from tests.foodapp.conftest import dead_redis_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": dead_redis_cache(),
    }


def test_suggestions_are_served_and_events_stored_with_redis_down(
    catalogue_in_db: list[int],
    redis_down: None,
    alice_client: APIClient,
    alice: Profile,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        cache.get("probe")  # the cache is really unreachable

    for _ in range(2):
        response = alice_client.get("/api/v1/recommendations/", {"q": "fried chicken", "k": 3})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 3 and response.json()["cached"] is False

    with django_capture_on_commit_callbacks(execute=True):
        stored = alice_client.post(
            "/api/v1/events/",
            {"event_type": "order", "dish_id": catalogue_in_db[0]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="order-1",
        )
    assert stored.status_code == 201
    orders = Event.objects.filter(user=alice.user, event_type=EventType.ORDER)
    assert orders.count() == 1
    assert Event.objects.filter(user=alice.user, event_type=EventType.IMPRESSION).count() == 6
    assert APIClient().get("/api/v1/dishes/").status_code == 200  # guests: throttle cache too
    assert "cache unavailable" in caplog.text
