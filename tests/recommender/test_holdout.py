"""Per-person held-out split and the rank-every-item evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recommender.holdout import (
    holdout_mean,
    index_of,
    per_person_holdout,
    rank_all_items_metrics,
)


def _history(
    positives_per_person: dict[str, int], negatives: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of people with the given number of positive items plus some non-positive ones."""
    users: list[str] = []
    items: list[int] = []
    positive: list[bool] = []
    for person, count in positives_per_person.items():
        for item in range(count + negatives):
            users.append(person)
            items.append(item)
            positive.append(item < count)
    return np.array(users), np.array(items), np.array(positive)


def _random_history(seed: int = 0, rows: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    users = rng.integers(0, 100, rows)
    items = rng.integers(0, 300, rows)
    return users, items, rng.random(rows) < 0.7


def test_holdout_takes_a_rounded_share_and_leaves_one_in_train():
    counts = {"two": 2, "three": 3, "five": 5, "eight": 8, "ten": 10}
    users, items, positive = _history(counts, negatives=2)
    train, test = per_person_holdout(users, items, positive, fraction=0.2, min_positives=3)
    held = {person: int(test[users == person].sum()) for person in counts}
    # 0.6 -> 1, 1.0 -> 1, 1.6 -> 2, 2.0 -> 2; "two" has too few positives and stays in train
    assert held == {"two": 0, "three": 1, "five": 1, "eight": 2, "ten": 2}
    assert train[users == "two"].all()
    assert not (train & test).any()
    assert positive[test].all()
    assert train[~positive].all()  # non-positive rows stay in train
    for person in counts:
        assert (train & positive)[users == person].any()


def test_holdout_never_takes_every_positive():
    users, items, positive = _history({"a": 2, "b": 3})
    _, test = per_person_holdout(users, items, positive, fraction=0.9, min_positives=2)
    assert int(test[users == "a"].sum()) == 1
    assert int(test[users == "b"].sum()) == 2  # round(2.7) = 3, capped at n - 1
    _, test = per_person_holdout(users, items, positive, fraction=0.5, min_positives=2)
    assert int(test[users == "b"].sum()) == 2  # 1.5 rounds half up


def test_holdout_is_seeded():
    users, items, positive = _random_history()
    first = per_person_holdout(users, items, positive, seed=0)
    again = per_person_holdout(users, items, positive, seed=0)
    other = per_person_holdout(users, items, positive, seed=1)
    np.testing.assert_array_equal(first[1], again[1])
    np.testing.assert_array_equal(first[0], again[0])
    assert (first[1] != other[1]).any()
    assert first[1].sum() == other[1].sum()  # the same counts, other items


def test_holdout_picks_items_uniformly():
    users, items, positive = _history({f"p{i}": 5 for i in range(2000)})
    _, test = per_person_holdout(users, items, positive, fraction=0.2, seed=3)
    share = np.bincount(items[test], minlength=5) / 2000
    np.testing.assert_allclose(share, 0.2, atol=0.03)


def test_holdout_moves_repeated_pairs_together():
    users = np.array(["a", "a", "a", "a", "a", "a"])
    items = np.array([1, 1, 2, 2, 3, 4])
    positive = np.array([True, False, True, True, True, True])
    for seed in range(10):
        train, test = per_person_holdout(users, items, positive, fraction=0.5, seed=seed)
        held = set(items[test].tolist())
        assert held.isdisjoint(items[train].tolist())
        assert len(held) == 2  # 4 distinct positive items, half held out
        if 1 in held:
            assert not train[1] and not test[1]  # its non-positive row is in neither


def test_holdout_refuses_bad_arguments():
    users, items, positive = _history({"a": 4})
    with pytest.raises(ValueError, match="fraction"):
        per_person_holdout(users, items, positive, fraction=1.0)
    with pytest.raises(ValueError, match="min_positives"):
        per_person_holdout(users, items, positive, min_positives=1)
    with pytest.raises(ValueError, match="boolean"):
        per_person_holdout(users, items, positive.astype(int))
    with pytest.raises(ValueError, match="length"):
        per_person_holdout(users[:-1], items, positive)


def test_index_of_finds_and_misses():
    positions, found = index_of(np.array([10, 20, 30]), [30, 5, 10, 99])
    np.testing.assert_array_equal(found, [True, False, True, False])
    np.testing.assert_array_equal(positions[found], [2, 0])
    assert not index_of(np.array([], dtype=int), [1])[1].any()


CATALOGUE = np.array([10, 20, 30, 40, 50])
FIXED = {10: 9.0, 20: 5.0, 30: 4.0, 40: 3.0, 50: 1.0}


def fixed_scores(user, items):
    return np.array([FIXED[int(i)] for i in items])


def fixed_batch(users, items):
    return np.tile(fixed_scores(None, items), (len(users), 1))


TRAIN = (np.array(["a", "b", "c"]), np.array([10, 30, 10]))
TEST = (np.array(["a", "b", "b"]), np.array([40, 20, 50]))


def test_rank_all_items_by_hand():
    result = rank_all_items_metrics(fixed_scores, TRAIN, TEST, CATALOGUE, k=3)
    # a: train 10 excluded -> 20, 30, 40: hit at rank 3
    # b: train 30 excluded -> 10, 20, 40: hit at rank 2, 50 missed
    ndcg_a = 1 / math.log2(4)
    ndcg_b = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    np.testing.assert_array_equal(result.people, ["a", "b"])
    np.testing.assert_allclose(result.ndcg_per_person, [ndcg_a, ndcg_b])
    np.testing.assert_allclose(result.recall_per_person, [1.0, 0.5])
    assert result.ndcg == pytest.approx((ndcg_a + ndcg_b) / 2)
    assert result.recall == pytest.approx(0.75)
    assert result.coverage == pytest.approx(4 / 5)  # {20, 30, 40} and {10, 20, 40}
    summary = result.as_dict()
    assert summary["people"] == 2
    assert summary["ndcg@3"] == pytest.approx(result.ndcg)
    assert summary["coverage@3"] == pytest.approx(0.8)
    low, high = summary["recall@3_ci95"]
    assert low < 0.75 < high


def test_rank_all_items_batched_equals_per_person():
    one = rank_all_items_metrics(fixed_scores, TRAIN, TEST, CATALOGUE, k=3)
    many = rank_all_items_metrics(fixed_batch, TRAIN, TEST, CATALOGUE, k=3, batch_size=1)
    np.testing.assert_allclose(one.ndcg_per_person, many.ndcg_per_person)
    assert one.coverage == many.coverage


def test_rank_all_items_only_offers_unseen_items():
    offered: dict[str, set[int]] = {}

    def record(user, items):
        offered[user] = set(items.tolist())
        return np.zeros(items.size)

    rank_all_items_metrics(record, TRAIN, TEST, CATALOGUE, k=3)
    assert offered == {"a": {20, 30, 40, 50}, "b": {10, 20, 40, 50}}


def test_train_items_cannot_take_top_places_even_when_batched():
    train_set = set(zip(*(side.tolist() for side in TRAIN), strict=True))
    test_set = set(zip(*(side.tolist() for side in TEST), strict=True))

    def loves_train_items(users, items):
        return np.array(
            [
                [100.0 * ((u, i) in train_set) + ((u, i) in test_set) for i in items.tolist()]
                for u in users.tolist()
            ]
        )

    result = rank_all_items_metrics(loves_train_items, TRAIN, TEST, CATALOGUE, k=2, batch_size=8)
    assert result.ndcg == pytest.approx(1.0)
    assert result.recall == pytest.approx(1.0)


def test_a_short_candidate_list_never_recommends_train_items():
    train = (np.array(["a"] * 4), np.array([10, 20, 30, 40]))
    test = (np.array(["a"]), np.array([50]))
    result = rank_all_items_metrics(fixed_batch, train, test, CATALOGUE, k=3, batch_size=4)
    assert result.ndcg == pytest.approx(1.0)
    assert result.coverage == pytest.approx(1 / 5)


def test_people_whose_test_items_were_all_in_train_are_skipped():
    test = (np.array(["a", "c"]), np.array([40, 10]))
    result = rank_all_items_metrics(fixed_scores, TRAIN, test, CATALOGUE, k=3)
    np.testing.assert_array_equal(result.people, ["a"])


def test_rank_all_items_refuses_bad_input():
    with pytest.raises(ValueError, match="not in the catalogue"):
        rank_all_items_metrics(fixed_scores, TRAIN, (np.array(["a"]), np.array([60])), CATALOGUE)
    with pytest.raises(ValueError, match="duplicate"):
        rank_all_items_metrics(fixed_scores, TRAIN, TEST, np.array([10, 10, 20, 40, 50]))
    with pytest.raises(ValueError, match="shape"):
        rank_all_items_metrics(lambda u, i: np.zeros(2), TRAIN, TEST, CATALOGUE)
    with pytest.raises(ValueError, match="shape"):
        rank_all_items_metrics(fixed_scores, TRAIN, TEST, CATALOGUE, batch_size=2)
    with pytest.raises(ValueError, match="finite"):
        rank_all_items_metrics(lambda u, i: np.full(i.size, np.nan), TRAIN, TEST, CATALOGUE)


def test_random_scores_recall_about_k_over_the_candidates():
    users, items, positive = _random_history(seed=4, rows=5000)
    train, test = per_person_holdout(users, items, positive, seed=0)
    catalogue = np.unique(items)
    rng = np.random.default_rng(0)
    recalls = []
    for _ in range(20):
        result = rank_all_items_metrics(
            lambda us, its: rng.random((len(us), len(its))),
            (users[train], items[train]),
            (users[test], items[test]),
            catalogue,
            batch_size=16,
        )
        recalls.append(result.recall)
    assert result.people.size == np.unique(users[test]).size
    candidates = [
        catalogue.size - np.unique(items[train & (users == p)]).size for p in result.people
    ]
    assert np.mean(recalls) == pytest.approx(np.mean(10 / np.array(candidates)), rel=0.1)


def test_holdout_mean_averages_each_persons_metrics_over_runs():
    good = rank_all_items_metrics(fixed_scores, TRAIN, TEST, CATALOGUE, k=3)
    reverse = {i: -s for i, s in FIXED.items()}
    bad = rank_all_items_metrics(
        lambda user, items: np.array([reverse[int(i)] for i in items]), TRAIN, TEST, CATALOGUE, k=3
    )
    mean = holdout_mean([good, bad])
    np.testing.assert_array_equal(mean.people, good.people)
    np.testing.assert_allclose(
        mean.ndcg_per_person, (good.ndcg_per_person + bad.ndcg_per_person) / 2
    )
    np.testing.assert_allclose(
        mean.recall_per_person, (good.recall_per_person + bad.recall_per_person) / 2
    )
    assert mean.ndcg == pytest.approx((good.ndcg + bad.ndcg) / 2)
    assert mean.coverage == pytest.approx((good.coverage + bad.coverage) / 2)
    assert holdout_mean([good]).ndcg == good.ndcg


def test_holdout_mean_refuses_runs_over_other_people():
    one = rank_all_items_metrics(fixed_scores, TRAIN, TEST, CATALOGUE, k=3)
    other = rank_all_items_metrics(fixed_scores, TRAIN, (TEST[0][:1], TEST[1][:1]), CATALOGUE, k=3)
    with pytest.raises(ValueError, match="same people"):
        holdout_mean([one, other])
    with pytest.raises(ValueError, match="no rankings"):
        holdout_mean([])
