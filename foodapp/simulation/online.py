"""Online evaluation: fresh sessions after the log, served by rankers, answered by the truth.

`online_evaluate` draws the sessions once (returning people and the new ones who joined after the
log, every kind of query and the home feed) and the uniform draws that decide, per (session,
position), whether the person looks at the slot, clicks and orders: common random numbers, so the
same slate gets the same outcome under every ranker and paired differences have low variance.
Each ranker's people keep their own state (when they last ordered each dish: boredom, recent
orders), starting from the logged history and moved on by that ranker's own orders, wave by wave
(each person's k-th session in wave k). Organic reorders ("order again") are left out: they do not
depend on the ranker, which is what is measured.

Slices: `kind` (specific, general, feed), `head` (the query is one of the most popular that make
half of the searches, `QueryCatalogue.head`), `memorable` (the query has a (query, dish) pair),
`new_person` (no logged event). Django-free, like the rest of the generative core.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from foodapp.simulation.logging_policy import logging_policy_rank
from foodapp.simulation.queries import QUERY_KINDS
from foodapp.simulation.sessions import (
    ORDER,
    SECONDS_PER_DAY,
    EventColumns,
    session_starts_draw,
    session_waves,
)
from foodapp.simulation.truth import (
    diet_allows,
    examination_probability,
    order_chance,
    sigmoid,
    utility,
)
from recommender.datasets.food import RECENT_DAYS, RECENT_LIMIT

if TYPE_CHECKING:
    from foodapp.simulation.world import World

SESSION_KINDS = (*QUERY_KINDS, "feed")
KIND_FEED = len(QUERY_KINDS)
SLATE_SIZE = 10
# Seconds from opening the app to an order from the slate, by position (the state's order time).
ORDER_DELAY = 60.0
ORDER_DELAY_PER_POSITION = 6.0
# Rows of the truth computed at once by the oracle (requests x dishes).
ORACLE_ROWS = 400_000
Z_95 = 1.959964


@dataclass
class OnlineRequests:
    """One wave of requests: at most one session per person, in time order per person.

    `recent` is, per request, the distinct dish positions the person ordered in the last
    RECENT_DAYS, newest first, at most RECENT_LIMIT (from the log and from this ranker's own
    online orders). `last_order` holds the same knowledge in full: for each request and dish, when
    the person last ordered it (epoch seconds, -inf when never).
    """

    session: np.ndarray
    user: np.ndarray
    query: np.ndarray
    query_text: list[str]
    time: np.ndarray
    hour: np.ndarray
    weekday: np.ndarray
    device: np.ndarray
    recent: list[list[int]]
    last_order: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.session)


SlateFn = Callable[[OnlineRequests], np.ndarray]
# Told what each wave's slates got: (session indices, slates [rows, slots], ordered [rows, slots]).
OutcomeFn = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


@dataclass
class OnlineSessions:
    """Fresh sessions after the log, in time order, with the attributes used for slices."""

    user: np.ndarray
    time: np.ndarray
    hour: np.ndarray
    query: np.ndarray
    kind: np.ndarray
    head: np.ndarray
    memorable: np.ndarray
    new_person: np.ndarray

    def __len__(self) -> int:
        return len(self.user)


@dataclass
class OnlineResult:
    """What one ranker's slates got, per online session (aligned with the session index)."""

    orders: np.ndarray
    clicks: np.ndarray
    favourite_reorders: np.ndarray
    new_dish_orders: np.ndarray
    kind: np.ndarray
    head: np.ndarray
    memorable: np.ndarray
    new_person: np.ndarray

    def __len__(self) -> int:
        return len(self.orders)


@dataclass(frozen=True)
class Interval:
    """A mean over sessions with its 95% interval (normal approximation)."""

    mean: float
    low: float
    high: float
    sessions: int


