"""Evaluation metrics in plain numpy: classification (with plot points), ranking, lists and
confidence intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

LOG_LOSS_EPSILON = 1e-15
ROC_POINTS = 51
CALIBRATION_BINS = 10


def _as_binary(labels: ArrayLike, probabilities: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated 1-D float arrays of labels (0/1) and positive-class probabilities."""
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if y.shape != p.shape:
        raise ValueError(f"labels and probabilities differ in length: {y.size} != {p.size}")
    if y.size == 0:
        raise ValueError("no examples to evaluate")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    return y, p


def accuracy(labels: ArrayLike, probabilities: ArrayLike, threshold: float = 0.5) -> float:
    """Share of examples whose thresholded prediction equals the label."""
    y, p = _as_binary(labels, probabilities)
    return float(np.mean((p >= threshold) == (y == 1.0)))


def log_loss(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Mean binary cross-entropy, probabilities clipped to [eps, 1 - eps]."""
    y, p = _as_binary(labels, probabilities)
    p = np.clip(p, LOG_LOSS_EPSILON, 1.0 - LOG_LOSS_EPSILON)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(values.size, dtype=np.float64)
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [values.size]))
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2.0
    return ranks


def roc_auc(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney statistic, ties count one half)."""
    y, p = _as_binary(labels, probabilities)
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("ROC AUC needs both positive and negative labels")
    ranks = _average_ranks(p)
    rank_sum = float(ranks[y == 1.0].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def roc_curve(labels: ArrayLike, probabilities: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Full ROC curve: false- and true-positive rates at every distinct threshold, from (0, 0)."""
    y, p = _as_binary(labels, probabilities)
    order = np.argsort(-p, kind="mergesort")
    y_sorted, p_sorted = y[order], p[order]
    distinct = np.flatnonzero(np.diff(p_sorted)) if p.size > 1 else np.array([], dtype=int)
    cut = np.concatenate((distinct, [y.size - 1]))
    true_positives = np.cumsum(y_sorted)[cut]
    false_positives = (cut + 1) - true_positives
    positives = max(y.sum(), 1.0)
    negatives = max(y.size - y.sum(), 1.0)
    fpr = np.concatenate(([0.0], false_positives / negatives))
    tpr = np.concatenate(([0.0], true_positives / positives))
    return fpr, tpr


def roc_points(
    labels: ArrayLike, probabilities: ArrayLike, points: int = ROC_POINTS
) -> list[list[float]]:
    """About `points` [fpr, tpr] pairs on an even false-positive-rate grid, for plotting."""
    fpr, tpr = roc_curve(labels, probabilities)
    grid = np.linspace(0.0, 1.0, points)
    values = np.interp(grid, fpr, tpr)
    return [[round(float(x), 6), round(float(v), 6)] for x, v in zip(grid, values, strict=True)]


def calibration_bins(
    labels: ArrayLike, probabilities: ArrayLike, bins: int = CALIBRATION_BINS
) -> list[dict[str, float]]:
    """Equal-width bins of predicted probability: mean prediction vs observed positive rate.

    Empty bins are left out.
    """
    y, p = _as_binary(labels, probabilities)
    index = np.minimum((p * bins).astype(int), bins - 1)
    result = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        if count == 0:
            continue
        result.append(
            {
                "lower": b / bins,
                "upper": (b + 1) / bins,
                "mean_predicted": float(p[members].mean()),
                "fraction_positive": float(y[members].mean()),
                "count": count,
            }
        )
    return result


def expected_calibration_error(
    labels: ArrayLike, probabilities: ArrayLike, bins: int = CALIBRATION_BINS
) -> float:
    """Count-weighted mean |observed rate - mean prediction| over equal-width bins."""
    y, _ = _as_binary(labels, probabilities)
    return float(
        sum(
            item["count"] / y.size * abs(item["fraction_positive"] - item["mean_predicted"])
            for item in calibration_bins(labels, probabilities, bins)
        )
    )


def precision_recall(
    labels: ArrayLike, probabilities: ArrayLike, threshold: float = 0.5
) -> tuple[float, float]:
    """Precision and recall of the positive class at `threshold` (0.0 when undefined)."""
    y, p = _as_binary(labels, probabilities)
    predicted = p >= threshold
    true_positives = float(np.sum(predicted & (y == 1.0)))
    precision = true_positives / predicted.sum() if predicted.any() else 0.0
    recall = true_positives / y.sum() if y.any() else 0.0
    return float(precision), float(recall)


def classification_report(labels: ArrayLike, probabilities: ArrayLike) -> dict[str, Any]:
    """All binary-classification metrics and plot points as JSON-ready data.

    Args:
        labels: 0/1 labels.
        probabilities: predicted probabilities of class 1.

    Returns:
        accuracy, roc_auc, log_loss, precision, recall, ece, examples, positive_rate,
        roc_curve ([fpr, tpr] points) and calibration (bins).
    """
    y, p = _as_binary(labels, probabilities)
    precision, recall = precision_recall(y, p)
    both_classes = 0.0 < y.mean() < 1.0
    return {
        "accuracy": accuracy(y, p),
        "roc_auc": roc_auc(y, p) if both_classes else None,
        "log_loss": log_loss(y, p),
        "precision": precision,
        "recall": recall,
        "ece": expected_calibration_error(y, p),
        "examples": int(y.size),
        "positive_rate": float(y.mean()),
        "roc_curve": roc_points(y, p) if both_classes else [],
        "calibration": calibration_bins(y, p),
    }


def _ranked(relevance: Sequence[float] | np.ndarray) -> np.ndarray:
    """Relevance in ranked order as a float array."""
    return np.asarray(relevance, dtype=np.float64).reshape(-1)


def dcg_at_k(ranked_relevance: Sequence[float] | np.ndarray, k: int) -> float:
    """Discounted cumulative gain of the top k: sum of rel_i / log2(i + 1), i from 1."""
    rel = _ranked(ranked_relevance)[:k]
    discounts = np.log2(np.arange(2, rel.size + 2))
    return float(np.sum(rel / discounts))


def ndcg_at_k(ranked_relevance: Sequence[float] | np.ndarray, k: int) -> float:
    """DCG@k divided by the DCG@k of the ideal order of the same items (0.0 if none relevant).

    Args:
        ranked_relevance: graded relevance of the items in the order the model ranked them.
        k: cut-off.

    Returns:
        NDCG@k in [0, 1].
    """
    rel = _ranked(ranked_relevance)
    ideal = dcg_at_k(np.sort(rel)[::-1], k)
    return dcg_at_k(rel, k) / ideal if ideal > 0 else 0.0


def recall_at_k(
    ranked_relevance: Sequence[float] | np.ndarray, k: int, total_relevant: int | None = None
) -> float:
    """Share of the relevant items (relevance > 0) that appear in the top k.

    Args:
        ranked_relevance: relevance of the items in ranked order.
        k: cut-off.
        total_relevant: number of relevant items overall (default: those in the list).

    Returns:
        Recall@k in [0, 1] (0.0 when nothing is relevant).
    """
    rel = _ranked(ranked_relevance) > 0
    total = int(rel.sum()) if total_relevant is None else total_relevant
    return float(rel[:k].sum() / total) if total > 0 else 0.0


def reciprocal_rank(ranked_relevance: Sequence[float] | np.ndarray) -> float:
    """1 / rank of the first relevant item (0.0 if none)."""
    hits = np.flatnonzero(_ranked(ranked_relevance) > 0)
    return float(1.0 / (hits[0] + 1)) if hits.size else 0.0


def ranking_report(
    ranked_lists: Sequence[Sequence[float] | np.ndarray], k: int = 10
) -> dict[str, float]:
    """Mean NDCG@k, recall@k and MRR over several queries' ranked relevance lists.

    Args:
        ranked_lists: per query, the relevance of its items in the model's ranked order.
        k: cut-off for NDCG and recall.

    Returns:
        {"ndcg@k": ..., "recall@k": ..., "mrr": ..., "queries": n} with k substituted.
    """
    if not ranked_lists:
        raise ValueError("no ranked lists to evaluate")
    return {
        f"ndcg@{k}": float(np.mean([ndcg_at_k(r, k) for r in ranked_lists])),
        f"recall@{k}": float(np.mean([recall_at_k(r, k) for r in ranked_lists])),
        "mrr": float(np.mean([reciprocal_rank(r) for r in ranked_lists])),
        "queries": len(ranked_lists),
    }


# --- List metrics, confidence intervals and per-group ranking --------------------------------

Z_95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


def catalogue_coverage(slates: Iterable[Iterable[Hashable]], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one slate.

    Args:
        slates: the recommended lists, each an iterable of item ids (any hashable; a 2-D array
            works, one slate a row).
        catalogue_size: number of items that could have been recommended.

    Returns:
        Distinct recommended items / catalogue_size, in [0, 1].

    Raises:
        ValueError: catalogue_size is not positive, or the slates hold more distinct items than
            the catalogue has.
    """
    if catalogue_size <= 0:
        raise ValueError(f"catalogue_size must be positive, got {catalogue_size}")
    seen: set[Hashable] = set()
    for slate in slates:
        seen.update(slate.tolist() if isinstance(slate, np.ndarray) else slate)
    if len(seen) > catalogue_size:
        raise ValueError(
            f"slates hold {len(seen)} distinct items, more than the catalogue's {catalogue_size}"
        )
    return len(seen) / catalogue_size


def cosine_distances(vectors: ArrayLike) -> np.ndarray:
    """Pairwise 1 - cosine similarity of the rows; a zero row has cosine 0 to every row."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1)
    unit = np.divide(x, norms[:, None], out=np.zeros_like(x), where=norms[:, None] > 0)
    return 1.0 - np.clip(unit @ unit.T, -1.0, 1.0)


def intra_list_diversity(
    slates: Iterable[Sequence[Hashable] | np.ndarray],
    item_vectors: np.ndarray | Mapping[Any, ArrayLike] | None = None,
    *,
    distance: Callable[[Hashable, Hashable], float] | None = None,
) -> float:
    """Mean pairwise distance between the items of each slate, averaged over the slates.

    For dishes the distance is the cosine distance, 1 - cos(u, v), of feature vectors the
    caller supplies (for instance one-hot cuisine, course and tags, or learnt embeddings): 0 for
    items pointing the same way, 1 for orthogonal ones, up to 2 for opposite ones. A zero vector
    is taken to have cosine 0 to everything. Give exactly one of `item_vectors` or `distance`.

    Args:
        slates: the recommended lists of item ids. Slates with fewer than two items have no
            pairs and are left out of the average.
        item_vectors: either a 2-D array whose row i is the vector of item i (slates then hold
            row indices), or a mapping from item id to vector.
        distance: a symmetric distance between two item ids, used instead of vectors.

    Returns:
        The unweighted mean over slates of the mean distance over the slate's unordered pairs.

    Raises:
        ValueError: both or neither of item_vectors and distance are given, or no slate has two
            items.
    """
    if (item_vectors is None) == (distance is None):
        raise ValueError("give exactly one of item_vectors or distance")
    per_slate: list[float] = []
    for slate in slates:
        ids = slate.tolist() if isinstance(slate, np.ndarray) else list(slate)
        n = len(ids)
        if n < 2:
            continue
        if distance is not None:
            pairs = [distance(ids[i], ids[j]) for i in range(n) for j in range(i + 1, n)]
            per_slate.append(float(np.mean(pairs)))
            continue
        if isinstance(item_vectors, Mapping):
            vectors = np.stack([np.asarray(item_vectors[i], dtype=np.float64) for i in ids])
        else:
            vectors = np.asarray(item_vectors, dtype=np.float64)[np.asarray(ids, dtype=np.intp)]
        upper = np.triu_indices(n, k=1)
        per_slate.append(float(cosine_distances(vectors)[upper].mean()))
    if not per_slate:
        raise ValueError("no slate has two items to compare")
    return float(np.mean(per_slate))


def mean_ci95(values: ArrayLike) -> tuple[float, float, float]:
    """Mean with a 95% confidence interval from the normal approximation.

    The interval is mean +- 1.96 * s / sqrt(n), with s the sample standard deviation (n - 1 in
    the denominator). It assumes independent values and n large enough for the central limit
    theorem (a few dozen); for very small n it is too narrow (Student's t would be wider).

    Args:
        values: the per-unit measurements (per person, per query, per run), finite.

    Returns:
        (mean, low, high); low and high are NaN when there is a single value.

    Raises:
        ValueError: no values, or a value is not finite.
    """
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    if x.size == 0:
        raise ValueError("no values to average")
    if not np.isfinite(x).all():
        raise ValueError("values must be finite")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    half_width = Z_95 * float(x.std(ddof=1)) / math.sqrt(x.size)
    return mean, mean - half_width, mean + half_width


def paired_difference_ci95(a: ArrayLike, b: ArrayLike) -> tuple[float, float, float]:
    """Mean of a - b over paired samples with its 95% confidence interval (see mean_ci95).

    Pairing (the same person or query measured under both systems) removes the between-unit
    variance, so the interval is much narrower than comparing two separate intervals.

    Args:
        a: measurements of the first system.
        b: measurements of the second system on the same units, in the same order.

    Returns:
        (mean difference, low, high); an interval excluding 0 says a and b differ at the 5% level.

    Raises:
        ValueError: a and b differ in length, or see mean_ci95.
    """
    x = np.asarray(a, dtype=np.float64).reshape(-1)
    y = np.asarray(b, dtype=np.float64).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} != {y.size}")
    return mean_ci95(x - y)


def difference_ci95(a: ArrayLike, b: ArrayLike) -> tuple[float, float, float]:
    """Mean of a minus mean of b over two independent samples, with a 95% confidence interval.

    For two groups measured on different units (the arms of an A/B test): the half-width is
    1.96 * sqrt(s_a^2 / n_a + s_b^2 / n_b), the normal approximation of `mean_ci95` for each
    group, their variances added.

    Args:
        a: the per-unit measurements of the first group.
        b: those of the second group.

    Returns:
        (difference of the means, low, high); NaN bounds when a group has a single value; an
        interval excluding 0 says the groups differ at the 5% level.

    Raises:
        ValueError: a group is empty, or a value is not finite.
    """
    x = np.asarray(a, dtype=np.float64).reshape(-1)
    y = np.asarray(b, dtype=np.float64).reshape(-1)
    mean_x, mean_y = mean_ci95(x)[0], mean_ci95(y)[0]
    difference = mean_x - mean_y
    if x.size < 2 or y.size < 2:
        return difference, float("nan"), float("nan")
    half_width = Z_95 * math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    return difference, difference - half_width, difference + half_width


def ndcg_recall_from_hits(
    hits: ArrayLike, relevant_counts: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Binary-relevance NDCG@k and recall@k of many ranked lists at once.

    The same definitions as ndcg_at_k and recall_at_k with 0/1 relevance: gain 1 at rank i is
    discounted by log2(i + 1), the ideal list puts min(k, relevant) hits first, and recall
    divides by all relevant items, not by min(k, relevant).

    Args:
        hits: (lists, k) booleans, True where the item at that rank is relevant.
        relevant_counts: (lists,) relevant items per list, each at least 1.

    Returns:
        (ndcg, recall), each of shape (lists,).
    """
    h = np.asarray(hits, dtype=bool)
    counts = np.asarray(relevant_counts, dtype=np.int64).reshape(-1)
    if h.ndim != 2 or h.shape[0] != counts.size:
        raise ValueError(f"hits must be (lists, k) with one count per list, got {h.shape}")
    if (counts < 1).any():
        raise ValueError("every list needs at least one relevant item")
    k = h.shape[1]
    if k < 1:
        raise ValueError("hits need at least one rank")
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discounts)[np.minimum(counts, k) - 1]
    return (h * discounts).sum(axis=1) / ideal, h.sum(axis=1) / counts


def per_group_ranking_metrics(
    group_ids: ArrayLike, labels: ArrayLike, scores: ArrayLike, k: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NDCG@k and recall@k of every group that has a positive, vectorised.

    Rows are ranked by descending score inside their group; equal scores keep the rows' order.
    Labels are graded relevance (0 not relevant), with the definitions of ndcg_at_k (linear
    gain) and recall_at_k (share of the group's relevant rows in its top k).

    Args:
        group_ids: (n,) group of each row (slate, query or person), any sortable type.
        labels: (n,) relevance of each row, >= 0.
        scores: (n,) model scores, finite.
        k: cut-off.

    Returns:
        (groups, ndcg, recall): the ids of the groups with at least one relevant row, sorted,
        and their metrics, aligned.

    Raises:
        ValueError: lengths differ, k < 1, negative labels or non-finite scores.
    """
    keys, ndcg, recall, kept = _group_ranking(group_ids, labels, scores, k)
    return keys[kept], ndcg[kept], recall[kept]


def _descending_within_groups(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row order by group, then descending value, ties in row order (two stable sorts beat a
    lexsort here)."""
    by_value = np.argsort(-values, kind="stable")
    return by_value[np.argsort(codes[by_value], kind="stable")]


def _group_ranking(
    group_ids: ArrayLike, labels: ArrayLike, scores: ArrayLike, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every group's id, NDCG@k and recall@k (NaN without positives) and has-a-positive mask."""
    groups = np.asarray(group_ids).reshape(-1)
    rel = np.asarray(labels, dtype=np.float64).reshape(-1)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if not groups.size == rel.size == s.size:
        raise ValueError(
            f"group_ids, labels and scores differ in length: {groups.size}, {rel.size}, {s.size}"
        )
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if (rel < 0).any():
        raise ValueError("labels must be non-negative")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    keys, codes = np.unique(groups, return_inverse=True)
    codes = codes.reshape(-1)
    sizes = np.bincount(codes, minlength=keys.size)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    discounts = 1.0 / np.log2(np.arange(2, k + 2))

    def top_k_gain(order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group: discounted gain and relevant count of its top k under `order`."""
        ranked_codes = codes[order]
        rank = np.arange(codes.size) - starts[ranked_codes]
        top = rank < k
        gain = rel[order][top] * discounts[rank[top]]
        dcg = np.bincount(ranked_codes[top], weights=gain, minlength=keys.size)
        found = np.bincount(ranked_codes[top], weights=rel[order][top] > 0, minlength=keys.size)
        return dcg, found

    dcg, hits = top_k_gain(_descending_within_groups(codes, s))
    ideal, _ = top_k_gain(_descending_within_groups(codes, rel))
    relevant = np.bincount(codes, weights=rel > 0, minlength=keys.size)
    kept = relevant > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return keys, dcg / ideal, hits / relevant, kept


def grouped_ranking_metrics(
    group_ids: ArrayLike, labels: ArrayLike, scores: ArrayLike, k: int = 10
) -> dict[str, float]:
    """Mean NDCG@k and recall@k over the groups that have at least one relevant row.

    See per_group_ranking_metrics for ranking, ties and definitions; a million rows take well
    under a few seconds.

    Args:
        group_ids: (n,) group of each row (an impression slate, a query, a person).
        labels: (n,) relevance of each row (0/1 or graded, 0 not relevant).
        scores: (n,) model scores.
        k: cut-off.

    Returns:
        {"ndcg@k": ..., "recall@k": ..., "groups": evaluated groups,
        "groups_without_positive": groups left out}, with k substituted; the means are 0.0 when
        no group has a positive.
    """
    keys, ndcg, recall, kept = _group_ranking(group_ids, labels, scores, k)
    evaluated = int(kept.sum())
    return {
        f"ndcg@{k}": float(ndcg[kept].mean()) if evaluated else 0.0,
        f"recall@{k}": float(recall[kept].mean()) if evaluated else 0.0,
        "groups": evaluated,
        "groups_without_positive": int(keys.size - evaluated),
    }
