from datetime import timedelta

import numpy as np
import pytest

from foodapp.simulation.sessions import CLICK, IMPRESSION, ORDER, RATING, SEARCH, session_waves
from foodapp.simulation.taste import DIET_OMNIVORE, DIET_VEGETARIAN
from foodapp.simulation.world import World
from tests.foodapp.simulation.catalogue import small_catalogue
from tests.foodapp.simulation.conftest import DAYS, START


def tuples(events):
    return list(
        zip(
            events.session.tolist(),
            events.event_type.tolist(),
            events.user.tolist(),
            events.time.tolist(),
            events.dish.tolist(),
            events.query.tolist(),
            events.position.tolist(),
            np.nan_to_num(events.value, nan=-9).tolist(),
            strict=True,
        )
    )


def test_same_seed_gives_identical_events():
    first = World(dishes=small_catalogue(), users=20, seed=11).simulate(sessions=300, start=START)
    second = World(dishes=small_catalogue(), users=20, seed=11).simulate(sessions=300, start=START)
    other = World(dishes=small_catalogue(), users=20, seed=12).simulate(sessions=300, start=START)
    assert tuples(first) == tuples(second)
    assert tuples(first) != tuples(other)


def test_world_rejects_no_people():
    with pytest.raises(ValueError, match="at least one person"):
        World(dishes=small_catalogue(), users=0, seed=1)


def test_every_session_shows_ten_positions(events):
    impressions = events.event_type == IMPRESSION
    assert impressions.sum() == 12_000 * 10
    assert np.bincount(events.position[impressions]).tolist() == [12_000] * 10


