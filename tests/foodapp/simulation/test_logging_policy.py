import numpy as np

from foodapp.simulation.logging_policy import logging_policy_rank


def rank(explore_rate, query):
    naive = np.zeros((2, 50))
    naive[0, [3, 7, 11]] = 1.0
    return logging_policy_rank(
        rng=np.random.default_rng(1),
        naive=naive,
        query=np.array(query),
        popularity=np.linspace(6.0, 0.0, 50),
        explore_rate=explore_rate,
    )


def test_text_matches_come_first_for_a_search():
    slates = rank(0.0, [0] * 20)
    assert slates.shape == (20, 10)
    assert all(set(row[:3]) == {3, 7, 11} for row in slates)


def test_home_feed_follows_popularity():
    slates = rank(0.0, [-1] * 200)
    assert np.mean(slates) < 15


def test_exploration_shows_dishes_outside_the_ranking():
    plain, explored = rank(0.0, [-1] * 300), rank(0.3, [-1] * 300)
    assert (explored >= 30).mean() > (plain >= 30).mean() + 0.1


def test_a_slate_never_repeats_a_dish():
    slates = rank(0.9, [-1] * 300)
    assert all(len(set(row)) == 10 for row in slates)
