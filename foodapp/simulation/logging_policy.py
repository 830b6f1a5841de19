"""The ranker that produced the simulated logs: the v1 app's naive matching, with exploration.

Searches are ranked by character matching of the query against dish text, home feeds by
popularity; a little noise rotates near-ties, and each slot is replaced by a random dish with a
small probability so that every dish on the menu is seen now and then (logged with position, as
ranker "logging-policy"). Dishes not on the menu yet (`available` False) are never shown.
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
    available: np.ndarray | None = None,
) -> np.ndarray:
    """Rank a slate of dishes for each session.

    Args:
        rng: The seeded generator.
        naive: Query x dish character-matching scores.
        query: Query position per session, -1 for the home feed.
        popularity: Observed popularity score per dish (higher is more popular).
        explore_rate: Chance that a slot shows a uniformly random dish instead.
        slate_size: Dishes shown per session.
        available: Which dishes are on the menu; every dish when None.

    Returns:
        An int array (sessions x slate_size) of dish positions, best first.
    """
    sessions, dishes = len(query), naive.shape[1]
    menu = np.flatnonzero(available) if available is not None else np.arange(dishes)
    slate_size = min(slate_size, len(menu))
    base = logging_policy_scores(naive=naive, popularity=popularity, available=available)
    width = min(len(menu), slate_size * CANDIDATE_FACTOR)
    candidates = np.argpartition(-base, width - 1, axis=1)[:, :width]
    row = np.where(query >= 0, query, len(naive))
    pool = candidates[row]
    score = base[row[:, None], pool]
    score = score + rng.gumbel(0.0, NOISE_SCALE, size=pool.shape)
    best = np.argsort(-score, axis=1, kind="stable")[:, :slate_size]
    slate = np.take_along_axis(pool, best, axis=1)
    explore = rng.random((sessions, slate_size)) < explore_rate
    random_dish = menu[rng.integers(0, len(menu), size=(sessions, slate_size))]
    in_slate = (random_dish[:, :, None] == slate[:, None, :]).any(axis=2)
    shown = np.where(explore & ~in_slate, random_dish, slate)
    # Two exploring slots may draw the same dish: the later one keeps its ranked dish.
    earlier = np.tril(np.ones((slate_size, slate_size), dtype=bool), k=-1)
    repeated = ((shown[:, :, None] == shown[:, None, :]) & earlier[None, :, :]).any(axis=2)
    return np.where(repeated, slate, shown)


def logging_policy_scores(
    *, naive: np.ndarray, popularity: np.ndarray, available: np.ndarray | None = None
) -> np.ndarray:
    """The noiseless score of every dish: one row per query, then one for the home feed (last).

    The noise only reshuffles each row's best candidates, so they are picked once per query.
    Dishes off the menu score -inf.
    """
    dishes = naive.shape[1]
    base = TEXT_WEIGHT * np.vstack([naive, np.zeros((1, dishes))]) + POPULARITY_WEIGHT * popularity
    if available is not None:
        base = np.where(available[None, :], base, -np.inf)
    return np.asarray(base)
