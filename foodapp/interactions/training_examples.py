"""Training examples streamed from the interaction log, split by time.

An example is one dish in front of one person at one moment, labelled 1 when they ordered it:

- every impression becomes an example, labelled 1 when the same session ordered that dish
  after it was shown (sessions are read in time order and closed after `session_gap` without
  events, so only open sessions are held in memory);
- an order with no impression of its dish in the session (imported order histories) becomes a
  positive example, and so does a rating of at least `min_positive_rating` (a lower rating is a
  negative); ratings of dishes the session ordered add nothing (the order already counts);
  each such positive gets `negatives_per_positive` dishes sampled from the catalogue, seeded.

The split is by time: train before `validation_start`, validation before `test_start`, test
after; by default these cut-offs are the quantiles of the example events' times.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Literal

from django.db.models import QuerySet

from foodapp.catalog.models import Dish
from foodapp.interactions.example_features import dish_features_by_id, user_features_by_id
from foodapp.interactions.example_schema import (
    NO_POSITION,
    SOURCE_IMPRESSION,
    SOURCE_ORDER,
    SOURCE_RATING,
    SOURCE_SAMPLED,
)
from foodapp.interactions.models import Event, EventType

Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")
EXAMPLE_EVENT_TYPES = (EventType.IMPRESSION, EventType.ORDER, EventType.RATING)
ERROR_SPLIT = "split must be one of train, validation, test; got {value!r}."
ERROR_FRACTIONS = "validation_fraction and test_fraction must be >= 0 and sum to less than 1."
ERROR_CUTOFFS = "validation_start must not be after test_start."

_COLUMNS = (
    "id",
    "user_id",
    "session_id",
    "event_type",
    "normalized_query__text",
    "dish_id",
    "position",
    "value",
    "occurred_at",
    "hour",
    "weekday",
    "device",
)


@dataclass(frozen=True)
class SplitCutoffs:
    """Train is before validation_start, validation before test_start, test from test_start."""

    validation_start: datetime
    test_start: datetime


@dataclass
class _Session:
    last_seen: datetime
    shown: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    ordered: set[int] = field(default_factory=set)
    examples: list[dict[str, Any]] = field(default_factory=list)


def _example_events(item_prefix: str | None) -> QuerySet[Event]:
    """The events that can yield or label examples."""
    events = Event.objects.filter(event_type__in=EXAMPLE_EVENT_TYPES, dish__isnull=False)
    if item_prefix:
        events = events.filter(dish__external_id__startswith=item_prefix)
    return events


def training_split_cutoffs(
    *,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
    item_prefix: str | None = None,
) -> SplitCutoffs | None:
    """The times that split the example events into train/validation/test by these fractions.

    Returns:
        The cut-offs, or None when the log holds no example events.

    Raises:
        ValueError: when the fractions are negative or leave nothing for training.
    """
    if validation_fraction < 0 or test_fraction < 0 or validation_fraction + test_fraction >= 1:
        raise ValueError(ERROR_FRACTIONS)
    events = _example_events(item_prefix).order_by("occurred_at", "id")
    total = events.count()
    if total == 0:
        return None

    def time_at(fraction: float) -> datetime:
        offset = min(total - 1, int(total * fraction))
        return events.values_list("occurred_at", flat=True)[offset]

    return SplitCutoffs(
        validation_start=time_at(1 - validation_fraction - test_fraction),
        test_start=time_at(1 - test_fraction),
    )


def training_examples_iter(
    *,
    split: Split,
    cutoffs: SplitCutoffs | None = None,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
    negatives_per_positive: int = 4,
    min_positive_rating: float = 1.0,
    session_gap: timedelta = timedelta(hours=2),
    item_prefix: str | None = None,
    seed: int = 0,
    chunk_size: int = 2000,
) -> Iterator[dict[str, Any]]:
    """Stream the examples of one time split of the log (fields: example_schema.EXAMPLE_FIELDS).

    Reads the log in (occurred_at, id) order with a server-side cursor on PostgreSQL, in chunks
    of `chunk_size`; memory holds the catalogue's dish features, a cache of user features and
    the sessions still open, never the whole log.

    Args:
        split: "train", "validation" or "test".
        cutoffs: explicit split times; default: quantiles by the fractions below.
        validation_fraction: share of example events in validation (when cutoffs is None).
        test_fraction: share of example events in test (when cutoffs is None).
        negatives_per_positive: dishes sampled as negatives for each positive that was not
            an impression (orders and ratings without one).
        min_positive_rating: ratings at or above this are positives.
        session_gap: a session with no event for this long is closed (its impressions final).
        item_prefix: only dishes whose external_id starts with this (e.g. "uci-"), for the
            events and for the sampled negatives.
        seed: seeds the negative sampling; the same log and seed give the same examples.
        chunk_size: rows per database fetch.

    Yields:
        Example dicts with a 0/1 "label".

    Raises:
        ValueError: on an unknown split or bad fractions/cut-offs.
    """
    if split not in SPLITS:
        raise ValueError(ERROR_SPLIT.format(value=split))
    if cutoffs is None:
        cutoffs = training_split_cutoffs(
            validation_fraction=validation_fraction,
            test_fraction=test_fraction,
            item_prefix=item_prefix,
        )
        if cutoffs is None:
            return
    if cutoffs.validation_start > cutoffs.test_start:
        raise ValueError(ERROR_CUTOFFS)
    start, end = {
        "train": (None, cutoffs.validation_start),
        "validation": (cutoffs.validation_start, cutoffs.test_start),
        "test": (cutoffs.test_start, None),
    }[split]
    pool_query = Dish.objects.order_by("id")
    if item_prefix:
        pool_query = pool_query.filter(external_id__startswith=item_prefix)
    pool = list(pool_query.values_list("id", flat=True))
    extractor = _Extractor(
        dishes=dish_features_by_id(dish_ids=pool),
        pool=pool,
        start=start,
        end=end,
        negatives=negatives_per_positive,
        min_positive_rating=min_positive_rating,
        session_gap=session_gap,
        rng=random.Random(seed),
    )
    events = _example_events(item_prefix).order_by("occurred_at", "id")
    # Read a session gap beyond both ends: sessions that straddle a cut-off are seen whole, so
    # an order right after the start still finds its impression and one right after the end
    # still labels it. Only events inside the split yield examples.
    if start is not None:
        events = events.filter(occurred_at__gte=start - session_gap)
    if end is not None:
        events = events.filter(occurred_at__lt=end + session_gap)
    rows = events.values_list(*_COLUMNS).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        extractor.users_prefetch({row[1] for row in chunk})
        for row in chunk:
            yield from extractor.event(row)
    yield from extractor.finish()


class _Extractor:
    """The streaming state: open sessions, feature caches and the negative sampler."""

    USER_CACHE_SIZE = 100_000

    def __init__(
        self,
        *,
        dishes: dict[int, dict[str, Any]],
        pool: list[int],
        start: datetime | None,
        end: datetime | None,
        negatives: int,
        min_positive_rating: float,
        session_gap: timedelta,
        rng: random.Random,
    ) -> None:
        self.dishes = dishes
        self.pool = pool
        self.start = start
        self.end = end
        self.negatives = negatives
        self.min_positive_rating = min_positive_rating
        self.session_gap = session_gap
        self.rng = rng
        self.users: OrderedDict[int, dict[str, str]] = OrderedDict()
        self.sessions: OrderedDict[str, _Session] = OrderedDict()

    def users_prefetch(self, user_ids: set[int]) -> None:
        """Load the features of the chunk's users not cached yet (bounded LRU cache)."""
        missing = [user_id for user_id in user_ids if user_id not in self.users]
        for user_id, values in user_features_by_id(user_ids=missing).items():
            self.users[user_id] = values
        for user_id in user_ids:
            self.users.move_to_end(user_id)
        while len(self.users) > max(self.USER_CACHE_SIZE, len(user_ids)):
            self.users.popitem(last=False)

    def _example(
        self, row: tuple[Any, ...], dish_id: int, source: str, label: int
    ) -> dict[str, Any]:
        """One example dict for `dish_id` in the context of event `row`."""
        (event_id, user_id, _, _, query, _, position, _, occurred_at, hour, weekday, device) = row
        return {
            "user_id": str(user_id),
            **self.users[user_id],
            "query": query or "",
            **self.dishes[dish_id],
            "position": position
            if position is not None and source == SOURCE_IMPRESSION
            else NO_POSITION,
            "hour": hour,
            "weekday": weekday,
            "device": device,
            "event_id": event_id,
            "timestamp": occurred_at.timestamp(),
            "source": source,
            "label": label,
        }

    def _sampled(self, row: tuple[Any, ...], positive: int) -> list[dict[str, Any]]:
        """Negatives for a positive: distinct catalogue dishes other than it, seeded."""
        candidates = len(self.pool) - 1
        wanted = min(self.negatives, candidates)
        picked: set[int] = set()
        while len(picked) < wanted:
            dish_id = self.pool[self.rng.randrange(len(self.pool))]
            if dish_id != positive:
                picked.add(dish_id)
        return [self._example(row, d, SOURCE_SAMPLED, 0) for d in sorted(picked)]

    def _close_stale(self, now: datetime) -> Iterator[dict[str, Any]]:
        """Emit the examples of sessions idle for longer than the gap."""
        while self.sessions:
            key, session = next(iter(self.sessions.items()))
            if now - session.last_seen <= self.session_gap:
                return
            del self.sessions[key]
            yield from session.examples

    def event(self, row: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
        """Take one event; yield the examples that became final."""
        session_id, event_type, dish_id, value, occurred_at = (
            row[2],
            row[3],
            row[5],
            row[7],
            row[8],
        )
        yield from self._close_stale(occurred_at)
        if dish_id not in self.dishes:
            return
        in_split = (self.start is None or occurred_at >= self.start) and (
            self.end is None or occurred_at < self.end
        )
        session = None
        if session_id:
            session = self.sessions.pop(session_id, None) or _Session(last_seen=occurred_at)
            session.last_seen = occurred_at
            self.sessions[session_id] = session
        if event_type == EventType.IMPRESSION:
            if session is None:
                if in_split:
                    yield self._example(row, dish_id, SOURCE_IMPRESSION, 0)
                return
            # Impressions just outside the split are remembered, unemitted, so that an order
            # inside it is known to follow an impression.
            example = self._example(row, dish_id, SOURCE_IMPRESSION, 0)
            session.shown.setdefault(dish_id, []).append(example)
            if in_split:
                session.examples.append(example)
            return
        if event_type == EventType.ORDER:
            if session is not None:
                session.ordered.add(dish_id)
                shown = session.shown.get(dish_id)
                if shown:
                    shown[-1]["label"] = 1
                    return
            if in_split:
                yield self._example(row, dish_id, SOURCE_ORDER, 1)
                yield from self._sampled(row, dish_id)
            return
        # A rating.
        if (session is not None and dish_id in session.ordered) or not in_split:
            return
        positive = value is not None and value >= self.min_positive_rating
        yield self._example(row, dish_id, SOURCE_RATING, int(positive))
        if positive:
            yield from self._sampled(row, dish_id)

    def finish(self) -> Iterator[dict[str, Any]]:
        """Emit the examples of the sessions still open."""
        for session in self.sessions.values():
            yield from session.examples
        self.sessions.clear()
