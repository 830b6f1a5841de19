"""Reads of the interaction log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Count, QuerySet

from foodapp.interactions.models import Event, EventType

# The training-example reads live in their own module; they are part of this app's read API.
from foodapp.interactions.training_examples import (
    SplitCutoffs,
    training_examples_iter,
    training_split_cutoffs,
)
from recommender.datasets.food import POPULARITY_DAYS, RECENT_DAYS, RECENT_LIMIT

__all__ = [
    "Shown",
    "SplitCutoffs",
    "dish_popularity_counts",
    "event_external_ids_existing",
    "impression_latest",
    "recent_dishes_by_user",
    "recent_dishes_from_orders",
    "training_examples_iter",
    "training_split_cutoffs",
]

_CHUNK = 500
# How many of the newest impressions of one dish impression_latest weighs against the claim.
_CLAIM_CANDIDATES = 50


def event_external_ids_existing(*, external_ids: Iterable[str]) -> set[str]:
    """The subset of these external ids that already name an event."""
    keys = sorted(set(external_ids))
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        rows = Event.objects.filter(external_id__in=keys[start : start + _CHUNK])
        found.update(str(ext) for ext in rows.values_list("external_id", flat=True))
    return found


def recent_dishes_by_user(*, user_ids: Iterable[int], now: datetime) -> dict[int, list[int]]:
    """The dishes each person ordered lately, as the training examples' user_recent_dishes.

    Args:
        user_ids: the people to look up.
        now: the moment; orders in the RECENT_DAYS before it count, strictly before it.

    Returns:
        user id -> distinct dish ids, newest order first, at most RECENT_LIMIT; every asked id
        is a key ([] when the person ordered nothing in the window).
    """
    ids = sorted(set(user_ids))
    recent: dict[int, list[int]] = {user_id: [] for user_id in ids}
    since = recent_window_start(now)
    for start in range(0, len(ids), _CHUNK):
        orders = (
            Event.objects.filter(
                user_id__in=ids[start : start + _CHUNK],
                event_type=EventType.ORDER,
                dish__isnull=False,
                occurred_at__gte=since,
                occurred_at__lt=now,
            )
            .order_by("user_id", "-occurred_at", "-id")
            .values_list("user_id", "dish_id")
        )
        for user_id, dish_id in orders:
            _recent_add(recent[user_id], dish_id)
    return recent


def recent_window_start(now: datetime) -> datetime:
    """The first moment whose orders count as recent at `now`."""
    return now - timedelta(days=RECENT_DAYS)


def recent_dishes_from_orders(
    orders: Iterable[tuple[int | None, datetime]], *, now: datetime
) -> list[int]:
    """recent_dishes_by_user for one person from their orders already read: (dish id, time)
    pairs, newest first (ties: newest id first), any window.

    Returns:
        Distinct dish ids of the orders in the recent window before `now`, newest first, at
        most RECENT_LIMIT.
    """
    since = recent_window_start(now)
    dishes: list[int] = []
    for dish_id, occurred_at in orders:
        if since <= occurred_at < now:
            _recent_add(dishes, dish_id)
    return dishes


def _recent_add(dishes: list[int], dish_id: int | None) -> None:
    """Add an order's dish to a person's recent dishes (newest first) while there is room."""
    if dish_id is not None and len(dishes) < RECENT_LIMIT and dish_id not in dishes:
        dishes.append(dish_id)


def dish_popularity_counts(
    *, now: datetime, dish_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Orders per dish in the POPULARITY_DAYS before `now`, as the examples' dish_popularity.

    One grouped query (per 500 dishes when `dish_ids` is given) over the partial index of
    order and rating events.

    Args:
        now: the moment; orders strictly before it count.
        dish_ids: only these dishes (each a key, 0 when not ordered); None: every dish that was
            ordered in the window.

    Returns:
        dish id -> number of orders, by everyone.
    """
    orders = Event.objects.filter(
        event_type=EventType.ORDER,
        dish__isnull=False,
        occurred_at__gte=now - timedelta(days=POPULARITY_DAYS),
        occurred_at__lt=now,
    )
    if dish_ids is None:
        return _orders_by_dish(orders)
    ids = sorted(set(dish_ids))
    counts = dict.fromkeys(ids, 0)
    for start in range(0, len(ids), _CHUNK):
        counts.update(_orders_by_dish(orders.filter(dish_id__in=ids[start : start + _CHUNK])))
    return counts


def _orders_by_dish(orders: QuerySet[Event]) -> dict[int, int]:
    """dish id -> number of these orders, counted in the database."""
    grouped = orders.order_by().values("dish_id").annotate(orders=Count("id"))
    return {row["dish_id"]: row["orders"] for row in grouped}


class Shown(NamedTuple):
    """What placed a dish in front of someone, as their impression of it logged it."""

    ranker: str | None
    model_version: str | None
    position: int | None
    query: str


def impression_latest(
    *,
    dish_id: int,
    user_id: int | None,
    session_id: str | None,
    until: datetime,
    since: datetime | None = None,
    claimed: Shown | None = None,
) -> Shown | None:
    """The latest logged impression of a dish by a person or a guest's visit: where a click, an
    order or a dismissal of it came from (never what a page or a client says it came from).

    Args:
        dish_id: the dish.
        user_id: the person; None for a guest, who is found by `session_id` alone.
        session_id: only impressions of this session (None: any of the person's sessions; a
            guest needs one: without it nothing is found).
        until: impressions up to this moment (the event's own time).
        since: and from this moment on (None: no limit).
        claimed: what the page posted: among the newest impressions, the newest one that
            matches it is taken (a dish shown in two lists at once), else the newest of all.

    Returns:
        The impression's ranker, version, position and query, or None when none was logged.
    """
    if user_id is None and not session_id:
        return None
    events = Event.objects.filter(
        event_type=EventType.IMPRESSION, dish_id=dish_id, occurred_at__lte=until
    )
    events = events.filter(user_id=user_id) if user_id is not None else events.of_guests()
    if session_id is not None:
        events = events.filter(session_id=session_id)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    rows = events.order_by("-occurred_at", "-id").values_list(
        "ranker", "model_version", "position", "query"
    )[: _CLAIM_CANDIDATES if claimed is not None else 1]
    shown = [Shown(*row) for row in rows]
    if claimed is not None and claimed in shown:
        return claimed
    return shown[0] if shown else None
