"""Training examples streamed from the interaction log, split by time.

An example is one dish in front of one person at one moment, labelled 1 when they ordered it
(fields: recommender.datasets.food.EXAMPLE_FIELDS):

- every impression becomes an example, labelled 1 when the same session ordered that dish
  after it was shown (sessions are read in time order and closed after `session_gap` without
  events, so only open sessions are held in memory); ordering it again adds nothing;
- an order with no impression of its dish in the session (imported order histories) becomes a
  positive example of its own, with `negatives_per_positive` dishes sampled from the catalogue
  (seeded);
- a rating labels the person's latest order of that dish in the `rating_window` before it and
  never adds an example of its own (the first rating of an order decides, later ones add
  nothing): below `min_positive_rating` that order's example becomes a negative, otherwise it
  stays positive. A low-rated order is turned into a negative rather than dropped: the person
  saw the dish, chose it and regretted it, which is exactly what the app should learn not to
  recommend (we want dishes people are glad they ordered); dropping it would hide the regret and
  leave the context looking as if nothing had been shown. The order's sampled negatives go with
  its positive label, so a low-rated order adds one negative, not five;
- a rating with no earlier order of that dish by that person in the window (rating-only
  histories such as the UCI restaurant data) is an example of its own, positive when the value
  is at least `min_positive_rating`, with sampled negatives when positive.

So an order's example (its labelled impression or its own) is held until its rating arrived or
its `rating_window` has passed: memory holds the open sessions and the orders of the last
window, never more.

`RATING_WINDOW` is a week: simulated ratings come 0.5-24 h after the order, and an app asks for a
rating once the food has arrived, so a week catches late raters while keeping the hold small.

`MIN_POSITIVE_RATING` is 3.0, for 1-5 stars: 1 and 2 stars say "I regret it", 3 says "fine", and
an order that was fine is still a dish worth recommending. At 4.0 every 3-star order (8% of the
rated orders of 8,000 simulated sessions, whose ratings were 0/1/80/256/689 of 1-5 stars) would
turn negative while an unrated order of the same dish stays positive, and with the simulator's
0.7-star noise 3 versus 4 is close to a coin toss. Other scales pass their own threshold (UCI's
0-2: uci_files.UCI_MIN_POSITIVE_RATING).

The person's and the dish's history are as of the example's moment, strictly before it
(`user_recent_dishes`: distinct dishes ordered in the RECENT_DAYS before, newest first;
`dish_popularity`: orders in the POPULARITY_DAYS before), kept as windowed streaming state.
A split that starts later first reads only the orders of those windows before its start, so its
values equal a full read's (selectors.recent_dishes_by_user and dish_popularity_counts give the
same at serving time). With `item_prefix`, only that catalogue's orders count.

The split is by time: train before `validation_start`, validation before `test_start`, test
after; by default these cut-offs are the quantiles of the example events' times.
"""

from __future__ import annotations

import random
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Literal

from django.db.models import Q, QuerySet

from foodapp.catalog.models import Dish
from foodapp.interactions.example_features import dish_features_by_id, user_features_by_id
from foodapp.interactions.models import Event, EventType
from recommender.datasets.food import (
    LIST_JOIN,
    NO_POSITION,
    POPULARITY_DAYS,
    RECENT_DAYS,
    RECENT_LIMIT,
    SOURCE_IMPRESSION,
    SOURCE_ORDER,
    SOURCE_RATING,
    SOURCE_SAMPLED,
    example_home_distance,
)
from recommender.text_match import label_text, naive_match, name_overlap, stems

Split = Literal["train", "validation", "test"]
SPLITS: tuple[Split, ...] = ("train", "validation", "test")
EXAMPLE_EVENT_TYPES = (EventType.IMPRESSION, EventType.ORDER, EventType.RATING)
RATING_WINDOW = timedelta(days=7)
MIN_POSITIVE_RATING = 3.0
RECENT_WINDOW = timedelta(days=RECENT_DAYS)
POPULARITY_WINDOW = timedelta(days=POPULARITY_DAYS)
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
_ORDER_COLUMNS = ("user_id", "dish_id", "occurred_at")

Row = tuple[Any, ...]
Example = dict[str, Any]


@dataclass(frozen=True)
class SplitCutoffs:
    """Train is before validation_start, validation before test_start, test from test_start."""

    validation_start: datetime
    test_start: datetime


