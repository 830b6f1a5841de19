from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event, SearchQuery
from foodapp.interactions.services import (
    ERROR_DISH_REQUIRED,
    ERROR_EVENT_TYPE,
    ERROR_NAIVE_TIME,
    ERROR_POSITION,
    ERROR_RATING_VALUE,
    ERROR_UNKNOWN_DISH,
    EventInput,
    EventValidationError,
    dish_counters_refresh,
    event_record,
    event_validate,
    events_record_bulk,
    events_upsert_bulk,
    events_validate,
)
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)  # a Monday


def test_bulk_derives_hour_weekday_and_counts_searches_per_normalised_query():
    user = UserFactory()
    dish = DishFactory()
    written = events_record_bulk(
        events=[
            EventInput(
                user_id=user.pk, event_type="search", occurred_at=T0, query="Fried  Chicken!"
            ),
            EventInput(user_id=user.pk, event_type="search", occurred_at=T0, query="fried chicken"),
            EventInput(
                user_id=user.pk,
                event_type="impression",
                occurred_at=T0 + timedelta(seconds=1),
                dish_id=dish.pk,
                query="fried chicken",
                position=0,
            ),
        ],
        batch_size=2,
    )
    assert written == 3
    query = SearchQuery.objects.get()
    assert (query.text, query.count) == ("fried chicken", 2)
    assert query.last_seen == T0 + timedelta(seconds=1)
    events = list(Event.objects.order_by("id"))
    assert [(e.hour, e.weekday) for e in events] == [(18, 0)] * 3
    assert all(e.normalized_query_id == query.pk for e in events)
    assert events[2].position == 0 and events[2].dish_id == dish.pk


def test_bulk_keeps_dish_counters_current_across_batches():
    user = UserFactory()
    dish, other = DishFactory(), DishFactory()
    events = [
        EventInput(user_id=user.pk, event_type="order", occurred_at=T0, dish_id=dish.pk),
        EventInput(user_id=user.pk, event_type="order", occurred_at=T0, dish_id=dish.pk),
        EventInput(user_id=user.pk, event_type="rating", occurred_at=T0, dish_id=dish.pk, value=4),
        EventInput(user_id=user.pk, event_type="rating", occurred_at=T0, dish_id=dish.pk, value=2),
        EventInput(user_id=user.pk, event_type="rating", occurred_at=T0, dish_id=dish.pk, value=3),
        EventInput(user_id=user.pk, event_type="click", occurred_at=T0, dish_id=other.pk),
    ]
    events_record_bulk(events=events, batch_size=4)
    dish.refresh_from_db()
    other.refresh_from_db()
    assert (dish.order_count, dish.rating_count) == (2, 3)
    assert dish.rating_average == pytest.approx(3.0)
    assert (other.order_count, other.rating_count) == (0, 0)


def test_refresh_recomputes_counters_from_the_log():
    user = UserFactory()
    dish = DishFactory()
    events_record_bulk(
        events=[
            EventInput(
                user_id=user.pk, event_type="rating", occurred_at=T0, dish_id=dish.pk, value=1
            ),
            EventInput(user_id=user.pk, event_type="order", occurred_at=T0, dish_id=dish.pk),
        ]
    )
    Dish.objects.filter(pk=dish.pk).update(order_count=99, rating_count=0, rating_average=0)
    dish_counters_refresh(dish_ids=[dish.pk])
    dish.refresh_from_db()
    assert (dish.order_count, dish.rating_count, dish.rating_average) == (1, 1, 1.0)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (dict(event_type="purchase"), ERROR_EVENT_TYPE.format(value="purchase")),
        (dict(event_type="order", dish_id=None), ERROR_DISH_REQUIRED.format(event_type="order")),
        (dict(event_type="rating", value=None), ERROR_RATING_VALUE),
        (
            dict(occurred_at=datetime(2026, 1, 1, 12)),
            ERROR_NAIVE_TIME.format(value=datetime(2026, 1, 1, 12)),
        ),
        (dict(position=-1), ERROR_POSITION.format(value=-1)),
    ],
)
def test_a_bad_event_leaves_its_whole_batch_unwritten(event, message):
    user = UserFactory()
    dish = DishFactory()
    good = EventInput(user_id=user.pk, event_type="order", occurred_at=T0, dish_id=dish.pk)
    fields = dict(user_id=user.pk, event_type="click", occurred_at=T0, dish_id=dish.pk) | event
    with pytest.raises(EventValidationError) as raised:
        events_record_bulk(events=[good, EventInput(**fields)])
    assert str(raised.value) == message
    assert Event.objects.count() == 0
    dish.refresh_from_db()
    assert dish.order_count == 0


def test_unknown_dish_is_a_validation_error_and_writes_nothing():
    user = UserFactory()
    with pytest.raises(EventValidationError) as raised:
        events_record_bulk(
            events=[EventInput(user_id=user.pk, event_type="click", occurred_at=T0, dish_id=999999)]
        )
    assert str(raised.value) == ERROR_UNKNOWN_DISH.format(value=999999)
    assert Event.objects.count() == 0


