"""What the recommender knows of a person (person_for): profile, recent orders as the training
examples see them, order history and dismissed dishes, read with a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from foodapp.interactions.models import EventType
from foodapp.interactions.selectors import recent_dishes_by_user
from foodapp.interactions.services import event_record
from foodapp.recommendations.selectors import person_for
from recommender.datasets.food import RECENT_DAYS, RECENT_LIMIT
from tests.foodapp.people.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _order(user_id: int, dish_id: int, when: object) -> None:
    event_record(user_id=user_id, event_type=EventType.ORDER, dish_id=dish_id, occurred_at=when)


def test_recent_orders_history_and_dismissals_of_a_hand_built_log(catalogue_in_db):
    user = ProfileFactory().user
    now = timezone.now()
    a, b, c, d, e = catalogue_in_db[:5]
    _order(user.pk, a, now - timedelta(days=RECENT_DAYS + 1))  # history only: too old
    _order(user.pk, b, now - timedelta(days=2))
    _order(user.pk, c, now - timedelta(days=1))
    _order(user.pk, b, now - timedelta(hours=3))  # again: once, at its newest place
    _order(user.pk, e, now + timedelta(hours=1))  # after the moment asked about: not yet
    event_record(user_id=user.pk, event_type=EventType.DISMISS, dish_id=d, value=-1.0)
    event_record(user_id=user.pk, event_type=EventType.IMPRESSION, dish_id=e, position=0)

    person = person_for(user=user, now=now)

    assert person.recent == (b, c)
    assert list(person.recent) == recent_dishes_by_user(user_ids=[user.pk], now=now)[user.pk]
    assert person.ordered == (b, c, a)
    assert person.dismissed == frozenset({d})


def test_recent_dishes_keep_at_most_the_limit_newest_first(catalogue_in_db):
    user = ProfileFactory().user
    now = timezone.now()
    dishes = catalogue_in_db[: RECENT_LIMIT + 3]
    for hours, dish in enumerate(dishes):
        _order(user.pk, dish, now - timedelta(hours=hours + 1))

    person = person_for(user=user, now=now)

    assert person.recent == tuple(dishes[:RECENT_LIMIT])
    assert list(person.recent) == recent_dishes_by_user(user_ids=[user.pk], now=now)[user.pk]
    assert person.ordered == tuple(dishes)


def test_a_person_is_read_with_three_queries_however_long_their_log(catalogue_in_db):
    """Profile, favourite cuisines, then one walk of the person's events for orders and
    dismissals (a cold recommendation pays for each query)."""
    user = ProfileFactory().user
    now = timezone.now()
    for hours, dish in enumerate(catalogue_in_db[:6]):
        _order(user.pk, dish, now - timedelta(hours=hours + 1))
    event_record(user_id=user.pk, event_type=EventType.DISMISS, dish_id=catalogue_in_db[7])

    with CaptureQueriesContext(connection) as captured:
        person_for(user=user, now=now)

    assert len(captured.captured_queries) == 3


def test_a_persons_home_is_where_their_profile_says_and_none_without_one():
    placed = ProfileFactory(latitude=22.15, longitude=-100.98).user
    unplaced = ProfileFactory().user
    assert person_for(user=placed).home == (22.15, -100.98)
    assert person_for(user=unplaced).home is None