@dataclass
class _Session:
    last_seen: datetime
    # dish id -> (event id, example) of its impressions in order; the example is None for an
    # impression outside the split, remembered so that an order inside it knows it was shown.
    shown: dict[int, list[tuple[int, Example | None]]] = field(default_factory=dict)
    # Impressions an order has labelled: their example now belongs to that order.
    claimed: set[int] = field(default_factory=set)
    # The split's impression examples no order claimed, emitted when the session closes.
    examples: dict[int, Example] = field(default_factory=dict)


@dataclass
class _Order:
    """An order waiting for its rating, with the example it labels (None outside the split)."""

    key: tuple[int, int]
    occurred_at: datetime
    example: Example | None
    negatives: list[Example]
    rated: bool = False


class _OrderWindow:
    """Orders of the last `span` grouped by person or dish, oldest first (bounded by time)."""

    def __init__(self, span: timedelta) -> None:
        self.span = span
        self.times: deque[tuple[datetime, int]] = deque()
        self.by_key: dict[int, deque[tuple[datetime, int]]] = {}

    def add(self, key: int, when: datetime, dish_id: int) -> None:
        """Remember an order (events arrive in time order)."""
        self.times.append((when, key))
        entries = self.by_key.get(key)
        if entries is None:
            entries = self.by_key[key] = deque()
        entries.append((when, dish_id))

    def expire(self, now: datetime) -> None:
        """Forget the orders older than `span` before `now`."""
        oldest = now - self.span
        while self.times and self.times[0][0] < oldest:
            _, key = self.times.popleft()
            entries = self.by_key[key]
            entries.popleft()
            if not entries:
                del self.by_key[key]

    def newest_first(self, key: int, now: datetime) -> Iterator[int]:
        """Dish ids of the key's orders strictly before `now`, newest first."""
        for when, dish_id in reversed(self.by_key.get(key, ())):
            if when < now:
                yield dish_id

    def count(self, key: int, now: datetime) -> int:
        """Number of the key's orders strictly before `now`."""
        entries = self.by_key.get(key)
        if not entries:
            return 0
        count = len(entries)
        for when, _ in reversed(entries):
            if when < now:
                break
            count -= 1
        return count


def _example_events(
    item_prefix: str | None,
    exclude_item_prefix: str | None,
    data_from: datetime | None = None,
    data_until: datetime | None = None,
) -> QuerySet[Event]:
    """The events that can yield or label examples (those of the data window, when given):
    people's only, a guest's impressions and clicks teach nobody's preferences."""
    events = Event.objects.of_people().filter(
        event_type__in=EXAMPLE_EVENT_TYPES, dish__isnull=False
    )
    if data_from is not None:
        events = events.filter(occurred_at__gte=data_from)
    if data_until is not None:
        events = events.filter(occurred_at__lt=data_until)
    if item_prefix:
        events = events.filter(dish__external_id__startswith=item_prefix)
    if exclude_item_prefix:
        events = events.exclude(dish__external_id__startswith=exclude_item_prefix)
    return events


