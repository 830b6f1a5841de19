"""Sessions: who opens the app when, what they search, what they see, click, order and rate.

Everything is drawn in numpy, a chunk of sessions at a time, and returned as columns
(`EventColumns`), so that turning them into rows for the database is the only per-event work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from foodapp.simulation.dishes import DishTable
from foodapp.simulation.logging_policy import logging_policy_rank
from foodapp.simulation.queries import QueryCatalogue
from foodapp.simulation.taste import DIET_OMNIVORE, Population
from foodapp.simulation.truth import (
    Truth,
    diet_allows,
    examination_probability,
    sigmoid,
    utility,
)

EVENT_TYPES = ("search", "impression", "click", "order", "rating")
SEARCH, IMPRESSION, CLICK, ORDER, RATING = range(len(EVENT_TYPES))
HOME_FEED_SHARE = 0.35
RATING_SHARE = 0.45
QUERY_CANDIDATES = 4
CHUNK_SESSIONS = 8000
GROWTH = 0.6  # the last day has 60% more sessions than the first
WEEKEND_LIFT = 1.3
SECONDS_PER_DAY = 86400.0
_COLUMNS = (
    "session",
    "event_type",
    "user",
    "time",
    "dish",
    "query",
    "position",
    "value",
    "device",
    "hour",
)


@dataclass
class EventColumns:
    """Simulated events as aligned columns, ordered by session then time.

    `user`, `dish` and `query` are positions in the population, catalogue and query catalogue
    (-1 when the event has none); `time` is seconds since the Unix epoch (UTC).
    """

    session: np.ndarray = field(repr=False)
    event_type: np.ndarray = field(repr=False)
    user: np.ndarray = field(repr=False)
    time: np.ndarray = field(repr=False)
    dish: np.ndarray = field(repr=False)
    query: np.ndarray = field(repr=False)
    position: np.ndarray = field(repr=False)
    value: np.ndarray = field(repr=False)
    device: np.ndarray = field(repr=False)
    hour: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.session)

    def counts(self) -> dict[str, int]:
        """Number of events of each type."""
        found = np.bincount(self.event_type, minlength=len(EVENT_TYPES))
        return {name: int(found[i]) for i, name in enumerate(EVENT_TYPES)}


@dataclass
class SessionStarts:
    """Who starts each session, when, and with which query (-1: home feed)."""

    user: np.ndarray
    time: np.ndarray
    hour: np.ndarray
    query: np.ndarray


def query_tilt(people: Population, dishes: DishTable, queries: QueryCatalogue) -> np.ndarray:
    """How much each person leans towards each query (people x queries), from their tastes.

    People search for the cuisines they like, and people with a diet rarely search for what it
    forbids.
    """
    weights = queries.relevance / np.maximum(queries.relevance.sum(axis=1, keepdims=True), 1e-9)
    cuisine_onehot = np.eye(len(dishes.cuisines))[dishes.cuisine_index]
    query_cuisine = weights @ cuisine_onehot
    tilt = people.cuisine_affinity @ query_cuisine.T
    vegetarian_share = weights @ dishes.vegetarian.astype(np.float64)
    restricted = people.diet != DIET_OMNIVORE
    return np.asarray(tilt + 2.5 * restricted[:, None] * (vegetarian_share[None, :] - 1.0))


def day_weights(*, start: float, days: float) -> np.ndarray:
    """Share of the sessions on each day: the app gains traction, and weekends are busier."""
    count = max(int(days), 1)
    day = np.arange(count)
    weekday = ((start // SECONDS_PER_DAY + day + 3) % 7).astype(int)  # 1970-01-01 was a Thursday
    weights = (1.0 + GROWTH * day / count) * np.where(weekday >= 5, WEEKEND_LIFT, 1.0)
    return np.asarray(weights / weights.sum())


def session_starts_draw(
    *,
    rng: np.random.Generator,
    people: Population,
    dishes: DishTable,
    queries: QueryCatalogue,
    sessions: int,
    start: float,
    days: float,
) -> SessionStarts:
    """Draw the sessions' people, start times and queries, sorted by start time."""
    user = rng.choice(len(people), size=sessions, p=people.activity / people.activity.sum())
    day = rng.choice(len(weights := day_weights(start=start, days=days)), size=sessions, p=weights)
    hour = (rng.random(sessions)[:, None] > people.hour_cdf[user]).sum(axis=1)
    hour = np.minimum(hour, 23)
    time = start + day * SECONDS_PER_DAY + hour * 3600.0 + rng.uniform(0.0, 3599.0, size=sessions)
    candidates = rng.choice(len(queries), size=(sessions, QUERY_CANDIDATES), p=queries.popularity)
    tilt = query_tilt(people, dishes, queries)
    pick = np.argmax(tilt[user[:, None], candidates] + rng.gumbel(size=candidates.shape), axis=1)
    query = candidates[np.arange(sessions), pick]
    query = np.where(rng.random(sessions) < HOME_FEED_SHARE, -1, query)
    order = np.argsort(time, kind="stable")
    return SessionStarts(user=user[order], time=time[order], hour=hour[order], query=query[order])


