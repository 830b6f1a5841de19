"""The ranker that produced the simulated logs: the v1 app's naive matching, with exploration.

Searches are ranked by character matching of the query against dish text, home feeds by
popularity; a little noise rotates near-ties, and each slot is replaced by a random dish with a
small probability so that every dish is seen now and then (logged with position, as ranker
"logging-policy").
"""

from __future__ import annotations

import numpy as np

RANKER_NAME = "logging-policy"
SLATE_SIZE = 10
TEXT_WEIGHT = 4.0
POPULARITY_WEIGHT = 0.5
NOISE_SCALE = 0.35
CANDIDATE_FACTOR = 4


def logging_policy_rank(
    *,
    rng: np.random.Generator,
    naive: np.ndarray,
    query: np.ndarray,
    popularity: np.ndarray,
    explore_rate: float,
    slate_size: int = SLATE_SIZE,
) -> np.ndarray:
    """Rank a slate of dishes for each session.

    Args:
        rng: The seeded generator.
        naive: Query x dish character-matching scores.
        query: Query position per session, -1 for the home feed.
        popularity: Observed popularity score per dish (higher is more popular).
        explore_rate: Chance that a slot shows a uniformly random dish instead.
        slate_size: Dishes shown per session.

    Returns:
        An int array (sessions x slate_size) of dish positions, best first.
    """
    sessions, dishes = len(query), naive.shape[1]
    slate_size = min(slate_size, dishes)
    # One noiseless score row per query plus one for the home feed (the last row); the noise
    # only reshuffles each row's best candidates, so they are picked once per query.
    base = TEXT_WEIGHT * np.vstack([naive, np.zeros((1, dishes))]) + POPULARITY_WEIGHT * popularity
    width = min(dishes, slate_size * CANDIDATE_FACTOR)
    candidates = np.argpartition(-base, width - 1, axis=1)[:, :width]
    row = np.where(query >= 0, query, len(naive))
    pool = candidates[row]
    score = base[row[:, None], pool]
    score = score + rng.gumbel(0.0, NOISE_SCALE, size=pool.shape)
    best = np.argsort(-score, axis=1, kind="stable")[:, :slate_size]
    slate = np.take_along_axis(pool, best, axis=1)
    explore = rng.random((sessions, slate_size)) < explore_rate
    random_dish = rng.integers(0, dishes, size=(sessions, slate_size))
    in_slate = (random_dish[:, :, None] == slate[:, None, :]).any(axis=2)
    shown = np.where(explore & ~in_slate, random_dish, slate)
    # Two exploring slots may draw the same dish: the later one keeps its ranked dish.
    earlier = np.tril(np.ones((slate_size, slate_size), dtype=bool), k=-1)
    repeated = ((shown[:, :, None] == shown[:, None, :]) & earlier[None, :, :]).any(axis=2)
    return np.where(repeated, slate, shown)