def training_split_cutoffs(
    *,
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
    item_prefix: str | None = None,
    exclude_item_prefix: str | None = None,
    data_from: datetime | None = None,
    data_until: datetime | None = None,
) -> SplitCutoffs | None:
    """The times that split the example events into train/validation/test by these fractions
    (of the events on dishes with `item_prefix`, without those with `exclude_item_prefix`, that
    occurred from `data_from` until before `data_until` when given).

    Returns:
        The cut-offs, or None when the log holds no example events.

    Raises:
        ValueError: when the fractions are negative or leave nothing for training.
    """
    if validation_fraction < 0 or test_fraction < 0 or validation_fraction + test_fraction >= 1:
        raise ValueError(ERROR_FRACTIONS)
    events = _example_events(item_prefix, exclude_item_prefix, data_from, data_until)
    events = events.order_by("occurred_at", "id")
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
    min_positive_rating: float = MIN_POSITIVE_RATING,
    rating_window: timedelta = RATING_WINDOW,
    session_gap: timedelta = timedelta(hours=2),
    item_prefix: str | None = None,
    exclude_item_prefix: str | None = None,
    seed: int = 0,
    chunk_size: int = 2000,
    data_from: datetime | None = None,
    data_until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream the examples of one time split of the log (recommender.datasets.food fields).

    Reads the log in (occurred_at, id) order with a server-side cursor on PostgreSQL, in chunks
    of `chunk_size`; memory holds the catalogue's dish features, a cache of user features, the
    sessions still open and the orders of the last windows, never the whole log.

    Args:
        split: "train", "validation" or "test".
        cutoffs: explicit split times; default: quantiles by the fractions below.
        validation_fraction: share of example events in validation (when cutoffs is None).
        test_fraction: share of example events in test (when cutoffs is None).
        negatives_per_positive: dishes sampled as negatives for each positive that was not
            an impression (orders and ratings without one).
        min_positive_rating: a rating below this turns its order into a negative; a rating
            without an order is a positive from this value on. The default is for 1-5 stars.
        rating_window: how long after an order its rating may still come to label it.
        session_gap: a session with no event for this long is closed (its impressions final).
        item_prefix: only dishes whose external_id starts with this (e.g. "uci-"), for the
            events and for the sampled negatives.
        exclude_item_prefix: leave out the dishes whose external_id starts with this (e.g. an
            imported history evaluated on its own), from the events and the sampled negatives.
        seed: seeds the negative sampling; the same log and seed give the same examples.
        chunk_size: rows per database fetch.
        data_from: the data window's start: no example from an earlier event (earlier orders
            still make the windowed features: recent dishes, popularity).
        data_until: the window's end: no event from then on is read, not even as a label.

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
            exclude_item_prefix=exclude_item_prefix,
            data_from=data_from,
            data_until=data_until,
        )
        if cutoffs is None:
            return
    if cutoffs.validation_start > cutoffs.test_start:
        raise ValueError(ERROR_CUTOFFS)
    start, end = {
        "train": (data_from, cutoffs.validation_start),
        "validation": (cutoffs.validation_start, cutoffs.test_start),
        "test": (cutoffs.test_start, data_until),
    }[split]
    pool_query = Dish.objects.order_by("id")
    if item_prefix:
        pool_query = pool_query.filter(external_id__startswith=item_prefix)
    if exclude_item_prefix:
        pool_query = pool_query.exclude(external_id__startswith=exclude_item_prefix)
    pool = list(pool_query.values_list("id", flat=True))
    extractor = _Extractor(
        dishes=dish_features_by_id(dish_ids=pool),
        pool=pool,
        start=start,
        end=end,
        negatives=negatives_per_positive,
        min_positive_rating=min_positive_rating,
        rating_window=rating_window,
        session_gap=session_gap,
        rng=random.Random(seed),
    )
    events = _example_events(item_prefix, exclude_item_prefix, None, data_until)
    events = events.order_by("occurred_at", "id")
    # Read a session gap beyond both ends (and a rating window past the end, below): sessions
    # that straddle a cut-off are seen whole, so an order right after the start still finds its
    # impression and one right after the end still labels it. Only events inside the split
    # yield examples.
    if start is not None:
        read_from = start - session_gap
        # Before that, only the orders the windows need: the person's recent dishes, the
        # dishes' popularity and the orders a rating inside the split may refer to.
        history = max(RECENT_WINDOW, POPULARITY_WINDOW, rating_window)
        orders = events.filter(
            event_type=EventType.ORDER,
            occurred_at__gte=start - history,
            occurred_at__lt=read_from,
        )
        for user_id, dish_id, occurred_at in orders.values_list(*_ORDER_COLUMNS).iterator(
            chunk_size=chunk_size
        ):
            yield from extractor.order_before_split(user_id, dish_id, occurred_at)
        events = events.filter(occurred_at__gte=read_from)
    if end is not None:
        # Past the session gap only orders and ratings: a rating up to a rating window later
        # still labels an order of the split, and later orders are what later ratings refer to.
        events = events.filter(
            Q(occurred_at__lt=end + session_gap)
            | Q(
                event_type__in=(EventType.ORDER, EventType.RATING),
                occurred_at__lt=end + rating_window,
            )
        )
    rows = events.values_list(*_COLUMNS).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        extractor.users_prefetch({row[1] for row in chunk})
        for row in chunk:
            yield from extractor.event(row)
    yield from extractor.finish()


