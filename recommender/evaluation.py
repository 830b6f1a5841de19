"""Evaluation metrics in plain numpy: classification (with plot points) and ranking."""

from __future__ import annotations

from collections.abc import Sequence
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
