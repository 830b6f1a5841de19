"""How much of the best possible order rate each half of the truth carries, from the truth alone.

On a sample of fresh sessions after the log (people in their state at the end of the log, new
people included), three rankings over the whole catalogue are scored by their expected orders
under the full truth with position bias:

- oracle: the top slate by the true order chance (every term, boredom, the diet);
- feature-only: the top slate by the order chance without the memorization-only terms (dish
  quality, query-dish pairs, favourites), i.e. what features and the person's history explain;
- memorization-only: the top slate by those memorization-only terms (popularity breaks ties).

`memorization_share` = 1 - feature-only / oracle: the part of the oracle's orders lost without
memorization. `feature_share` = 1 - memorization-only / oracle: the part lost without features.
A random slate is given for scale. The sample's state is the end-of-log state for every session
(no update within the sample).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from foodapp.simulation.online import OnlineSessions, online_sessions_draw, order_state, top_slate
from foodapp.simulation.queries import KIND_GENERAL, KIND_SPECIFIC
from foodapp.simulation.sessions import EventColumns
from foodapp.simulation.truth import (
    boredom,
    diet_allows,
    examination_probability,
    feature_utility,
    memorized_utility,
    order_chance,
)

if TYPE_CHECKING:
    from foodapp.simulation.world import World

SHARES_SESSIONS = 3000
SHARES_DAYS = 7.0
SLATE_SIZE = 10
# Sessions scored at once (sessions x dishes rows of the truth).
BLOCK_ROWS = 400_000
RANKINGS = ("oracle", "features", "memorization", "random")


def value_shares(
    world: World,
    *,
    history: EventColumns,
    start: float,
    sessions: int = SHARES_SESSIONS,
    days: float = SHARES_DAYS,
    seed: int | None = None,
) -> dict[str, Any]:
    """Expected orders per session of the oracle, feature-only and memorization-only slates.

    Args:
        world: The world.
        history: Its logged events (the people's state at `start`).
        start: The end of the logged period (epoch seconds).
        sessions: How many fresh sessions to score.
        days: Over how many days after `start` they happen.
        seed: Seed of the sample; derived from the world's seed when None.

    Returns:
        A JSON-ready dict: per slice, the sessions, each ranking's expected orders per session,
        `memorization_share` and `feature_share`.
    """
    rng = np.random.default_rng([world.seed, 1] if seed is None else seed)
    fresh = online_sessions_draw(
        world, history=history, sessions=sessions, start=start, days=days, rng=rng
    )
    state = order_state(world, history)
    expected = _expected_orders(world, fresh, state)
    slices = {
        "all": np.ones(len(fresh), dtype=bool),
        "head": fresh.head,
        "tail": (fresh.query >= 0) & ~fresh.head,
        "memorable": fresh.memorable,
        "specific": fresh.kind == KIND_SPECIFIC,
        "general": fresh.kind == KIND_GENERAL,
        "feed": fresh.query < 0,
        "returning_people": ~fresh.new_person,
        "new_people": fresh.new_person,
    }
    report: dict[str, Any] = {"sessions": len(fresh), "days": days, "slate_size": SLATE_SIZE}
    for name, where in slices.items():
        rates = {r: float(expected[r][where].mean()) if where.any() else 0.0 for r in RANKINGS}
        oracle = rates["oracle"]
        report[name] = {
            "sessions": int(where.sum()),
            **{r: round(v, 5) for r, v in rates.items()},
            "memorization_share": round(1.0 - rates["features"] / oracle, 4) if oracle else 0.0,
            "feature_share": round(1.0 - rates["memorization"] / oracle, 4) if oracle else 0.0,
        }
    return report


def _expected_orders(
    world: World, fresh: OnlineSessions, state: np.ndarray
) -> dict[str, np.ndarray]:
    """Expected orders of each ranking's slate in each session, under the full truth."""
    dishes = len(world.dishes)
    truth = world.truth
    every = np.arange(dishes)
    tie_break = 1e-3 * (world.popularity - world.popularity.min())
    expected = {r: np.zeros(len(fresh)) for r in RANKINGS}
    step = max(1, BLOCK_ROWS // dishes)
    for first in range(0, len(fresh), step):
        part = slice(first, first + step)
        user = fresh.user[part]
        n = len(user)
        rows = {
            "user": np.repeat(user, dishes),
            "dish": np.tile(every, n),
            "query": np.repeat(fresh.query[part], dishes),
        }
        since = (fresh.time[part][:, None] - state[user]).reshape(-1)
        features = feature_utility(
            truth=truth,
            people=world.people,
            dishes=world.dishes,
            queries=world.queries,
            hour=np.repeat(fresh.hour[part], dishes),
            **rows,
        )
        features -= boredom(truth, since)
        memorized = memorized_utility(truth=truth, queries=world.queries, **rows)
        allowed = diet_allows(world.people, world.dishes, rows["user"], rows["dish"])
        full = (order_chance(truth, features + memorized) * allowed).reshape(n, dishes)
        looked = examination_probability(
            np.arange(SLATE_SIZE)[None, :], world.people.device[user][:, None]
        )
        scores = {
            "oracle": full,
            "features": (order_chance(truth, features) * allowed).reshape(n, dishes),
            "memorization": memorized.reshape(n, dishes) + tie_break[None, :],
        }
        for name, score in scores.items():
            slate = top_slate(score, SLATE_SIZE)
            expected[name][part] = (np.take_along_axis(full, slate, axis=1) * looked).sum(axis=1)
        expected["random"][part] = full.mean(axis=1) * looked.sum(axis=1)
    return expected
