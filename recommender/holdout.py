"""Per-person held-out evaluation for histories without impressions (ratings, orders, likes).

Hold out a share of each person's positives, let a scorer rank every item the person has not met
in training, and measure how high the held-out positives come. Any scorer plugs in the same way:
`score_fn(user, items) -> scores`, or batched `score_fn(users, items) -> (users, items) scores`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from recommender.evaluation import catalogue_coverage, mean_ci95, ndcg_recall_from_hits

HOLDOUT_FRACTION = 0.2
MIN_POSITIVES = 3
RANKING_K = 10
PEOPLE_PER_CHUNK = 1024  # bounds the (people, catalogue) matrices held at once

ScoreFn = Callable[[Any, np.ndarray], ArrayLike]
"""score_fn(user, items) -> one score per item; or, batched, score_fn(users, items) -> matrix."""


def index_of(vocabulary: np.ndarray, values: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `values` in a sorted, duplicate-free `vocabulary`, and which were found.

    Args:
        vocabulary: sorted 1-D array without duplicates.
        values: ids to look up.

    Returns:
        (positions, found): positions are only meaningful where found is True.
    """
    v = np.asarray(values).reshape(-1)
    if vocabulary.size == 0:
        return np.zeros(v.size, dtype=np.intp), np.zeros(v.size, dtype=bool)
    positions = np.minimum(np.searchsorted(vocabulary, v), vocabulary.size - 1)
    return positions, vocabulary[positions] == v