def test_event_record_writes_one_event_with_the_same_rules():
    user = UserFactory()
    dish = DishFactory()
    event = event_record(
        user_id=user.pk, event_type="order", dish_id=dish.pk, occurred_at=T0, query="Ramen"
    )
    assert (event.hour, event.weekday, event.normalized_query.text) == (18, 0, "ramen")
    dish.refresh_from_db()
    assert dish.order_count == 1
    with pytest.raises(EventValidationError):
        event_record(user_id=user.pk, event_type="nope")


def test_a_guests_events_have_no_user_and_share_their_visits_session():
    user, other = UserFactory(), UserFactory()
    dish = DishFactory()
    guest = [
        EventInput(
            user_id=None, event_type=kind, occurred_at=T0, dish_id=dish.pk, session_id="visit-1"
        )
        for kind in ("impression", "click")
    ]
    people = [
        EventInput(user_id=pk, event_type="impression", occurred_at=T0, dish_id=dish.pk)
        for pk in (other.pk, user.pk)
    ]
    assert events_record_bulk(events=[people[0], guest[0], people[1], guest[1]]) == 4
    one = event_record(user_id=None, event_type="click", dish_id=dish.pk, session_id="visit-2")
    assert one.user_id is None and str(one).startswith("click by a guest at ")
    rows = Event.objects.values_list("user_id", "event_type", "session_id")
    assert sorted(rows, key=str) == sorted(
        [
            (other.pk, "impression", ""),
            (user.pk, "impression", ""),
            (None, "impression", "visit-1"),
            (None, "click", "visit-1"),
            (None, "click", "visit-2"),
        ],
        key=str,
    )
    assert Event.objects.of_people().count() == 2


def test_upsert_updates_re_imported_events_instead_of_duplicating():
    user = UserFactory()
    dish = DishFactory()

    def rating(value: float) -> EventInput:
        return EventInput(
            user_id=user.pk,
            event_type="rating",
            occurred_at=T0,
            dish_id=dish.pk,
            value=value,
            external_id="r-1",
        )

    events_upsert_bulk(events=[rating(1)])
    events_upsert_bulk(events=[rating(2)])
    assert Event.objects.get().value == 2
    dish.refresh_from_db()
    assert (dish.rating_count, dish.rating_average) == (1, 2.0)


def test_deleting_a_user_or_dish_still_deletes_their_events():
    user, other = UserFactory(), UserFactory()
    dish = DishFactory()
    events_record_bulk(
        events=[
            EventInput(user_id=user.pk, event_type="click", occurred_at=T0, dish_id=dish.pk),
            EventInput(user_id=other.pk, event_type="search", occurred_at=T0, query="x"),
        ]
    )
    user.delete()
    assert list(Event.objects.values_list("user_id", flat=True)) == [other.pk]
    dish.delete()
    assert Event.objects.count() == 1


def test_awkward_text_and_equal_numbers_of_different_types_survive_the_bulk_path():
    user = UserFactory()
    dish = DishFactory()
    query = 'tab\there, back\\slash, new\nline, "quotes", café \\N'
    events_record_bulk(
        events=[
            EventInput(
                user_id=user.pk,
                event_type="rating",
                occurred_at=T0,
                dish_id=dish.pk,
                value=1.0,
                position=1,
                session_id="s\t1",
                query=query,
                device="web",
            ),
            EventInput(
                user_id=user.pk,
                event_type="impression",
                occurred_at=T0 + timedelta(microseconds=250),
                dish_id=dish.pk,
                position=1,
                model_version="v1",
                ranker="wide_deep",
            ),
        ]
    )
    rating, impression = Event.objects.order_by("id")
    assert (rating.query, rating.session_id, rating.value, rating.position) == (
        query,
        "s\t1",
        1.0,
        1,
    )
    assert rating.normalized_query.text == "tab here back slash new line quotes café n"
    assert impression.occurred_at == T0 + timedelta(microseconds=250)
    assert (impression.model_version, impression.ranker, impression.value) == (
        "v1",
        "wide_deep",
        None,
    )


# Every value each checked field can take, good and bad: the batch check must agree with
# checking the events one by one, in order, on every pair of them.
FIELD_CHOICES = [
    dict(event_type=kind, dish_id=dish, value=value, position=position, occurred_at=moment)
    for kind in ("search", "click", "rating", "purchase")
    for dish in (None, 1)
    for value in (None, 4.0)
    for position in (None, 0, -2)
    for moment in (T0, datetime(2026, 1, 1, 12))
]


def _first_error(events: list[EventInput]) -> str | None:
    """The message of the first event that event_validate refuses, checking in order."""
    for event in events:
        try:
            event_validate(event)
        except EventValidationError as error:
            return str(error)
    return None


@pytest.mark.django_db(databases=[])
def test_the_batch_check_refuses_exactly_what_the_one_by_one_check_refuses():
    events = [EventInput(user_id=1, **fields) for fields in FIELD_CHOICES]
    checked = 0
    for first in events:
        for second in events[::7]:
            batch = [first, second]
            expected = _first_error(batch)
            try:
                events_validate(batch)
                got = None
            except EventValidationError as error:
                got = str(error)
            assert got == expected, batch
            checked += 1
    assert checked > 1000
    assert events_validate([]) is None
