"""The food models' data: the app's models read the app's log, not the imported UCI ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from foodapp.interactions.services import EventInput, events_record_bulk
from foodapp.interactions.uci_files import UCI_PREFIX, pseudo_time
from foodapp.recommendations.training_data import food_data_load, food_test_load
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 9, 1, 12, tzinfo=UTC)


def _event(user, dish, kind: str, when: datetime, **extra) -> EventInput:
    return EventInput(user_id=user.pk, event_type=kind, occurred_at=when, dish_id=dish.pk, **extra)


@pytest.fixture
def app_log_and_uci_ratings():
    """Ten app orders over ten days on the menu, and UCI ratings (pseudo-times in 2011) of
    imported restaurants by an imported person."""
    menu = [DishFactory(name=f"Dish {i}", course="main") for i in range(4)]
    restaurants = [
        DishFactory(name=f"Restaurant {i}", course="", external_id=f"{UCI_PREFIX}{i}")
        for i in range(3)
    ]
    person, rater = UserFactory(), UserFactory()
    events = [_event(person, menu[i % 4], "order", T0 + timedelta(days=i)) for i in range(10)]
    events += [
        _event(rater, r, "rating", pseudo_time("U1", str(i)), value=2.0)
        for i, r in enumerate(restaurants)
    ]
    events_record_bulk(events=events)
    return {
        "menu": {str(d.pk) for d in menu},
        "restaurants": {str(r.pk) for r in restaurants},
        "people": {str(person.pk)},
    }


def _dishes(columns) -> set[str]:
    return {str(d) for d in columns["dish_id"]}


def test_the_app_models_read_neither_the_uci_ratings_nor_the_restaurants(
    app_log_and_uci_ratings,
):
    data = food_data_load(seed=0)
    restaurants = app_log_and_uci_ratings["restaurants"]
    every_split = _dishes(data.train) | _dishes(data.validation) | _dishes(data.test)
    assert every_split and not every_split & restaurants
    assert "rating" not in set(data.train["source"])
    assert set(data.pool.columns["dish_id"]) == app_log_and_uci_ratings["menu"]
    # The time split is the app log's own: 2011 ratings do not move its cut-offs, so the last
    # of the ten days is the test split (10% of ten orders) and the one before it validation.
    last_day = (T0 + timedelta(days=9)).timestamp()
    assert len(data.test["label"]) and all(
        t == pytest.approx(last_day, abs=3600) for t in data.test["timestamp"]
    )
    test, seen = food_test_load(seed=0)
    assert not _dishes(test) & restaurants
    assert list(test["event_id"]) == list(data.test["event_id"])
    assert seen == app_log_and_uci_ratings["people"]  # not the UCI rater


def test_a_guests_impressions_are_no_one_seen_before_the_test_split(app_log_and_uci_ratings):
    dish = DishFactory(name="Shown to a guest", course="main")
    guest = EventInput(
        user_id=None,
        event_type="impression",
        occurred_at=T0 + timedelta(hours=1),
        dish_id=dish.pk,
        session_id="guest-visit",
        position=0,
    )
    events_record_bulk(events=[guest])
    _, seen = food_test_load(seed=0)
    assert seen == app_log_and_uci_ratings["people"]  # no "None" person
    assert "None" not in set(food_data_load(seed=0).train["user_id"])


def test_the_uci_prefix_still_reads_the_uci_ratings_alone(app_log_and_uci_ratings):
    data = food_data_load(seed=0, item_prefix=UCI_PREFIX)
    every_split = _dishes(data.train) | _dishes(data.validation) | _dishes(data.test)
    assert every_split <= app_log_and_uci_ratings["restaurants"]
    assert set(data.pool.columns["dish_id"]) == app_log_and_uci_ratings["restaurants"]
