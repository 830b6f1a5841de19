"""Diversification for "similar, but different": maximal marginal relevance over dish vectors."""

from __future__ import annotations

import numpy as np

MMR_LAMBDA = 0.75


def mmr_order(
    scores: np.ndarray, vectors: np.ndarray, k: int, *, trade_off: float = MMR_LAMBDA
) -> np.ndarray:
    """Pick k rows greedily by trade_off * relevance - (1 - trade_off) * max similarity to the
    rows already picked (Carbonell and Goldstein's MMR).

    Args:
        scores: relevance of each row (probabilities or any score; rescaled to [0, 1]).
        vectors: unit vectors of each row (cosine similarity = dot product).
        k: how many rows to pick.
        trade_off: 1 = rank by relevance only, 0 = only diversity.

    Returns:
        Indices into `scores`, in the order picked.
    """
    count = len(scores)
    k = min(k, count)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    low, high = float(np.min(scores)), float(np.max(scores))
    relevance = (scores - low) / (high - low) if high > low else np.ones(count)
    picked = [int(np.argmax(relevance))]
    closest = vectors @ vectors[picked[0]]
    available = np.ones(count, dtype=bool)
    available[picked[0]] = False
    while len(picked) < k:
        value = trade_off * relevance - (1.0 - trade_off) * closest
        value[~available] = -np.inf
        chosen = int(np.argmax(value))
        picked.append(chosen)
        available[chosen] = False
        closest = np.maximum(closest, vectors @ vectors[chosen])
    return np.asarray(picked, dtype=np.int64)
