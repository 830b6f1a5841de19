"""Popularity and item-kNN baselines: hand-computed scores, where each must win, and UCI data."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from recommender.baselines import ItemKNNScorer, PopularityScorer
from recommender.evaluation import paired_difference_ci95
from recommender.holdout import per_person_holdout, rank_all_items_metrics

UCI_RATINGS = Path(__file__).resolve().parents[2] / "data" / "food" / "uci" / "rating_final.csv"


def _pairs(*rows: tuple[str, int]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([u for u, _ in rows]), np.array([i for _, i in rows])


def test_popularity_counts_people_not_rows():
    users, items = _pairs(("a", 1), ("a", 1), ("b", 1), ("b", 2), ("c", 1))
    scorer = PopularityScorer().fit(users, items)
    np.testing.assert_array_equal(scorer("anyone", np.array([1, 2, 9])), [3.0, 1.0, 0.0])
    batch = scorer.score_batch(np.array(["a", "z"]), np.array([2, 1]))
    np.testing.assert_array_equal(batch, [[1.0, 3.0], [1.0, 3.0]])


def test_item_knn_cosine_by_hand():
    # item 1: a, b, c; item 2: a, b; item 3: c
    users, items = _pairs(("a", 1), ("b", 1), ("c", 1), ("a", 2), ("b", 2), ("c", 3))
    scorer = ItemKNNScorer(neighbours=None).fit(users, items)
    sim_12 = 2 / math.sqrt(3 * 2)
    sim_13 = 1 / math.sqrt(3 * 1)
    # a has items 1 and 2: score(3) = sim(1, 3) + sim(2, 3) = sim_13 + 0
    np.testing.assert_allclose(scorer("a", np.array([1, 2, 3])), [sim_12, sim_12, sim_13])
    np.testing.assert_allclose(scorer("c", np.array([1, 2, 3])), [sim_13, sim_12 + 0, sim_13])
    np.testing.assert_array_equal(scorer("stranger", np.array([1, 2])), [0.0, 0.0])
    np.testing.assert_array_equal(scorer("a", np.array([99])), [0.0])


def test_item_knn_shrinkage_and_neighbours():
    users, items = _pairs(("a", 1), ("b", 1), ("c", 1), ("a", 2), ("b", 2), ("c", 3))
    shrunk = ItemKNNScorer(neighbours=None, shrinkage=2.0).fit(users, items)
    np.testing.assert_allclose(shrunk("a", np.array([3])), [1 / (math.sqrt(3) + 2)])
    # item 1's nearest neighbour is item 2 (0.82 > 0.58): with one neighbour, item 3 no longer
    # counts towards item 1's score, while item 3 keeps item 1
    pruned = ItemKNNScorer(neighbours=1).fit(users, items)
    np.testing.assert_allclose(pruned("c", np.array([1, 3])), [0.0, 1 / math.sqrt(3)])
    np.testing.assert_allclose(pruned("a", np.array([1])), [2 / math.sqrt(6)])


def test_batch_and_single_scores_agree():
    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 40, 400), rng.integers(0, 60, 400)
    scorer = ItemKNNScorer(neighbours=5, shrinkage=1.0).fit(users, items)
    catalogue = np.arange(-1, 61)  # includes items never seen
    batch = scorer.score_batch(np.array([3, 7, 999]), catalogue)
    for row, user in enumerate([3, 7, 999]):
        np.testing.assert_allclose(batch[row], scorer(user, catalogue))
    assert (batch[2] == 0).all()


def _evaluate(scorer, train, test, catalogue, k):
    scorer.fit(*train)
    return rank_all_items_metrics(scorer.score_batch, train, test, catalogue, k, batch_size=64)


def test_item_knn_beats_popularity_when_tastes_form_communities():
    # 6 pizza people like pizza items 0-3; 3 sushi people like sushi items 10-13. Popularity
    # offers pizza to everyone; item-kNN sees that sushi goes with sushi.
    train_rows = [(f"pizza{p}", i) for p in range(6) for i in range(4)]
    train_rows += [(f"sushi{p}", 10 + i) for p in range(3) for i in range(4) if i != p]
    test = _pairs(*[(f"sushi{p}", 10 + p) for p in range(3)])
    catalogue = np.array([0, 1, 2, 3, 10, 11, 12, 13])
    popularity = _evaluate(PopularityScorer(), _pairs(*train_rows), test, catalogue, k=2)
    knn = _evaluate(ItemKNNScorer(), _pairs(*train_rows), test, catalogue, k=2)
    assert knn.ndcg == pytest.approx(1.0)
    assert popularity.ndcg == 0.0
    assert knn.coverage > popularity.coverage


def test_popularity_beats_item_knn_when_the_held_out_item_is_a_hit_with_strangers():
    # Everyone else loves item 0 (the hit); each tested person shares only a niche item with
    # one other person, whose other niche item item-kNN then prefers.
    train_rows = [(f"fan{p}", 0) for p in range(10)]
    tested = []
    for p in range(3):
        niche, other = 100 + 2 * p, 101 + 2 * p
        train_rows += [(f"t{p}", niche), (f"friend{p}", niche), (f"friend{p}", other)]
        tested.append((f"t{p}", 0))
    catalogue = np.array([0, *range(100, 106)])
    test = _pairs(*tested)
    popularity = _evaluate(PopularityScorer(), _pairs(*train_rows), test, catalogue, k=1)
    knn = _evaluate(ItemKNNScorer(), _pairs(*train_rows), test, catalogue, k=1)
    assert popularity.ndcg == pytest.approx(1.0)
    assert knn.ndcg == 0.0


def _uci_ratings() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with UCI_RATINGS.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return (
        np.array([r["userID"] for r in rows]),
        np.array([int(r["placeID"]) for r in rows]),
        np.array([int(r["rating"]) for r in rows]),
    )


@pytest.mark.parametrize("threshold", [1, 2])
def test_on_uci_ratings_both_baselines_beat_chance_and_item_knn_beats_popularity(threshold):
    users, items, ratings = _uci_ratings()
    positive = ratings >= threshold
    train, test = per_person_holdout(users, items, positive, seed=0)
    catalogue = np.unique(items)
    train_all = (users[train], items[train])
    test_pairs = (users[test], items[test])
    results = {}
    for name, scorer in (("popularity", PopularityScorer()), ("knn", ItemKNNScorer())):
        scorer.fit(users[train & positive], items[train & positive])
        results[name] = rank_all_items_metrics(
            scorer.score_batch, train_all, test_pairs, catalogue, k=10, batch_size=256
        )
    rng = np.random.default_rng(0)
    chance = rank_all_items_metrics(
        lambda us, its: rng.random((len(us), len(its))),
        train_all,
        test_pairs,
        catalogue,
        k=10,
        batch_size=256,
    )
    assert results["popularity"].ndcg > 2 * chance.ndcg
    assert results["knn"].ndcg > results["popularity"].ndcg
    np.testing.assert_array_equal(results["knn"].people, results["popularity"].people)
    _, low, _ = paired_difference_ci95(
        results["knn"].ndcg_per_person, results["popularity"].ndcg_per_person
    )
    assert low > 0
    assert results["knn"].coverage > results["popularity"].coverage
