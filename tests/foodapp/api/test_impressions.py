"""The batched impression writer: a served list is stored by the writer thread, with its ranker,
version and positions, in the real database (its own connection, so a transactional test)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from foodapp.api.impressions import WRITER, ImpressionWriter
from foodapp.interactions.models import Event, EventType
from foodapp.people.models import Profile
from foodapp.recommendations.engine import Ranking, Suggestion

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_served_lists_are_stored_by_the_writer_thread(
    catalogue_in_db: list[int], alice_client: APIClient, alice: Profile, settings: Any
) -> None:
    settings.API_IMPRESSIONS_BATCHED = True
    body = alice_client.get("/api/v1/recommendations/", {"q": "burger", "k": 3}).json()
    assert body["impressions_recorded"] == 3
    logged = Event.objects.filter(user=alice.user, event_type=EventType.IMPRESSION)
    assert wait_for(lambda: logged.count() == 3)
    assert sorted(logged.values_list("position", flat=True)) == [0, 1, 2]
    assert set(logged.values_list("ranker", "query")) == {("v1", "burger")}
    WRITER.flush()


def test_one_bad_list_loses_only_itself(catalogue_in_db: list[int], alice: Profile) -> None:
    writer = ImpressionWriter(flush_seconds=60)  # flushed by hand here

    def ranking(dish_id: int) -> Ranking:
        return Ranking((Suggestion(1, dish_id, 0.5, "popular"),), "v1", None, None, 1)

    writer.add(user_id=alice.user.pk, ranking=ranking(catalogue_in_db[0]), query="")
    writer.add(user_id=alice.user.pk, ranking=ranking(999_999), query="")  # no such dish
    writer.add(user_id=alice.user.pk, ranking=ranking(catalogue_in_db[1]), query="")
    assert writer.flush() == 2
    stored = Event.objects.filter(user=alice.user, event_type=EventType.IMPRESSION)
    assert sorted(stored.values_list("dish_id", flat=True)) == catalogue_in_db[:2]


def _one_dish(dish_id: int) -> Ranking:
    return Ranking((Suggestion(1, dish_id, 0.5, "popular"),), "v1", None, None, 1)


def test_many_lists_are_written_with_a_fixed_number_of_queries(
    catalogue_in_db: list[int], alice: Profile
) -> None:
    """The writer stores a whole queue at once (one look-up of people and dishes, one INSERT),
    not a transaction per list: the queries do not grow with the number of lists."""

    def queries_to_flush(lists: int) -> int:
        writer = ImpressionWriter(flush_seconds=60)
        for index in range(lists):
            dish = catalogue_in_db[index % len(catalogue_in_db)]
            writer.add(user_id=alice.user.pk, ranking=_one_dish(dish), query="")
        with CaptureQueriesContext(connection) as captured:
            assert writer.flush() == lists
        return len(captured.captured_queries)

    assert queries_to_flush(40) == queries_to_flush(2)


def test_an_impression_keeps_the_time_it_was_served(
    catalogue_in_db: list[int], alice: Profile
) -> None:
    writer = ImpressionWriter(flush_seconds=60)
    served = timezone.now()
    writer.add(user_id=alice.user.pk, ranking=_one_dish(catalogue_in_db[0]), query="")
    time.sleep(1.1)
    writer.flush()
    stored = Event.objects.get(user=alice.user, event_type=EventType.IMPRESSION)
    assert abs(stored.occurred_at - served) < timedelta(seconds=1)