def per_person_holdout(
    users: ArrayLike,
    items: ArrayLike,
    positive: ArrayLike,
    *,
    fraction: float = HOLDOUT_FRACTION,
    min_positives: int = MIN_POSITIVES,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Split interaction rows into train and test by holding out part of each person's positives.

    A person is eligible when they have at least `min_positives` distinct positive items; of
    those, round(fraction * n) (rounding halves up), but at least 1 and at most n - 1, are held
    out, chosen uniformly at random, so every tested person keeps a positive in training. People
    with fewer positives stay entirely in train (they have no test rows). Non-positive rows stay
    in train: they tell a model what the person met and did not like. Repeated (person, item) rows
    move together: every row of a held-out pair leaves train, its positive rows go to test and its
    non-positive rows to neither, so the held-out item never leaks into training. The split
    depends only on the rows (in their order) and `seed`.

    Args:
        users: (n,) person of each row.
        items: (n,) item of each row.
        positive: (n,) booleans, True where the row counts as a positive (e.g. rating >= 1).
        fraction: share of an eligible person's positive items to hold out, in (0, 1).
        min_positives: distinct positive items a person needs to be tested, at least 2.
        seed: seeds the choice of held-out items.

    Returns:
        (train_mask, test_mask): boolean (n,) arrays that never overlap.

    Raises:
        ValueError: lengths differ, fraction outside (0, 1) or min_positives below 2.
    """
    u = np.asarray(users).reshape(-1)
    i = np.asarray(items).reshape(-1)
    pos = np.asarray(positive).reshape(-1)
    if not u.size == i.size == pos.size:
        raise ValueError(
            f"users, items and positive differ in length: {u.size}, {i.size}, {pos.size}"
        )
    if pos.dtype != np.bool_:
        raise ValueError(f"positive must be a boolean array, got {pos.dtype}")
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    if min_positives < 2:
        raise ValueError(f"min_positives must be at least 2, got {min_positives}")
    people, user_codes = np.unique(u, return_inverse=True)
    _, item_codes = np.unique(i, return_inverse=True)
    pairs, pair_of_row = np.unique(
        np.stack([user_codes.reshape(-1), item_codes.reshape(-1)], axis=1),
        axis=0,
        return_inverse=True,
    )
    pair_of_row = pair_of_row.reshape(-1)
    pair_positive = np.zeros(len(pairs), dtype=bool)
    pair_positive[pair_of_row[pos]] = True
    pair_user = pairs[:, 0]

    positives_per_user = np.bincount(pair_user[pair_positive], minlength=people.size)
    held_per_user = np.floor(fraction * positives_per_user + 0.5).astype(np.int64)
    held_per_user = np.clip(held_per_user, 1, np.maximum(positives_per_user - 1, 1))
    held_per_user[positives_per_user < min_positives] = 0

    # Rank each person's positive pairs in a random order; the first held_per_user are held out.
    rng = np.random.default_rng(seed)
    candidates = np.flatnonzero(pair_positive)
    order = candidates[np.lexsort((rng.random(candidates.size), pair_user[candidates]))]
    ordered_users = pair_user[order]
    first = np.searchsorted(ordered_users, ordered_users, side="left")
    rank = np.arange(order.size) - first
    held_pairs = np.zeros(len(pairs), dtype=bool)
    held_pairs[order[rank < held_per_user[ordered_users]]] = True

    held_rows = held_pairs[pair_of_row]
    return ~held_rows, held_rows & pos


@dataclass(frozen=True)
class HoldoutRanking:
    """What rank_all_items_metrics measured.

    Args:
        k: the cut-off.
        ndcg: mean nDCG@k over the evaluated people.
        recall: mean recall@k over the evaluated people.
        coverage: share of the catalogue in at least one person's top k.
        people: (p,) the evaluated people, sorted.
        ndcg_per_person: (p,) nDCG@k of each, aligned with people (for paired comparisons).
        recall_per_person: (p,) recall@k of each.
        catalogue_size: items that could be recommended.
    """

    k: int
    ndcg: float
    recall: float
    coverage: float
    people: np.ndarray
    ndcg_per_person: np.ndarray
    recall_per_person: np.ndarray
    catalogue_size: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary: means with 95% intervals, coverage and counts."""
        ndcg = mean_ci95(self.ndcg_per_person) if self.people.size else (0.0, math.nan, math.nan)
        recall = (
            mean_ci95(self.recall_per_person) if self.people.size else (0.0, math.nan, math.nan)
        )
        return {
            f"ndcg@{self.k}": self.ndcg,
            f"ndcg@{self.k}_ci95": [ndcg[1], ndcg[2]],
            f"recall@{self.k}": self.recall,
            f"recall@{self.k}_ci95": [recall[1], recall[2]],
            f"coverage@{self.k}": self.coverage,
            "people": int(self.people.size),
            "catalogue_size": self.catalogue_size,
        }


def holdout_mean(rankings: Sequence[HoldoutRanking]) -> HoldoutRanking:
    """The expected ranking of one trained model: each person's metrics averaged over runs.

    Runs of the same scorer trained with different seeds on the same split vary far more than
    their means suggest on small data; averaging each person's nDCG and recall over the runs
    keeps the interval about people (paired comparisons stay paired), not about one draw of
    the seed.

    Args:
        rankings: runs on the same split (same people, k and catalogue), at least one.

    Returns:
        A HoldoutRanking with per-person means; coverage is the runs' mean coverage.

    Raises:
        ValueError: no runs, or runs over different people, k or catalogue.
    """
    if not rankings:
        raise ValueError("no rankings to average")
    first = rankings[0]
    for other in rankings[1:]:
        if (
            other.k != first.k
            or other.catalogue_size != first.catalogue_size
            or not np.array_equal(other.people, first.people)
        ):
            raise ValueError("rankings to average must cover the same people, k and catalogue")
    ndcg = np.mean([r.ndcg_per_person for r in rankings], axis=0)
    recall = np.mean([r.recall_per_person for r in rankings], axis=0)
    return HoldoutRanking(
        k=first.k,
        ndcg=float(ndcg.mean()) if ndcg.size else 0.0,
        recall=float(recall.mean()) if recall.size else 0.0,
        coverage=float(np.mean([r.coverage for r in rankings])),
        people=first.people,
        ndcg_per_person=ndcg,
        recall_per_person=recall,
        catalogue_size=first.catalogue_size,
    )


def _as_pairs(pairs: tuple[ArrayLike, ArrayLike], name: str) -> tuple[np.ndarray, np.ndarray]:
    """(users, items) as two aligned 1-D arrays."""
    users, items = (np.asarray(side).reshape(-1) for side in pairs)
    if users.size != items.size:
        raise ValueError(f"{name} users and items differ in length: {users.size} != {items.size}")
    return users, items


def rank_all_items_metrics(
    score_fn: ScoreFn,
    train_pairs: tuple[ArrayLike, ArrayLike],
    test_pairs: tuple[ArrayLike, ArrayLike],
    items: ArrayLike,
    k: int = RANKING_K,
    *,
    batch_size: int | None = None,
) -> HoldoutRanking:
    """Rank every item each test person did not meet in training; score the held-out positives.

    For each person in `test_pairs`, the candidates are the catalogue minus the items of their
    train pairs. The scorer ranks the candidates (descending score; equal scores keep catalogue
    order) and the top k is compared with the person's held-out items that are candidates:
    nDCG@k with binary gains and recall@k = hits / held-out items (see ndcg_recall_from_hits).
    People whose held-out items all appear in their train pairs are not evaluated.

    Args:
        score_fn: without batch_size, score_fn(user, candidates) -> (len(candidates),) scores,
            called once per person with only their candidates; with batch_size,
            score_fn(users, items) -> (len(users), len(items)) scores for the whole catalogue,
            train items being masked afterwards. PopularityScorer and ItemKNNScorer offer both
            (the object itself and its score_batch method).
        train_pairs: (users, items) the model was fitted on; include every train interaction
            to be excluded (e.g. the train mask of per_person_holdout over all rows).
        test_pairs: (users, items) held-out positives.
        items: the catalogue, 1-D without duplicates; must contain every test item.
        k: cut-off.
        batch_size: people per score_fn call in batched mode (None: one call per person).

    Returns:
        HoldoutRanking with the means, per-person values, the people and top-k coverage.

    Raises:
        ValueError: duplicate catalogue items, a test item outside the catalogue, k < 1,
            scores of the wrong shape or non-finite scores.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    catalogue = np.asarray(items).reshape(-1)
    sorter = np.argsort(catalogue, kind="stable")
    sorted_catalogue = catalogue[sorter]
    if sorted_catalogue.size and (sorted_catalogue[1:] == sorted_catalogue[:-1]).any():
        raise ValueError("the catalogue has duplicate items")
    train_users, train_items = _as_pairs(train_pairs, "train")
    test_users, test_items = _as_pairs(test_pairs, "test")

    test_positions, found = index_of(sorted_catalogue, test_items)
    if not found.all():
        raise ValueError(f"{int((~found).sum())} test items are not in the catalogue")
    train_positions, train_found = index_of(sorted_catalogue, train_items)

    people = np.unique(test_users)
    test_person, _ = index_of(people, test_users)
    train_person, train_tested = index_of(people, train_users)
    keep = train_found & train_tested
    train_person, train_item = train_person[keep], sorter[train_positions[keep]]
    test_item = sorter[test_positions]

    n_items, n_people = catalogue.size, people.size
    step = PEOPLE_PER_CHUNK if batch_size is None else batch_size
    ndcg_parts: list[np.ndarray] = []
    recall_parts: list[np.ndarray] = []
    evaluated_parts: list[np.ndarray] = []
    top_lists: list[np.ndarray] = []
    for start in range(0, n_people, step):
        stop = min(start + step, n_people)
        rows = stop - start
        seen = np.zeros((rows, n_items), dtype=bool)
        in_batch = (train_person >= start) & (train_person < stop)
        seen[train_person[in_batch] - start, train_item[in_batch]] = True
        relevant = np.zeros((rows, n_items), dtype=bool)
        in_batch = (test_person >= start) & (test_person < stop)
        relevant[test_person[in_batch] - start, test_item[in_batch]] = True
        relevant &= ~seen

        batched = batch_size is not None
        scores = _score(score_fn, people[start:stop], catalogue, seen, batched=batched)
        scores[seen] = -np.inf
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        row_index = np.arange(rows)[:, None]
        valid = ~seen[row_index, top]
        counts = relevant.sum(axis=1)
        evaluated = counts > 0
        hits = relevant[row_index, top] & valid
        if evaluated.any():
            ndcg, recall = ndcg_recall_from_hits(hits[evaluated], counts[evaluated])
            ndcg_parts.append(ndcg)
            recall_parts.append(recall)
        evaluated_parts.append(start + np.flatnonzero(evaluated))
        top_lists.extend(t[v] for t, v, e in zip(top, valid, evaluated, strict=True) if e)

    ndcg_all = np.concatenate(ndcg_parts) if ndcg_parts else np.zeros(0)
    recall_all = np.concatenate(recall_parts) if recall_parts else np.zeros(0)
    evaluated_people = people[np.concatenate(evaluated_parts)] if evaluated_parts else people[:0]
    return HoldoutRanking(
        k=k,
        ndcg=float(ndcg_all.mean()) if ndcg_all.size else 0.0,
        recall=float(recall_all.mean()) if recall_all.size else 0.0,
        coverage=catalogue_coverage(top_lists, n_items) if n_items else 0.0,
        people=evaluated_people,
        ndcg_per_person=ndcg_all,
        recall_per_person=recall_all,
        catalogue_size=int(n_items),
    )


def _score(
    score_fn: ScoreFn, users: np.ndarray, catalogue: np.ndarray, seen: np.ndarray, *, batched: bool
) -> np.ndarray:
    """(users, catalogue) float scores from score_fn, per person or in one batched call."""
    if batched:
        scores = np.asarray(score_fn(users, catalogue), dtype=np.float64)
        if scores.shape != seen.shape:
            raise ValueError(f"batched scores have shape {scores.shape}, expected {seen.shape}")
    else:
        scores = np.full(seen.shape, -np.inf)
        for row, user in enumerate(users):
            candidates = np.flatnonzero(~seen[row])
            found = np.asarray(score_fn(user, catalogue[candidates]), dtype=np.float64)
            if found.shape != candidates.shape:
                raise ValueError(
                    f"scores have shape {found.shape}, expected {candidates.shape} for {user!r}"
                )
            scores[row, candidates] = found
    if not np.isfinite(scores[~seen]).all():
        raise ValueError("scores must be finite")
    return scores