def sessions_simulate(
    *,
    rng: np.random.Generator,
    people: Population,
    dishes: DishTable,
    queries: QueryCatalogue,
    truth: Truth,
    popularity: np.ndarray,
    sessions: int,
    start: float,
    days: float,
) -> EventColumns:
    """Simulate `sessions` sessions and return their events.

    Args:
        rng: The seeded generator.
        people: The population.
        dishes: The catalogue.
        queries: The query catalogue.
        truth: The hidden truth.
        popularity: The popularity the logging policy observes, per dish.
        sessions: How many sessions.
        start: Start of the simulated period, seconds since the epoch.
        days: Length of the simulated period in days.

    Returns:
        The events, ordered by session and time.
    """
    starts = session_starts_draw(
        rng=rng,
        people=people,
        dishes=dishes,
        queries=queries,
        sessions=sessions,
        start=start,
        days=days,
    )
    end = start + days * SECONDS_PER_DAY
    parts = [
        _chunk_events(
            rng=rng,
            people=people,
            dishes=dishes,
            queries=queries,
            truth=truth,
            popularity=popularity,
            starts=starts,
            first=first,
            last=min(first + CHUNK_SESSIONS, sessions),
            end=end,
        )
        for first in range(0, sessions, CHUNK_SESSIONS)
    ]
    if not parts:
        return EventColumns(**{name: np.zeros(0, dtype=np.int64) for name in _COLUMNS})
    return EventColumns(
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMNS}
    )


def _chunk_events(
    *,
    rng: np.random.Generator,
    people: Population,
    dishes: DishTable,
    queries: QueryCatalogue,
    truth: Truth,
    popularity: np.ndarray,
    starts: SessionStarts,
    first: int,
    last: int,
    end: float,
) -> EventColumns:
    """Simulate the sessions first..last-1 of `starts`."""
    n = last - first
    session = np.arange(first, last)
    user, time, hour, query = (
        starts.user[first:last],
        starts.time[first:last],
        starts.hour[first:last],
        starts.query[first:last],
    )
    slate = logging_policy_rank(
        rng=rng,
        naive=queries.naive,
        query=query,
        popularity=popularity,
        explore_rate=truth.weights.explore_rate,
    )
    k = slate.shape[1]
    s_user = np.repeat(user, k)
    s_query = np.repeat(query, k)
    s_hour = np.repeat(hour, k)
    s_dish = slate.reshape(-1)
    s_pos = np.tile(np.arange(k), n)
    s_device = people.device[s_user]
    value = utility(
        truth=truth,
        people=people,
        dishes=dishes,
        queries=queries,
        user=s_user,
        dish=s_dish,
        query=s_query,
        hour=s_hour,
    )
    w = truth.weights
    examined = rng.random(n * k) < examination_probability(s_pos, s_device)
    clicked = examined & (rng.random(n * k) < sigmoid(value + w.click_bias))
    allowed = diet_allows(people, dishes, s_user, s_dish)
    ordered = clicked & allowed & (rng.random(n * k) < sigmoid(value + w.order_bias))
    rated = ordered & (rng.random(n * k) < RATING_SHARE)
    noise = rng.normal(0.0, 0.7, size=n * k)
    stars = np.clip(np.rint(3.3 + 0.8 * value + noise), 1, 5)
    s_time = np.repeat(time, k)
    click_time = s_time + 4.0 + 6.0 * s_pos + rng.exponential(20.0, size=n * k)
    order_time = click_time + rng.uniform(40.0, 600.0, size=n * k)
    rating_time = np.minimum(order_time + rng.uniform(1800.0, 86400.0, size=n * k), end - 1.0)
    s_session = np.repeat(session, k)
    searched = query >= 0
    blocks = [
        (session[searched], SEARCH, user[searched], time[searched], None, query[searched],
         None, None, hour[searched]),
        (s_session, IMPRESSION, s_user, s_time + 1.0, s_dish, s_query, s_pos, None, s_hour),
        (s_session[clicked], CLICK, s_user[clicked], click_time[clicked], s_dish[clicked],
         s_query[clicked], s_pos[clicked], None, s_hour[clicked]),
        (s_session[ordered], ORDER, s_user[ordered], order_time[ordered], s_dish[ordered],
         s_query[ordered], s_pos[ordered], None, s_hour[ordered]),
        (s_session[rated], RATING, s_user[rated], rating_time[rated], s_dish[rated],
         s_query[rated], s_pos[rated], stars[rated], s_hour[rated]),
    ]  # fmt: skip
    columns: dict[str, list[np.ndarray]] = {name: [] for name in _COLUMNS}
    for b_session, kind, b_user, b_time, b_dish, b_query, b_pos, b_value, b_hour in blocks:
        size = len(b_session)
        columns["session"].append(b_session)
        columns["event_type"].append(np.full(size, kind))
        columns["user"].append(b_user)
        columns["time"].append(b_time)
        columns["dish"].append(b_dish if b_dish is not None else np.full(size, -1))
        columns["query"].append(b_query)
        columns["position"].append(b_pos if b_pos is not None else np.full(size, -1))
        columns["value"].append(b_value if b_value is not None else np.full(size, np.nan))
        columns["device"].append(people.device[b_user])
        columns["hour"].append(b_hour)
    merged = {name: np.concatenate(parts) for name, parts in columns.items()}
    order = np.lexsort((merged["position"], merged["time"], merged["event_type"] > SEARCH,
                        merged["session"]))  # fmt: skip
    return EventColumns(**{name: merged[name][order] for name in _COLUMNS})
