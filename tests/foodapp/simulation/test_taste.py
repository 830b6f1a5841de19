import numpy as np

from foodapp.simulation.taste import DIET_OMNIVORE, DIET_SHARES, HABITS, population_draw


def draw(size=4000, seed=0):
    return population_draw(rng=np.random.default_rng(seed), size=size, cuisines=6, ingredients=20)


def test_diet_shares_match_the_design():
    people = draw()
    omnivores = (people.diet == DIET_OMNIVORE).mean()
    assert abs(omnivores - DIET_SHARES[DIET_OMNIVORE]) < 0.03
    assert 0 < (people.diet != DIET_OMNIVORE).sum() < len(people)


def test_breakfast_people_open_the_app_in_the_morning_more_often():
    people = draw()
    morning = people.hour_cdf[:, 9] - people.hour_cdf[:, 5]
    breakfast = people.habits[:, HABITS.index("breakfast")]
    assert morning[breakfast].mean() > 1.5 * morning[~breakfast].mean()


def test_night_owls_open_the_app_late():
    people = draw()
    late = 1.0 - people.hour_cdf[:, 21] + people.hour_cdf[:, 2]
    owls = people.habits[:, HABITS.index("late_night")]
    assert late[owls].mean() > 1.5 * late[~owls].mean()


def test_stated_favourites_are_the_top_hidden_affinities():
    people = draw(size=5)
    cuisines = ("a", "b", "c", "d", "e", "f")
    stated = people.stated_favourite_cuisines(0, cuisines)
    best = cuisines[int(np.argmax(people.cuisine_affinity[0]))]
    assert stated[0] == best and len(stated) == 2


def test_same_seed_same_people():
    first, second = draw(size=50, seed=9), draw(size=50, seed=9)
    assert np.array_equal(first.cuisine_affinity, second.cuisine_affinity)
    assert not np.array_equal(first.cuisine_affinity, draw(size=50, seed=10).cuisine_affinity)