class _Extractor:
    """The streaming state: open sessions, held orders, order windows, caches and the sampler."""

    USER_CACHE_SIZE = 100_000
    QUERY_CACHE_SIZE = 100_000

    def __init__(
        self,
        *,
        dishes: dict[int, dict[str, Any]],
        pool: list[int],
        start: datetime | None,
        end: datetime | None,
        negatives: int,
        min_positive_rating: float,
        rating_window: timedelta,
        session_gap: timedelta,
        rng: random.Random,
    ) -> None:
        self.dishes = dishes
        self.pool = pool
        self.start = start
        self.end = end
        self.negatives = negatives
        self.min_positive_rating = min_positive_rating
        self.rating_window = rating_window
        self.session_gap = session_gap
        self.rng = rng
        self.users: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.sessions: OrderedDict[str, _Session] = OrderedDict()
        # Orders of the last rating window, oldest first, and each (person, dish)'s latest.
        self.orders: deque[_Order] = deque()
        self.latest_order: dict[tuple[int, int], _Order] = {}
        self.recent = _OrderWindow(RECENT_WINDOW)
        self.recent_memo: tuple[int | None, datetime | None, str] = (None, None, "")
        self.popularity = _OrderWindow(POPULARITY_WINDOW)
        self.query_stems: dict[str, frozenset[str]] = {}
        # Stems of every dish's name, labels (cuisine, course, tags) and ingredients, once.
        self.dish_text = {
            dish_id: (
                stems(values["dish_name"]),
                stems(
                    label_text(
                        values["dish_cuisine"],
                        values["dish_course"],
                        values["dish_tags"].split(LIST_JOIN),
                    )
                ),
                stems(" ".join(values["dish_ingredients"].split(LIST_JOIN))),
            )
            for dish_id, values in dishes.items()
        }

    def users_prefetch(self, user_ids: set[int]) -> None:
        """Load the features of the chunk's users not cached yet (bounded LRU cache)."""
        missing = [user_id for user_id in user_ids if user_id not in self.users]
        for user_id, values in user_features_by_id(user_ids=missing).items():
            self.users[user_id] = values
        for user_id in user_ids:
            self.users.move_to_end(user_id)
        while len(self.users) > max(self.USER_CACHE_SIZE, len(user_ids)):
            self.users.popitem(last=False)

    def _in_split(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )

    def _relevance(self, query: str, dish_id: int) -> tuple[float, float]:
        """text_match and name_overlap of the query against the dish (0 for no query)."""
        if not query:
            return 0.0, 0.0
        words = self.query_stems.get(query)
        if words is None:
            if len(self.query_stems) >= self.QUERY_CACHE_SIZE:
                self.query_stems.clear()
            words = self.query_stems[query] = stems(query)
        name, labels, ingredients = self.dish_text[dish_id]
        return (
            naive_match(words, name=name, labels=labels, ingredients=ingredients),
            name_overlap(words, name),
        )

    def _recent_dishes(self, user_id: int, moment: datetime) -> str:
        """The person's distinct recent dishes before the moment, newest first, joined."""
        # A slate's impressions share person and moment; later orders never change the value
        # for an earlier (or the same) moment, so the last answer stays right for that pair.
        if self.recent_memo[:2] == (user_id, moment):
            return self.recent_memo[2]
        recent: list[str] = []
        for dish_id in self.recent.newest_first(user_id, moment):
            text = str(dish_id)
            if text not in recent:
                recent.append(text)
                if len(recent) == RECENT_LIMIT:
                    break
        text = LIST_JOIN.join(recent)
        self.recent_memo = (user_id, moment, text)
        return text

    def _example(self, row: Row, dish_id: int, source: str, label: int) -> Example:
        """One example dict for `dish_id` in the context of event `row`."""
        (event_id, user_id, _, _, query, _, position, _, occurred_at, hour, weekday, device) = row
        query = query or ""
        text_match, overlap = self._relevance(query, dish_id)
        return {
            "user_id": str(user_id),
            **self.users[user_id],
            "user_recent_dishes": self._recent_dishes(user_id, occurred_at),
            "query": query,
            "query_text": query,
            **self.dishes[dish_id],
            "dish_popularity": float(self.popularity.count(dish_id, occurred_at)),
            "text_match": text_match,
            "name_overlap": overlap,
            "home_distance_km": example_home_distance(self.users[user_id], self.dishes[dish_id]),
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

    def _sampled(self, row: Row, positive: int) -> list[Example]:
        """Negatives for a positive: distinct catalogue dishes other than it, seeded."""
        candidates = len(self.pool) - 1
        wanted = min(self.negatives, candidates)
        picked: set[int] = set()
        while len(picked) < wanted:
            dish_id = self.pool[self.rng.randrange(len(self.pool))]
            if dish_id != positive:
                picked.add(dish_id)
        return [self._example(row, d, SOURCE_SAMPLED, 0) for d in sorted(picked)]

    def _release(self, order: _Order) -> Iterator[Example]:
        """Emit an order's example once its label is final, with its negatives if positive."""
        example, negatives = order.example, order.negatives
        order.example, order.negatives = None, []
        if example is None:
            return
        yield example
        if example["label"] == 1:
            yield from negatives

    def _advance(self, now: datetime) -> Iterator[Example]:
        """Move the clock: expire the windows, release orders past their rating window and
        emit the examples of sessions idle for longer than the gap."""
        self.recent.expire(now)
        self.popularity.expire(now)
        oldest = now - self.rating_window
        while self.orders and self.orders[0].occurred_at < oldest:
            order = self.orders.popleft()
            if self.latest_order.get(order.key) is order:
                del self.latest_order[order.key]
            yield from self._release(order)
        while self.sessions:
            key, session = next(iter(self.sessions.items()))
            if now - session.last_seen <= self.session_gap:
                return
            del self.sessions[key]
            yield from session.examples.values()

    def _order_count(self, user_id: int, dish_id: int, when: datetime) -> None:
        """Count an order in the windows (after its own examples: they see only earlier ones)."""
        self.recent.add(user_id, when, dish_id)
        self.popularity.add(dish_id, when, dish_id)

    def _order_hold(self, order: _Order) -> None:
        """Hold the order for its rating and count it in the windows."""
        self.orders.append(order)
        self.latest_order[order.key] = order
        self._order_count(*order.key, order.occurred_at)

    def order_before_split(
        self, user_id: int, dish_id: int, occurred_at: datetime
    ) -> Iterator[Example]:
        """Take an order from before the split's read window: state only, no example."""
        yield from self._advance(occurred_at)
        if dish_id in self.dishes:
            self._order_hold(_Order((user_id, dish_id), occurred_at, None, []))

    def event(self, row: Row) -> Iterator[Example]:
        """Take one event; yield the examples that became final."""
        event_id, session_id, event_type, dish_id, occurred_at = (
            row[0],
            row[2],
            row[3],
            row[5],
            row[8],
        )
        yield from self._advance(occurred_at)
        if dish_id not in self.dishes:
            return
        in_split = self._in_split(occurred_at)
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
            example = self._example(row, dish_id, SOURCE_IMPRESSION, 0) if in_split else None
            session.shown.setdefault(dish_id, []).append((event_id, example))
            if example is not None:
                session.examples[event_id] = example
            return
        if event_type == EventType.ORDER:
            self._order(row, session, in_split)
            return
        yield from self._rating(row, in_split)

    def _order(self, row: Row, session: _Session | None, in_split: bool) -> None:
        """Label the session's impression of the dish, or make the order's own example; hold
        either until its rating."""
        user_id, dish_id, occurred_at = row[1], row[5], row[8]
        key = (user_id, dish_id)
        shown = session.shown.get(dish_id) if session is not None else None
        if session is not None and shown:
            shown_id, example = shown[-1]
            if shown_id in session.claimed:
                # Ordered again after the same impression: counts in the windows, adds nothing.
                self._order_count(user_id, dish_id, occurred_at)
                return
            session.claimed.add(shown_id)
            if example is not None:
                del session.examples[shown_id]
                example["label"] = 1
            order = _Order(key, occurred_at, example, [])
        elif in_split:
            own = self._example(row, dish_id, SOURCE_ORDER, 1)
            order = _Order(key, occurred_at, own, self._sampled(row, dish_id))
        else:
            order = _Order(key, occurred_at, None, [])
        self._order_hold(order)

    def _rating(self, row: Row, in_split: bool) -> Iterator[Example]:
        """Label the rated order, or make a rating-only example (with negatives if positive)."""
        user_id, dish_id, value = row[1], row[5], row[7]
        order = self.latest_order.get((user_id, dish_id))
        if order is not None:
            if not order.rated:
                order.rated = True
                low = value is not None and value < self.min_positive_rating
                if low and order.example is not None:
                    order.example["label"] = 0
                yield from self._release(order)
            return
        if not in_split:
            return
        positive = value is not None and value >= self.min_positive_rating
        yield self._example(row, dish_id, SOURCE_RATING, int(positive))
        if positive:
            yield from self._sampled(row, dish_id)

    def finish(self) -> Iterator[Example]:
        """Emit the held orders (no rating came: they stay as they are) and open sessions."""
        while self.orders:
            yield from self._release(self.orders.popleft())
        self.latest_order.clear()
        for session in self.sessions.values():
            yield from session.examples.values()
        self.sessions.clear()
