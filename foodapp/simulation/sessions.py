"""Sessions: who opens the app when, what they search, what they see, click, order and rate.

The truth depends on a person's history (boredom: a dish ordered recently appeals less), so a
person's sessions are simulated in time order. Everything that does not depend on the history is
drawn in numpy for all sessions at once (slates, the history-free utility, the uniform draws as
logit thresholds); then the sessions are processed in waves, each person's k-th session in wave
k, so that one wave is vectorized over people while the state `last_order[person, dish]` moves on.

In a share of home-feed sessions (`reorder_rate`) the person considers ordering a favourite again
with the "order again" button: they pick the favourite that appeals most now (boredom makes a
favourite they had recently unlikely), and if it appeals enough they order it directly (an order
event with no impression and no position) and leave the feed alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from foodapp.simulation.dishes import DishTable
from foodapp.simulation.logging_policy import logging_policy_rank
from foodapp.simulation.queries import QueryCatalogue
from foodapp.simulation.taste import DIET_OMNIVORE, Population
from foodapp.simulation.truth import (
    Truth,
    boredom,
    diet_allows,
    examination_probability,
    utility,
)

EVENT_TYPES = ("search", "impression", "click", "order", "rating")
SEARCH, IMPRESSION, CLICK, ORDER, RATING = range(len(EVENT_TYPES))
HOME_FEED_SHARE = 0.35
RATING_SHARE = 0.45
QUERY_CANDIDATES = 4
CHUNK_SESSIONS = 20_000
GROWTH = 0.6  # the last day has 60% more sessions than the first
WEEKEND_LIFT = 1.3
SECONDS_PER_DAY = 86400.0
REORDER_DELAY = (20.0, 120.0)  # seconds from opening the app to pressing "order again"
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
    (-1 when the event has none); `time` is seconds since the Unix epoch (UTC). An order with
    position -1 is an organic reorder ("order again"), not a click on a shown dish.
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
    """Who starts each session, when, and with which query (-1: home feed), by start time."""

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


def day_weights(*, start: float, days: float, growth: float = GROWTH) -> np.ndarray:
    """Share of the sessions on each day: the app gains traction, and weekends are busier."""
    count = max(int(days), 1)
    day = np.arange(count)
    weekday = ((start // SECONDS_PER_DAY + day + 3) % 7).astype(int)  # 1970-01-01 was a Thursday
    weights = (1.0 + growth * day / count) * np.where(weekday >= 5, WEEKEND_LIFT, 1.0)
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
    who: np.ndarray | None = None,
    searchable: np.ndarray | None = None,
    growth: float = GROWTH,
) -> SessionStarts:
    """Draw the sessions' people, start times and queries, sorted by start time.

    Args:
        who: Which people open the app (a mask); everyone when None.
        searchable: Which queries people type (a mask); every query when None.
        growth: How much busier the last day is than the first.
    """
    activity = people.activity * (who if who is not None else 1.0)
    user = rng.choice(len(people), size=sessions, p=activity / activity.sum())
    weights = day_weights(start=start, days=days, growth=growth)
    day = rng.choice(len(weights), size=sessions, p=weights)
    hour = (rng.random(sessions)[:, None] > people.hour_cdf[user]).sum(axis=1)
    hour = np.minimum(hour, 23)
    time = start + day * SECONDS_PER_DAY + hour * 3600.0 + rng.uniform(0.0, 3599.0, size=sessions)
    popularity = queries.popularity * (searchable if searchable is not None else 1.0)
    candidates = rng.choice(
        len(queries), size=(sessions, QUERY_CANDIDATES), p=popularity / popularity.sum()
    )
    tilt = query_tilt(people, dishes, queries)
    pick = np.argmax(tilt[user[:, None], candidates] + rng.gumbel(size=candidates.shape), axis=1)
    query = candidates[np.arange(sessions), pick]
    query = np.where(rng.random(sessions) < HOME_FEED_SHARE, -1, query)
    order = np.argsort(time, kind="stable")
    return SessionStarts(user=user[order], time=time[order], hour=hour[order], query=query[order])


def session_waves(user: np.ndarray, time: np.ndarray) -> list[np.ndarray]:
    """Session indices grouped in waves: wave k holds each person's k-th session, by time."""
    if not len(user):
        return []
    by_person = np.lexsort((time, user))
    sorted_user = user[by_person]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_user)) + 1]
    counts = np.diff(np.r_[first, len(user)])
    rank = np.arange(len(user)) - np.repeat(first, counts)
    wave = np.empty(len(user), dtype=np.int64)
    wave[by_person] = rank
    order = np.lexsort((time, wave))
    bounds = np.r_[0, np.flatnonzero(np.diff(wave[order])) + 1, len(user)]
    return [order[a:b] for a, b in pairwise(bounds)]


