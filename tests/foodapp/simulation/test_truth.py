import math

import numpy as np
import pytest

from foodapp.simulation.taste import DEVICES, DIET_OMNIVORE, DIET_VEGAN, DIET_VEGETARIAN
from foodapp.simulation.truth import boredom, diet_allows, examination_probability
from foodapp.simulation.world import Context, World
from tests.foodapp.simulation.catalogue import small_catalogue


def dish(world, name):
    return next(d.dish_id for d in world.dishes.dishes if d.name == name)


def person_with(world, diet):
    return int(np.flatnonzero(world.people.diet == diet)[0])


def test_examination_falls_with_position_on_every_device():
    positions = np.arange(10)
    for device in range(len(DEVICES)):
        chance = examination_probability(positions, np.full(10, device))
        assert chance[0] == 1.0
        assert np.all(np.diff(chance) < 0)


def test_diet_is_a_hard_rule(world):
    vegetarian = person_with(world, DIET_VEGETARIAN)
    vegan = person_with(world, DIET_VEGAN)
    lasagna = world.dish_position(dish(world, "Lasagna"))
    pizza = world.dish_position(dish(world, "Margherita Pizza"))
    allowed = diet_allows(
        world.people,
        world.dishes,
        np.array([vegetarian, vegetarian, vegan]),
        np.array([lasagna, pizza, pizza]),
    )
    assert allowed.tolist() == [False, True, False]
    assert world.true_order_probability(vegetarian, "italian food", dish(world, "Lasagna")) == 0.0


def test_story_pair_fried_chicken_and_waffles_is_in_the_truth(world):
    pairs = {(p["query"], p["dish"]) for p in world.truth_summary()["idiosyncratic_pairs"]}
    assert ("fried chicken", "Chicken and Waffles") in pairs


def test_the_pair_lifts_the_dish_far_above_what_the_features_explain(world):
    waffles = dish(world, "Chicken and Waffles")
    eater = next(
        u
        for u in range(len(world.people))
        if world.true_order_probability(u, "fried chicken", waffles, memorized=False) > 0
    )
    with_pair = world.true_order_probability(eater, "fried chicken", waffles)
    features_only = world.true_order_probability(eater, "fried chicken", waffles, memorized=False)
    assert with_pair > 3 * features_only


def test_fried_chicken_searchers_prefer_chicken_and_waffles_to_fried_chicken(world):
    waffles, fried = dish(world, "Chicken and Waffles"), dish(world, "Fried Chicken")
    people = [u for u in range(len(world.people)) if world.people.diet[u] == DIET_OMNIVORE]
    prefer = [
        world.true_order_probability(u, "fried chicken", waffles)
        > world.true_order_probability(u, "fried chicken", fried)
        for u in people
    ]
    assert np.mean(prefer) > 0.6


def test_boredom_lowers_the_chance_right_after_an_order_and_wears_off(world):
    fries = dish(world, "French Fries")
    day = 86400.0
    chance = [
        world.true_order_probability(0, None, fries, Context(hour=23), since_order=seconds)
        for seconds in (60.0, day, 3 * day, 30 * day, math.inf)
    ]
    assert chance[0] < 0.5 * chance[-1]
    assert chance[0] < chance[1] < chance[2] < chance[3] <= chance[4]
    assert chance[3] > 0.95 * chance[4]
    half_life = world.truth.weights.boredom_half_life_days * day
    assert boredom(world.truth, np.array([half_life]))[0] == pytest.approx(
        world.truth.weights.boredom_penalty / 2
    )


def test_favourites_respect_the_diet_and_lift_the_home_feed(world):
    favourites = world.truth.favourites
    users = np.repeat(np.arange(len(world.people)), favourites.shape[1])
    dishes = favourites.reshape(-1)
    assert (dishes >= 0).mean() > 0.9
    assert diet_allows(world.people, world.dishes, users[dishes >= 0], dishes[dishes >= 0]).all()
    assert not world.truth.new_dish[dishes[dishes >= 0]].any()
    rows = {
        "users": users[dishes >= 0],
        "dishes": dishes[dishes >= 0],
        "queries": np.full((dishes >= 0).sum(), -1),
        "hours": np.full((dishes >= 0).sum(), 19),
    }
    assert (
        world.order_probabilities(**rows) > world.order_probabilities(**rows, memorized=False)
    ).all()


def test_specific_query_truth_prefers_the_exact_dish(world):
    exact = dish(world, "Iced Decaf Latte with Nonfat Milk")
    variant = dish(world, "Hot Latte with Whole Milk")
    query = "iced decaf latte with nonfat milk"
    chances = [
        (
            world.true_order_probability(u, query, exact),
            world.true_order_probability(u, query, variant),
        )
        for u in range(len(world.people))
    ]
    assert all(mine > other for mine, other in chances if mine > 0)
    assert sum(mine > 0 for mine, _ in chances) > len(chances) // 2


def test_position_lowers_the_true_chance(world):
    fries = dish(world, "French Fries")
    top = world.true_order_probability(0, None, fries, Context(hour=23, position=0))
    low = world.true_order_probability(0, None, fries, Context(hour=23, position=7))
    assert 0 < low < top


def chance(world, user, dish_id, context):
    return world.true_order_probability(user, None, dish_id, context)


def test_breakfast_dishes_appeal_more_in_the_morning(world):
    pancakes = dish(world, "Pancakes")
    people = [u for u in range(len(world.people)) if world.people.diet[u] != DIET_VEGAN]
    morning = np.mean(
        [world.true_order_probability(u, None, pancakes, Context(hour=8)) for u in people]
    )
    night = np.mean(
        [world.true_order_probability(u, None, pancakes, Context(hour=23)) for u in people]
    )
    assert morning > 2 * night


def test_fried_chicken_and_waffles_is_a_pair_on_a_head_query(world):
    q = world.query_position("fried chicken")
    waffles = world.dish_position(dish(world, "Chicken and Waffles"))
    assert world.truth.pairs[0] == (q, waffles)
    assert world.queries.head[q] and world.truth.paired_queries[q]


def test_pairs_sit_on_the_frequent_queries(world):
    order = np.argsort(-world.queries.popularity)
    rank = {int(q): r for r, q in enumerate(order)}
    assert all(rank[q] < 40 for q, _ in world.truth.pairs)
    assert len(world.truth.pairs) >= 0.3 * min(40, len(world.queries))
    assert len({d for _, d in world.truth.pairs}) == len(world.truth.pairs)
    for q, d in world.truth.pairs:  # never the exact dish of a specific query
        assert world.queries.target[q] != d


@pytest.mark.parametrize("missing", ["Chicken and Waffles", "Fried Chicken"])
def test_a_catalogue_without_the_story_dishes_has_no_story_pair(missing):
    dishes = [d for d in small_catalogue() if d.name != missing]
    world = World(dishes=dishes, users=10, seed=3)
    summary = world.truth_summary()
    assert ("fried chicken", "Chicken and Waffles") not in {
        (p["query"], p["dish"]) for p in summary["idiosyncratic_pairs"]
    }
    assert world.truth.pairs
