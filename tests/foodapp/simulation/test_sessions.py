from datetime import UTC, datetime

import numpy as np

from foodapp.simulation.dishes import SLOT_BREAKFAST, SLOT_FAST_FOOD
from foodapp.simulation.sessions import ORDER, SEARCH, day_weights
from foodapp.simulation.taste import HABITS


def test_weekends_are_busier_and_the_app_grows():
    monday = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
    weights = day_weights(start=monday, days=28)
    assert np.isclose(weights.sum(), 1.0)
    assert weights[5] > weights[4] and weights[6] > weights[7]  # Saturday, Sunday
    assert weights[21:26].mean() > weights[0:5].mean()


def test_night_owls_order_fast_food_late(world, events):
    orders = events.event_type == ORDER
    late = (events.hour[orders] >= 22) | (events.hour[orders] <= 3)
    fast_food = world.dishes.slot[events.dish[orders]] == SLOT_FAST_FOOD
    owls = world.people.habits[events.user[orders], HABITS.index("late_night")]
    late_fast_food = late & fast_food
    assert late_fast_food[owls].mean() > 2 * late_fast_food[~owls].mean()


def test_breakfast_is_ordered_in_the_morning(world, events):
    orders = events.event_type == ORDER
    breakfast = world.dishes.slot[events.dish[orders]] == SLOT_BREAKFAST
    morning = (events.hour[orders] >= 6) & (events.hour[orders] <= 10)
    assert breakfast[morning].mean() > 2 * breakfast[~morning].mean()


def test_about_a_third_of_sessions_are_home_feeds(events):
    sessions = len(np.unique(events.session))
    searches = (events.event_type == SEARCH).sum()
    assert 0.25 < 1 - searches / sessions < 0.45