def interval(values: np.ndarray) -> Interval:
    """Mean of `values` and its 95% interval; an empty sample gives nan."""
    n = len(values)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(np.mean(values))
    half = Z_95 * float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    if n > 1 and half == 0.0:
        return Interval(mean, mean, mean, n)
    return Interval(mean, mean - half, mean + half, n)


def mean_orders(result: OnlineResult, where: np.ndarray | None = None) -> Interval:
    """Mean orders per session (optionally over a slice, a boolean mask) with its 95% interval."""
    orders = result.orders if where is None else result.orders[where]
    return interval(orders.astype(np.float64))


def paired_difference(
    first: OnlineResult, second: OnlineResult, where: np.ndarray | None = None
) -> Interval:
    """Mean of `first` minus `second` orders, paired over the same sessions, with its 95% interval.

    Raises:
        ValueError: when the two results are not over the same sessions.
    """
    if len(first) != len(second):
        raise ValueError("Paired results must cover the same sessions.")
    difference = first.orders.astype(np.float64) - second.orders
    return interval(difference if where is None else difference[where])


def order_state(world: World, history: EventColumns) -> np.ndarray:
    """When each person last ordered each dish in `history` (people x dishes, -inf: never)."""
    state = np.full((len(world.people), len(world.dishes)), -np.inf)
    orders = history.event_type == ORDER
    np.maximum.at(state, (history.user[orders], history.dish[orders]), history.time[orders])
    return state


def online_sessions_draw(
    world: World,
    *,
    history: EventColumns,
    sessions: int,
    start: float,
    days: float,
    rng: np.random.Generator,
) -> OnlineSessions:
    """Draw fresh sessions from `start` (epoch seconds) over `days` days, everyone included."""
    starts = session_starts_draw(
        rng=rng,
        people=world.people,
        dishes=world.dishes,
        queries=world.queries,
        sessions=sessions,
        start=start,
        days=days,
        growth=0.0,
    )
    query = starts.query
    searched = query >= 0
    q = np.maximum(query, 0)
    logged = np.zeros(len(world.people), dtype=bool)
    logged[history.user] = True
    return OnlineSessions(
        user=starts.user,
        time=starts.time,
        hour=starts.hour,
        query=query,
        kind=np.where(searched, world.queries.kind[q], KIND_FEED),
        head=searched & world.queries.head[q],
        memorable=searched & world.truth.paired_queries[q],
        new_person=~logged[starts.user],
    )


def recent_orders(last_order: np.ndarray, moment: np.ndarray) -> list[list[int]]:
    """Per row, the dishes ordered in the RECENT_DAYS before `moment`, newest first, capped."""
    since = moment[:, None] - last_order
    recent = (since >= 0) & (since <= RECENT_DAYS * SECONDS_PER_DAY)
    key = np.where(recent, last_order, -np.inf)
    limit = min(RECENT_LIMIT, last_order.shape[1])
    top = np.argpartition(-key, limit - 1, axis=1)[:, :limit] if limit else key[:, :0]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(key, top, 1), 1, "stable"), 1)
    keep = np.take_along_axis(recent, top, axis=1)
    return [row[ok].tolist() for row, ok in zip(top, keep, strict=True)]