def test_timestamps_spread_over_the_period(events):
    start = START.timestamp()
    end = (START + timedelta(days=DAYS)).timestamp()
    assert events.time.min() >= start and events.time.max() < end
    days = ((events.time - start) // 86400).astype(int)
    assert len(np.unique(days)) == int(DAYS)


def test_events_follow_search_impression_click_order_rating(events):
    first_of: dict[tuple[int, int], float] = {}
    for session, kind, moment in zip(events.session, events.event_type, events.time, strict=True):
        first_of.setdefault((int(session), int(kind)), moment)
    for (session, kind), moment in first_of.items():
        if kind in (CLICK, ORDER, RATING):
            assert moment > first_of[(session, IMPRESSION)]
        if kind == RATING:
            assert moment > first_of[(session, ORDER)]
        if kind == IMPRESSION and (session, SEARCH) in first_of:
            assert moment >= first_of[(session, SEARCH)]


def test_vegetarians_never_order_meat(world, events):
    orders = events.event_type == ORDER
    diet = world.people.diet[events.user[orders]]
    vegetarian_dish = world.dishes.vegetarian[events.dish[orders]]
    assert not np.any((diet == DIET_VEGETARIAN) & ~vegetarian_dish)
    assert np.any((diet == DIET_OMNIVORE) & ~vegetarian_dish)


def test_click_rate_falls_with_position(events):
    impressions = np.bincount(events.position[events.event_type == IMPRESSION], minlength=10)
    clicks = np.bincount(events.position[events.event_type == CLICK], minlength=10)
    rate = clicks / impressions
    assert rate[0] > 2 * rate[4] > 0
    assert rate[0] > rate[1] > rate[3] > rate[9]


def since_last_order(events, shown):
    """For each impression row, seconds since the person last ordered that dish (inf: never)."""
    orders = np.flatnonzero(events.event_type == ORDER)
    key = events.user * 100_000 + events.dish
    order_key, order_time = key[orders], events.time[orders]
    by = np.lexsort((order_time, order_key))
    order_key, order_time = order_key[by], order_time[by]
    rows = np.flatnonzero(shown)
    since = np.full(len(rows), np.inf)
    for i, row in enumerate(rows):
        lo, hi = np.searchsorted(order_key, [key[row], key[row] + 1])
        earlier = order_time[lo:hi][order_time[lo:hi] < events.time[row]]
        if len(earlier):
            since[i] = events.time[row] - earlier[-1]
    return since


def test_memorable_pairs_are_ordered_far_above_their_feature_rate(world, events):
    shown = events.event_type == IMPRESSION
    pairs = set(world.truth.pairs)
    is_pair = shown & np.array(
        [(q, d) in pairs for q, d in zip(events.query, events.dish, strict=True)]
    )
    orders = events.event_type == ORDER
    ordered = set(zip(events.session[orders], events.dish[orders], strict=True))
    observed = np.mean(
        [
            (s, d) in ordered
            for s, d in zip(events.session[is_pair], events.dish[is_pair], strict=True)
        ]
    )
    rows = {
        "users": events.user[is_pair],
        "dishes": events.dish[is_pair],
        "queries": events.query[is_pair],
        "hours": events.hour[is_pair],
        "positions": events.position[is_pair],
        "devices": events.device[is_pair],
        "since_order": since_last_order(events, is_pair),
    }
    explained = world.order_probabilities(**rows, memorized=False).mean()
    assert is_pair.sum() > 80
    assert observed > 4 * explained
    assert abs(observed - world.order_probabilities(**rows).mean()) < 0.03


def test_every_pair_is_shown_in_the_log(world, events):
    shown = events.event_type == IMPRESSION
    seen = set(zip(events.query[shown].tolist(), events.dish[shown].tolist(), strict=True))
    assert len(world.truth.pairs) >= 3
    assert set(world.truth.pairs) <= seen


def test_organic_reorders_are_orders_of_favourites_without_impressions(world, events):
    orders = events.event_type == ORDER
    reorders = orders & (events.position < 0)
    share = reorders.sum() / orders.sum()
    assert 0.1 < share < 0.5
    assert (events.query[reorders] == -1).all()
    favourites = world.truth.favourites[events.user[reorders]]
    assert (favourites == events.dish[reorders][:, None]).any(axis=1).all()
    shown = events.event_type == IMPRESSION
    clicked = events.event_type == CLICK
    reorder_sessions = np.unique(events.session[reorders])
    assert np.isin(reorder_sessions, events.session[shown]).all()  # the feed was on screen
    assert not np.isin(reorder_sessions, events.session[clicked]).any()  # and left alone


def test_a_favourite_just_reordered_waits_before_the_next_reorder(world, events):
    reorders = (events.event_type == ORDER) & (events.position < 0)
    key = events.user[reorders] * 100_000 + events.dish[reorders]
    order = np.lexsort((events.time[reorders], key))
    same = np.diff(key[order]) == 0
    gaps = np.diff(events.time[reorders][order])[same] / 86400.0
    assert len(gaps) > 50
    # With no boredom, gaps between reorders of the same dish would often be under a day.
    assert np.mean(gaps < 1.0) < 0.3


def test_new_people_and_new_dishes_are_absent_from_the_log(world, events):
    new_people = np.flatnonzero(world.people.new)
    assert len(new_people) == round(0.1 * len(world.people))
    assert not np.isin(events.user, new_people).any()
    new_dishes = np.flatnonzero(world.truth.new_dish)
    assert not np.isin(events.dish, new_dishes).any()
    named = world.queries.target[events.query[events.event_type == SEARCH]]
    assert not np.isin(named, new_dishes).any()


def test_waves_keep_each_persons_sessions_in_time_order():
    user = np.array([2, 0, 2, 1, 2, 0])
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    waves = session_waves(user, time)
    assert [w.tolist() for w in waves] == [[0, 1, 3], [2, 5], [4]]


def test_head_queries_are_searched_more_than_tail_queries(world, events):
    searched = np.bincount(events.query[events.event_type == SEARCH], minlength=len(world.queries))
    order = np.argsort(-world.queries.popularity)
    head, tail = order[:5], order[-20:]
    assert searched[head].mean() > 10 * searched[tail].mean()
    assert searched[head].sum() > 0.3 * searched.sum()


def test_ratings_follow_the_truth(world, events):
    rated = events.event_type == RATING
    assert rated.sum() > 0
    assert set(np.unique(events.value[rated]).tolist()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert np.isnan(events.value[~rated]).all()


CORE_MODULES = (
    "dishes",
    "taste",
    "queries",
    "truth",
    "logging_policy",
    "sessions",
    "world",
    "online",
    "value_shares",
)
PURE_FOODAPP_MODULES = ("foodapp.simulation.", "foodapp.interactions.query_text")
PURE_MODULES = ("recommender.text_match", "recommender.datasets.food")


def imported_names(path):
    import ast

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_the_generative_core_imports_no_django():
    from pathlib import Path

    import foodapp.simulation

    folder = Path(foodapp.simulation.__file__).parent
    for module in CORE_MODULES:
        for name in imported_names(folder / f"{module}.py"):
            top = name.split(".")[0]
            assert top not in ("django", "rest_framework", "celery"), f"{module}.py: {name}"
            if top == "foodapp":
                assert name.startswith(PURE_FOODAPP_MODULES), f"{module}.py: {name}"
            if top == "recommender":
                assert name in PURE_MODULES, f"{module}.py: {name}"
