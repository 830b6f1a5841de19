from datetime import timedelta

import numpy as np
import pytest

from foodapp.simulation.online import (
    KIND_FEED,
    OnlineRequests,
    mean_orders,
    online_evaluate,
    oracle_ranker,
    order_state,
    paired_difference,
    recent_orders,
)
from foodapp.simulation.sessions import ORDER
from recommender.datasets.food import RECENT_DAYS, RECENT_LIMIT
from tests.foodapp.simulation.conftest import DAYS, START

END = (START + timedelta(days=DAYS)).timestamp()


def random_ranker(dishes, seed):
    rng = np.random.default_rng(seed)

    def rank(requests):
        return np.argsort(rng.random((len(requests), dishes)), axis=1)[:, :10]

    return rank


def popularity_ranker(world):
    best = np.argsort(-world.popularity)[:10]

    def rank(requests):
        return np.tile(best, (len(requests), 1))

    return rank


def evaluate(world, events, rankers, seed=5, sessions=1500):
    return online_evaluate(
        world, history=events, sessions=sessions, start=END, days=3.0, rankers=rankers, seed=seed
    )


@pytest.fixture(scope="module")
def results(world, events):
    return evaluate(
        world,
        events,
        {
            "oracle": oracle_ranker(world),
            "random": random_ranker(len(world.dishes), seed=1),
            "popular": popularity_ranker(world),
            "popular again": popularity_ranker(world),
        },
    )


def test_the_oracle_beats_a_random_ranker(results):
    difference = paired_difference(results["oracle"], results["random"])
    assert difference.low > 0
    assert mean_orders(results["oracle"]).mean > 3 * mean_orders(results["random"]).mean
    assert difference.sessions == 1500


def test_common_random_numbers_make_a_rankers_difference_with_itself_zero(results):
    same = paired_difference(results["popular"], results["popular again"])
    assert (same.mean, same.low, same.high) == (0.0, 0.0, 0.0)
    assert np.array_equal(results["popular"].orders, results["popular again"].orders)
    assert mean_orders(results["popular"]).mean > 0


def test_the_same_inputs_give_the_same_results(world, events, results):
    again = evaluate(world, events, {"oracle": oracle_ranker(world)})["oracle"]
    first = results["oracle"]
    for name in ("orders", "clicks", "favourite_reorders", "kind", "head", "new_person"):
        assert np.array_equal(getattr(again, name), getattr(first, name)), name
    other = evaluate(world, events, {"oracle": oracle_ranker(world)}, seed=6)["oracle"]
    assert not np.array_equal(other.orders, first.orders)


def test_sessions_mix_new_and_returning_people_and_every_kind_of_request(results):
    result = results["oracle"]
    assert 0 < result.new_person.mean() < 0.5
    assert set(np.unique(result.kind).tolist()) == {0, 1, KIND_FEED}
    searched = result.kind != KIND_FEED
    assert result.head[searched].any() and (~result.head[searched]).any()
    assert not result.head[~searched].any() and not result.memorable[~searched].any()
    assert result.memorable.any()
    assert result.favourite_reorders.sum() > 0
    interval = mean_orders(result, result.new_person)
    assert interval.low < interval.mean < interval.high
    assert interval.sessions == result.new_person.sum()


def test_each_ranker_sees_its_own_orders_in_the_peoples_recent_dishes(world, events):
    seen: dict[str, list[OnlineRequests]] = {"oracle": [], "popular": []}

    def recording(name, ranker):
        def rank(requests):
            seen[name].append(requests)
            return ranker(requests)

        return rank

    evaluate(
        world,
        events,
        {
            "oracle": recording("oracle", oracle_ranker(world)),
            "popular": recording("popular", popularity_ranker(world)),
        },
        sessions=400,
    )
    first, other = seen["oracle"][0], seen["popular"][0]
    assert first.recent == other.recent  # both start from the logged history
    person = int(first.user[0])
    orders = (events.event_type == ORDER) & (events.user == person)
    orders &= events.time >= first.time[0] - RECENT_DAYS * 86400
    logged = []
    for dish in events.dish[orders][np.argsort(-events.time[orders], kind="stable")].tolist():
        if dish not in logged:
            logged.append(dish)
    assert first.recent[0] == logged[:RECENT_LIMIT]
    waves = zip(seen["oracle"], seen["popular"], strict=True)
    assert any(a.recent != b.recent for a, b in waves)  # their people's states part ways


def test_recent_orders_are_distinct_newest_first_and_within_the_window():
    now = 100 * 86400.0
    last_order = np.full((1, 30), -np.inf)
    last_order[0, :12] = now - np.arange(12) * 3600.0  # twelve recent orders
    last_order[0, 20] = now - (RECENT_DAYS + 1) * 86400.0  # too old
    assert recent_orders(last_order, np.array([now])) == [list(range(RECENT_LIMIT))]


def test_a_ranker_answering_the_wrong_shape_is_refused(world, events):
    with pytest.raises(ValueError, match="must return"):
        evaluate(world, events, {"bad": lambda requests: np.zeros((len(requests), 11))})


def test_order_state_keeps_the_last_order_of_each_person_and_dish(world, events):
    state = order_state(world, events)
    orders = events.event_type == ORDER
    user, dish = int(events.user[orders][-1]), int(events.dish[orders][-1])
    mine = orders & (events.user == user) & (events.dish == dish)
    assert state[user, dish] == events.time[mine].max()
    assert np.isneginf(state[world.people.new]).all()