def logit(u: np.ndarray) -> np.ndarray:
    """The inverse of the logistic function (for thresholds: U < sigmoid(x) iff logit(U) < x)."""
    u = np.clip(u, 1e-12, 1.0 - 1e-12)
    return np.asarray(np.log(u) - np.log1p(-u))


@dataclass
class _Draws:
    """Everything about the sessions that does not depend on the history, one row per session.

    Thresholds are on the utility: a slot is clicked when its utility exceeds `click_at` (+inf
    when the person does not look at it) and ordered when it also exceeds `order_at` (+inf when
    the diet forbids the dish); the same holds for the favourite considered for a reorder.
    """

    slate: np.ndarray
    value: np.ndarray
    click_at: np.ndarray
    order_at: np.ndarray
    click_delay: np.ndarray
    order_delay: np.ndarray
    favourite_value: np.ndarray
    favourite_noise: np.ndarray
    reorder_at: np.ndarray
    reorder_delay: np.ndarray


@dataclass
class _Outcome:
    """What the waves decided: clicks and orders per slot, utilities, the reordered dish."""

    clicked: np.ndarray
    ordered: np.ndarray
    value: np.ndarray
    reorder: np.ndarray
    reorder_value: np.ndarray


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
    """Simulate `sessions` logged sessions of the returning people and return their events.

    New people (`people.new`) open no session, dishes new to the menu (`truth.new_dish`) are
    never shown, and nobody searches for the name of one of them.

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
    target = queries.target
    searchable = ~((target >= 0) & truth.new_dish[np.maximum(target, 0)])
    starts = session_starts_draw(
        rng=rng,
        people=people,
        dishes=dishes,
        queries=queries,
        sessions=sessions,
        start=start,
        days=days,
        who=~people.new,
        searchable=searchable,
    )
    chunks = [
        _draws(
            rng=rng,
            people=people,
            dishes=dishes,
            queries=queries,
            truth=truth,
            popularity=popularity,
            starts=starts,
            first=first,
            last=min(first + CHUNK_SESSIONS, sessions),
        )
        for first in range(0, sessions, CHUNK_SESSIONS)
    ]
    if not chunks:
        return EventColumns(**{name: np.zeros(0, dtype=np.int64) for name in _COLUMNS})
    draws = _Draws(
        **{
            name: np.concatenate([getattr(c, name) for c in chunks])
            for name in _Draws.__dataclass_fields__
        }
    )
    outcome = _waves_run(people=people, dishes=dishes, truth=truth, starts=starts, draws=draws)
    end = start + days * SECONDS_PER_DAY
    parts = [
        _chunk_events(
            rng=rng,
            people=people,
            starts=starts,
            draws=draws,
            outcome=outcome,
            first=first,
            last=min(first + CHUNK_SESSIONS, sessions),
            end=end,
        )
        for first in range(0, sessions, CHUNK_SESSIONS)
    ]
    return EventColumns(
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMNS}
    )


def _draws(
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
) -> _Draws:
    """The history-free part of the sessions first..last-1 of `starts`."""
    n = last - first
    user, hour, query = starts.user[first:last], starts.hour[first:last], starts.query[first:last]
    w = truth.weights
    slate = logging_policy_rank(
        rng=rng,
        naive=queries.naive,
        query=query,
        popularity=popularity,
        explore_rate=w.explore_rate,
        available=~truth.new_dish,
    )
    k = slate.shape[1]
    s_user = np.repeat(user, k)
    s_dish = slate.reshape(-1)
    s_pos = np.tile(np.arange(k), n)
    value = utility(
        truth=truth,
        people=people,
        dishes=dishes,
        queries=queries,
        user=s_user,
        dish=s_dish,
        query=np.repeat(query, k),
        hour=np.repeat(hour, k),
    )
    examined = rng.random(n * k) < examination_probability(s_pos, people.device[s_user])
    click_at = np.where(examined, logit(rng.random(n * k)) - w.click_bias, np.inf)
    allowed = diet_allows(people, dishes, s_user, s_dish)
    order_at = np.where(allowed, logit(rng.random(n * k)) - w.order_bias, np.inf)
    click_delay = 4.0 + 6.0 * s_pos + rng.exponential(20.0, size=n * k)
    order_delay = rng.uniform(40.0, 600.0, size=n * k)
    # Only the home-feed sessions that consider "order again" need their favourites' appeal.
    considers = (query < 0) & (rng.random(n) < w.reorder_rate)
    reorder_at = np.where(considers, logit(rng.random(n)) - w.order_bias, np.inf)
    favourites = truth.favourites[user[considers]]
    f = favourites.shape[1]
    favourite_value = np.full((n, f), -np.inf)
    favourite_value[considers] = np.where(
        favourites >= 0,
        utility(
            truth=truth,
            people=people,
            dishes=dishes,
            queries=queries,
            user=np.repeat(user[considers], f),
            dish=np.maximum(favourites.reshape(-1), 0),
            query=np.full(favourites.size, -1),
            hour=np.repeat(hour[considers], f),
        ).reshape(-1, f),
        -np.inf,
    )
    return _Draws(
        slate=slate.astype(np.int32),
        value=value.reshape(n, k).astype(np.float32),
        click_at=click_at.reshape(n, k).astype(np.float32),
        order_at=order_at.reshape(n, k).astype(np.float32),
        click_delay=click_delay.reshape(n, k).astype(np.float32),
        order_delay=order_delay.reshape(n, k).astype(np.float32),
        favourite_value=favourite_value.astype(np.float32),
        favourite_noise=rng.gumbel(size=(n, f)).astype(np.float32),
        reorder_at=reorder_at.astype(np.float32),
        reorder_delay=rng.uniform(*REORDER_DELAY, size=n).astype(np.float32),
    )


def _waves_run(
    *,
    people: Population,
    dishes: DishTable,
    truth: Truth,
    starts: SessionStarts,
    draws: _Draws,
) -> _Outcome:
    """Decide clicks, orders and reorders in time order per person, with boredom from the state.

    The sessions are laid out in wave order first, so that each wave is a contiguous slice.
    """
    waves = session_waves(starts.user, starts.time)
    order = np.concatenate(waves) if waves else np.zeros(0, dtype=np.int64)
    bounds = np.cumsum([0, *map(len, waves)])
    user_all, time_all = starts.user[order], starts.time[order]
    slate, base = draws.slate[order], draws.value[order]
    click_at, order_at = draws.click_at[order], draws.order_at[order]
    order_delay = draws.click_delay[order] + draws.order_delay[order]
    favourites_all = truth.favourites[user_all]
    favourite_value, favourite_noise = draws.favourite_value[order], draws.favourite_noise[order]
    reorder_at, reorder_delay = draws.reorder_at[order], draws.reorder_delay[order]
    clicked = np.zeros(slate.shape, dtype=bool)
    ordered = np.zeros(slate.shape, dtype=bool)
    value = np.zeros(slate.shape, dtype=np.float32)
    reorder = np.full(len(order), -1, dtype=np.int64)
    reorder_value = np.zeros(len(order), dtype=np.float32)
    last_order = np.full((len(people), len(dishes)), -np.inf)
    for first, last in pairwise(bounds):
        wave = slice(first, last)
        user, moment = user_all[wave], time_all[wave]
        shown = slate[wave]
        since = moment[:, None] - last_order[user[:, None], shown]
        wanted = base[wave] - boredom(truth, since)
        favourites = favourites_all[wave]
        since = moment[:, None] - last_order[user[:, None], np.maximum(favourites, 0)]
        appeal = favourite_value[wave] - boredom(truth, since)
        pick = np.argmax(appeal + favourite_noise[wave], axis=1)
        rows = np.arange(last - first)
        picked = appeal[rows, pick]
        again = picked > reorder_at[wave]
        click = (wanted > click_at[wave]) & ~again[:, None]
        bought = click & (wanted > order_at[wave])
        clicked[wave], ordered[wave], value[wave] = click, bought, wanted
        who, where = np.nonzero(bought)
        last_order[user[who], shown[who, where]] = moment[who] + order_delay[wave][who, where]
        dish = favourites[rows, pick]
        last_order[user[again], dish[again]] = moment[again] + reorder_delay[wave][again]
        reorder[wave] = np.where(again, dish, -1)
        reorder_value[wave] = np.where(again, picked, 0.0)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return _Outcome(
        clicked=clicked[back],
        ordered=ordered[back],
        value=value[back],
        reorder=reorder[back],
        reorder_value=reorder_value[back],
    )


def _chunk_events(
    *,
    rng: np.random.Generator,
    people: Population,
    starts: SessionStarts,
    draws: _Draws,
    outcome: _Outcome,
    first: int,
    last: int,
    end: float,
) -> EventColumns:
    """The events of the sessions first..last-1 of `starts`."""
    n = last - first
    part = slice(first, last)
    session = np.arange(first, last)
    user, time, hour, query = (
        starts.user[part],
        starts.time[part],
        starts.hour[part],
        starts.query[part],
    )
    k = draws.slate.shape[1]
    s_user = np.repeat(user, k)
    s_query = np.repeat(query, k)
    s_hour = np.repeat(hour, k)
    s_dish = draws.slate[part].reshape(-1).astype(np.int64)
    s_pos = np.tile(np.arange(k), n)
    clicked = outcome.clicked[part].reshape(-1)
    ordered = outcome.ordered[part].reshape(-1)
    value = outcome.value[part].reshape(-1).astype(np.float64)
    rated = ordered & (rng.random(n * k) < RATING_SHARE)
    stars = np.clip(np.rint(3.3 + 0.8 * value + rng.normal(0.0, 0.7, size=n * k)), 1, 5)
    s_time = np.repeat(time, k)
    click_time = s_time + draws.click_delay[part].reshape(-1)
    order_time = click_time + draws.order_delay[part].reshape(-1)
    rating_time = np.minimum(order_time + rng.uniform(1800.0, 86400.0, size=n * k), end - 1.0)
    s_session = np.repeat(session, k)
    searched = query >= 0
    again = outcome.reorder[part] >= 0
    r_dish = outcome.reorder[part][again]
    r_time = time[again] + draws.reorder_delay[part][again]
    r_rated = rng.random(len(r_dish)) < RATING_SHARE
    r_value = outcome.reorder_value[part][again].astype(np.float64)
    r_stars = np.clip(np.rint(3.3 + 0.8 * r_value + rng.normal(0.0, 0.7, size=len(r_dish))), 1, 5)
    r_rating_time = np.minimum(r_time + rng.uniform(1800.0, 86400.0, size=len(r_dish)), end - 1.0)
    r_session, r_user, r_hour = session[again], user[again], hour[again]
    r_none = np.full(len(r_dish), -1)
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
        (r_session, ORDER, r_user, r_time, r_dish, r_none, None, None, r_hour),
        (r_session[r_rated], RATING, r_user[r_rated], r_rating_time[r_rated], r_dish[r_rated],
         r_none[r_rated], None, r_stars[r_rated], r_hour[r_rated]),
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
