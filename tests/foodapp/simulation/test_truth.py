import numpy as np

from foodapp.simulation.taste import DEVICES, DIET_VEGAN, DIET_VEGETARIAN
from foodapp.simulation.truth import diet_allows, examination_probability
from foodapp.simulation.world import Context


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


def test_idiosyncratic_bonus_lifts_the_pair_far_above_the_features(world):
    waffles = dish(world, "Chicken and Waffles")
    eater = next(
        u
        for u in range(len(world.people))
        if world.true_order_probability(u, "fried chicken", waffles, idiosyncratic=False) > 0
    )
    with_bonus = world.true_order_probability(eater, "fried chicken", waffles)
    features_only = world.true_order_probability(
        eater, "fried chicken", waffles, idiosyncratic=False
    )
    assert with_bonus > 3 * features_only


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