def online_requests(
    world: World, sessions: OnlineSessions, wave: np.ndarray, state: np.ndarray
) -> OnlineRequests:
    """The requests of one wave, with each person's state from `state`."""
    user, moment = sessions.user[wave], sessions.time[wave]
    texts = world.queries.texts
    last_order = state[user]
    return OnlineRequests(
        session=wave.copy(),
        user=user,
        query=sessions.query[wave],
        query_text=[texts[q] if q >= 0 else "" for q in sessions.query[wave].tolist()],
        time=moment,
        hour=sessions.hour[wave],
        weekday=((moment // SECONDS_PER_DAY + 3) % 7).astype(np.int64),  # 0 = Monday
        device=world.people.device[user],
        recent=recent_orders(last_order, moment),
        last_order=last_order,
    )


def slate_check(slate: np.ndarray, *, requests: int, slate_size: int, dishes: int) -> np.ndarray:
    """A ranker's answer as an int array [requests, slate_size]; repeats become empty (-1).

    Raises:
        ValueError: for a wrong shape or a dish position outside the catalogue.
    """
    slate = np.asarray(slate)
    if slate.ndim != 2 or slate.shape[0] != requests or slate.shape[1] > slate_size:
        raise ValueError(
            f"A ranker must return [{requests}, <= {slate_size}] dish positions, "
            f"got shape {slate.shape}."
        )
    slate = slate.astype(np.int64)
    if slate.size and (slate.max() >= dishes or slate.min() < -1):
        raise ValueError("A ranker returned a dish position outside the catalogue.")
    padded = np.full((requests, slate_size), -1, dtype=np.int64)
    padded[:, : slate.shape[1]] = slate
    earlier = np.tril(np.ones((slate_size, slate_size), dtype=bool), k=-1)
    repeated = ((padded[:, :, None] == padded[:, None, :]) & earlier[None]).any(axis=2)
    return np.where(repeated, -1, padded)


def online_evaluate(
    world: World,
    *,
    history: EventColumns,
    sessions: int,
    start: float,
    days: float,
    rankers: Mapping[str, SlateFn],
    seed: int,
    slate_size: int = SLATE_SIZE,
    on_outcome: OutcomeFn | None = None,
) -> dict[str, OnlineResult]:
    """Serve the same fresh sessions with each ranker and answer them with the truth.

    Args:
        world: The world whose log is `history`.
        history: The logged events (`World.simulate`'s answer): the people's starting state.
        sessions: How many online sessions.
        start: When the online period starts (epoch seconds): the end of the logged period.
        days: Length of the online period in days.
        rankers: Name -> SlateFn, called once per wave.
        seed: Seed of the sessions and of the common random numbers.
        slate_size: Slots per slate.
        on_outcome: called after each wave with its sessions, slates and which slots were
            ordered (e.g. to log the orders as events).

    Returns:
        Name -> OnlineResult, each over the same sessions.
    """
    rng = np.random.default_rng(seed)
    fresh = online_sessions_draw(
        world, history=history, sessions=sessions, start=start, days=days, rng=rng
    )
    look, click, order = rng.random((3, sessions, slate_size))
    waves = session_waves(fresh.user, fresh.time)
    initial = order_state(world, history)
    return {
        name: _ranker_run(
            world,
            fresh=fresh,
            waves=waves,
            state=initial.copy(),
            ranker=ranker,
            draws=(look, click, order),
            slate_size=slate_size,
            on_outcome=on_outcome,
        )
        for name, ranker in rankers.items()
    }


def _ranker_run(
    world: World,
    *,
    fresh: OnlineSessions,
    waves: list[np.ndarray],
    state: np.ndarray,
    ranker: SlateFn,
    draws: tuple[np.ndarray, np.ndarray, np.ndarray],
    slate_size: int,
    on_outcome: OutcomeFn | None = None,
) -> OnlineResult:
    """Run one ranker over every wave; `state` is this ranker's own and is updated in place."""
    n = len(fresh)
    look, click, order = draws
    orders = np.zeros(n, dtype=np.int64)
    clicks = np.zeros(n, dtype=np.int64)
    favourite_reorders = np.zeros(n, dtype=np.int64)
    new_dish_orders = np.zeros(n, dtype=np.int64)
    truth, w = world.truth, world.truth.weights
    positions = np.arange(slate_size)
    for wave in waves:
        requests = online_requests(world, fresh, wave, state)
        slate = slate_check(
            ranker(requests), requests=len(wave), slate_size=slate_size, dishes=len(world.dishes)
        )
        filled = slate >= 0
        dish = np.maximum(slate, 0)
        user = np.broadcast_to(requests.user[:, None], slate.shape)
        since = requests.time[:, None] - np.take_along_axis(requests.last_order, dish, axis=1)
        value = utility(
            truth=truth,
            people=world.people,
            dishes=world.dishes,
            queries=world.queries,
            user=user.reshape(-1),
            dish=dish.reshape(-1),
            query=np.repeat(requests.query, slate_size),
            hour=np.repeat(requests.hour, slate_size),
            since_order=since.reshape(-1),
        ).reshape(slate.shape)
        seen = filled & (
            look[wave] < examination_probability(positions[None, :], requests.device[:, None])
        )
        clicked = seen & (click[wave] < sigmoid(value + w.click_bias))
        allowed = diet_allows(world.people, world.dishes, user.reshape(-1), dish.reshape(-1))
        ordered = (
            clicked & allowed.reshape(slate.shape) & (order[wave] < sigmoid(value + w.order_bias))
        )
        clicks[wave] = clicked.sum(axis=1)
        orders[wave] = ordered.sum(axis=1)
        favourite_reorders[wave] = (ordered & truth.is_favourite[user, dish]).sum(axis=1)
        new_dish_orders[wave] = (ordered & truth.new_dish[dish]).sum(axis=1)
        moment = requests.time[:, None] + ORDER_DELAY + ORDER_DELAY_PER_POSITION * positions
        state[user[ordered], dish[ordered]] = np.broadcast_to(moment, slate.shape)[ordered]
        if on_outcome is not None:
            on_outcome(wave, slate, ordered)
    return OnlineResult(
        orders=orders,
        clicks=clicks,
        favourite_reorders=favourite_reorders,
        new_dish_orders=new_dish_orders,
        kind=fresh.kind,
        head=fresh.head,
        memorable=fresh.memorable,
        new_person=fresh.new_person,
    )


def true_order_chances(world: World, requests: OnlineRequests) -> np.ndarray:
    """The true chance (at the top slot) that each request orders each dish (requests x dishes)."""
    dishes = len(world.dishes)
    chances = np.zeros((len(requests), dishes))
    step = max(1, ORACLE_ROWS // max(dishes, 1))
    every = np.arange(dishes)
    for first in range(0, len(requests), step):
        part = slice(first, first + step)
        n = len(requests.user[part])
        user = np.repeat(requests.user[part], dishes)
        dish = np.tile(every, n)
        since = (requests.time[part][:, None] - requests.last_order[part]).reshape(-1)
        value = utility(
            truth=world.truth,
            people=world.people,
            dishes=world.dishes,
            queries=world.queries,
            user=user,
            dish=dish,
            query=np.repeat(requests.query[part], dishes),
            hour=np.repeat(requests.hour[part], dishes),
            since_order=since,
        )
        chance = order_chance(world.truth, value) * diet_allows(
            world.people, world.dishes, user, dish
        )
        chances[part] = chance.reshape(n, dishes)
    return chances


def top_slate(scores: np.ndarray, slate_size: int) -> np.ndarray:
    """The `slate_size` highest-scoring columns of each row, best first."""
    k = min(slate_size, scores.shape[1])
    if k == 0:
        return np.zeros((len(scores), 0), dtype=np.int64)
    best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
    return np.asarray(np.take_along_axis(best, order, axis=1))


def oracle_ranker(world: World, *, slate_size: int = SLATE_SIZE) -> SlateFn:
    """A SlateFn ranking every dish by its true order chance given each person's state."""

    def rank(requests: OnlineRequests) -> np.ndarray:
        return top_slate(true_order_chances(world, requests), slate_size)

    return rank


def logging_policy_ranker(world: World, *, seed: int, slate_size: int = SLATE_SIZE) -> SlateFn:
    """A SlateFn serving the logging policy (the v1 app with exploration), on the full menu."""
    rng = np.random.default_rng(seed)

    def rank(requests: OnlineRequests) -> np.ndarray:
        return logging_policy_rank(
            rng=rng,
            naive=world.queries.naive,
            query=requests.query,
            popularity=world.popularity,
            explore_rate=world.truth.weights.explore_rate,
            slate_size=slate_size,
        )

    return rank
