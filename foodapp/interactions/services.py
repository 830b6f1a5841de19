"""Writes to the interaction log: bulk and single events, search-query counts, dish counters."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import compress, islice, repeat
from operator import eq, is_, is_not, itemgetter
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from foodapp.catalog.models import Dish
from foodapp.interactions.event_rows import event_rows_insert, rows_update_from_values
from foodapp.interactions.models import Event, EventType, SearchQuery
from foodapp.interactions.query_text import normalize_query
from foodapp.recommendations.cache import suggestions_drop_for_people

EVENT_TYPES = frozenset(EventType.values)
EVENTS_NEEDING_DISH = frozenset(
    {EventType.IMPRESSION, EventType.CLICK, EventType.ORDER, EventType.RATING, EventType.DISMISS}
)
# Events after which a person's cached suggestions are stale (recommendations/cache.py).
EVENTS_CHANGING_SUGGESTIONS = frozenset({EventType.ORDER, EventType.DISMISS})

ERROR_EVENT_TYPE = "event_type {value!r} is not one of: " + ", ".join(sorted(EventType.values))
ERROR_NAIVE_TIME = "occurred_at must be timezone-aware, got {value!r}."
ERROR_DISH_REQUIRED = "a {event_type} event needs a dish_id."
ERROR_RATING_VALUE = "a rating event needs a numeric value."
ERROR_POSITION = "position must be >= 0, got {value!r}."
ERROR_EXTERNAL_ID_REQUIRED = "events_upsert_bulk needs an external_id on every event."
ERROR_UNKNOWN_REFERENCE = "a user_id or dish_id in this batch does not exist ({detail})."
ERROR_UNKNOWN_USER = "user_id {value} does not exist."
ERROR_UNKNOWN_DISH = "dish_id {value} does not exist."

# Keep IN (...) lists and CASE expressions well under SQLite's 999-parameter limit.
_CHUNK = 300


class EventValidationError(ValueError):
    """An event that cannot be written; the message names the field."""


class EventInput(NamedTuple):
    """One event to record; hour, weekday and the normalised query are derived.

    A named tuple rather than a dataclass: the simulator builds millions of them, a tuple is
    built several times faster, and a batch of them turns into columns with one zip(*batch).
    A user_id of None is a guest (their visit told apart by session_id).
    """

    user_id: int | None
    event_type: str
    occurred_at: datetime
    dish_id: int | None = None
    session_id: str = ""
    query: str = ""
    position: int | None = None
    model_version: str | None = None
    ranker: str | None = None
    value: float | None = None
    device: str = ""
    external_id: str | None = None


def _batches(items: Iterable[EventInput], size: int) -> Iterator[list[EventInput]]:
    """Yield lists of at most `size` items."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    """Yield consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def event_validate(event: EventInput) -> None:
    """Raise EventValidationError naming the first bad field of `event`."""
    if event.event_type not in EVENT_TYPES:
        raise EventValidationError(ERROR_EVENT_TYPE.format(value=event.event_type))
    if event.occurred_at.tzinfo is None or event.occurred_at.utcoffset() is None:
        raise EventValidationError(ERROR_NAIVE_TIME.format(value=event.occurred_at))
    if event.dish_id is None and event.event_type in EVENTS_NEEDING_DISH:
        raise EventValidationError(ERROR_DISH_REQUIRED.format(event_type=event.event_type))
    if event.event_type == EventType.RATING and event.value is None:
        raise EventValidationError(ERROR_RATING_VALUE)
    if event.position is not None and event.position < 0:
        raise EventValidationError(ERROR_POSITION.format(value=event.position))


def _aware(moment: datetime) -> bool:
    """Whether `moment` carries a usable time zone."""
    return moment.tzinfo is not None and moment.utcoffset() is not None


def events_validate(batch: Sequence[EventInput]) -> None:
    """Raise EventValidationError for the first bad event of `batch`, naming its bad field.

    The whole batch is checked column by column first (set and map work in C, several times
    faster than one call per event); only a batch that fails goes through event_validate one
    event at a time, so the error is the same as if each event had been checked in order.
    """
    if not batch:
        return
    columns = dict(zip(EventInput._fields, zip(*batch, strict=True), strict=True))
    kinds, dishes, values = columns["event_type"], columns["dish_id"], columns["value"]
    times, positions = columns["occurred_at"], columns["position"]
    without_dish = set(compress(kinds, map(is_, dishes, repeat(None))))
    valid = (
        EVENT_TYPES.issuperset(kinds)
        and all(map(_aware, set(times)))
        and without_dish.isdisjoint(EVENTS_NEEDING_DISH)
        and None not in compress(values, map(eq, kinds, repeat(EventType.RATING)))
        and min(filter(partial(is_not, None), positions), default=0) >= 0
    )
    if not valid:
        for event in batch:
            event_validate(event)


def _references_check(batch: Sequence[EventInput]) -> None:
    """Raise EventValidationError for the first user_id or dish_id of the batch that is unknown."""
    user_ids = sorted({event.user_id for event in batch if event.user_id is not None})
    dish_ids = sorted({event.dish_id for event in batch if event.dish_id is not None})
    user_model = get_user_model()
    for ids, model, message in (
        (user_ids, user_model, ERROR_UNKNOWN_USER),
        (dish_ids, Dish, ERROR_UNKNOWN_DISH),
    ):
        for chunk in _chunks(ids, 900):
            found = set(model.objects.filter(pk__in=chunk).values_list("pk", flat=True))
            if len(found) != len(chunk):
                missing = next(value for value in chunk if value not in found)
                raise EventValidationError(message.format(value=missing))


def _normalized_queries(batch: Sequence[EventInput]) -> dict[str, str]:
    """Map each distinct raw query of the batch to its normalised text."""
    return {raw: normalize_query(raw) for raw in {event.query for event in batch if event.query}}


def _search_queries_touch(
    batch: Sequence[EventInput], normalized: dict[str, str]
) -> dict[str, int]:
    """Create missing SearchQuery rows, add this batch's search counts; return text -> id."""
    searches: Counter[str] = Counter()
    last_seen: dict[str, datetime] = {}
    for event in batch:
        text = normalized.get(event.query) if event.query else None
        if not text:
            continue
        seen = last_seen.get(text)
        if seen is None or event.occurred_at > seen:
            last_seen[text] = event.occurred_at
        if event.event_type == EventType.SEARCH:
            searches[text] += 1
    if not last_seen:
        return {}
    texts = sorted(last_seen)
    ids: dict[str, int] = {}
    for chunk in _chunks(texts):
        ids.update(SearchQuery.objects.filter(text__in=chunk).values_list("text", "id"))
    missing = [text for text in texts if text not in ids]
    if missing:
        SearchQuery.objects.bulk_create(
            [SearchQuery(text=text, count=0, last_seen=last_seen[text]) for text in missing],
            ignore_conflicts=True,
        )
        for chunk in _chunks(missing):
            ids.update(SearchQuery.objects.filter(text__in=chunk).values_list("text", "id"))
    adapt = connection.ops.adapt_datetimefield_value
    rows_update_from_values(
        table=SearchQuery._meta.db_table,
        columns=("query_id", "searches", "seen"),
        # last_seen only moves forward.
        assignments=(
            "count = count + d.searches, last_seen = CASE WHEN last_seen IS NULL "
            "OR last_seen < d.seen THEN d.seen ELSE last_seen END"
        ),
        rows=[(ids[text], searches[text], adapt(last_seen[text])) for text in texts],
    )
    return ids


@dataclass
class _CounterDeltas:
    """Per-dish changes to order_count, rating_count and the sum of ratings."""

    orders: Counter[int] = field(default_factory=Counter)
    ratings: Counter[int] = field(default_factory=Counter)
    rating_total: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))

    def add_events(self, events: Iterable[EventInput]) -> None:
        """Count new events: orders, and ratings with their value."""
        for event in events:
            if event.dish_id is None:
                continue
            if event.event_type == EventType.ORDER:
                self.orders[event.dish_id] += 1
            elif event.event_type == EventType.RATING and event.value is not None:
                self.ratings[event.dish_id] += 1
                self.rating_total[event.dish_id] += float(event.value)

    def apply(self) -> None:
        """Write the changes to the dishes with one UPDATE ... FROM VALUES per 200 dishes."""
        touched = sorted(set(self.orders) | set(self.ratings) | set(self.rating_total))
        if not touched:
            return
        rows_update_from_values(
            table=Dish._meta.db_table,
            columns=("dish_id", "orders", "ratings", "rating_total"),
            # Every right-hand side reads the old row, so the average uses the old count.
            assignments=(
                "order_count = order_count + d.orders, "
                "rating_count = rating_count + d.ratings, "
                "rating_average = CASE WHEN rating_count + d.ratings = 0 THEN rating_average "
                "ELSE (rating_average * rating_count + d.rating_total) "
                "/ (rating_count + d.ratings) END"
            ),
            rows=[
                (d, self.orders[d], self.ratings[d], float(self.rating_total.get(d, 0.0)))
                for d in touched
            ],
        )


def _dish_counters_add(batch: Sequence[EventInput]) -> None:
    """Add this batch's orders and ratings to the dish counters."""
    deltas = _CounterDeltas()
    deltas.add_events(batch)
    deltas.apply()


def dish_counters_refresh(*, dish_ids: Iterable[int]) -> None:
    """Recompute order_count, rating_count and rating_average of these dishes from the log."""
    ids = sorted(set(dish_ids))
    for chunk in _chunks(ids):
        stats = {
            row["dish_id"]: row
            for row in Event.objects.filter(
                dish_id__in=chunk, event_type__in=[EventType.ORDER, EventType.RATING]
            )
            .values("dish_id")
            .annotate(
                orders=Count("id", filter=Q(event_type=EventType.ORDER)),
                ratings=Count("id", filter=Q(event_type=EventType.RATING, value__isnull=False)),
                average=Avg("value", filter=Q(event_type=EventType.RATING)),
            )
        }
        dishes = list(Dish.objects.filter(id__in=chunk).only("id"))
        for dish in dishes:
            row: dict[str, Any] = dict(stats.get(dish.id, {}))
            dish.order_count = row.get("orders", 0)
            dish.rating_count = row.get("ratings", 0)
            dish.rating_average = float(row.get("average") or 0.0)
        Dish.objects.bulk_update(dishes, ["order_count", "rating_count", "rating_average"])


def _event_rows(
    batch: Sequence[EventInput], query_ids: dict[str, int], normalized: dict[str, str]
) -> list[tuple[Any, ...]]:
    """The INSERT values of the batch's events, in EVENT_COLUMNS order.

    Built column by column: each derived value (stored time, hour, weekday, query id) is
    computed once per distinct input and looked up with map, and zip puts the rows together.
    """
    if not batch:
        return []
    zone = timezone.get_current_timezone()
    on_sqlite = connection.vendor == "sqlite"
    (users, kinds, times, dishes, sessions, queries, positions, versions, rankers, values,
     devices, external_ids) = zip(*batch, strict=True)  # fmt: skip
    stored: dict[datetime, Any] = {}
    hours: dict[datetime, int] = {}
    weekdays: dict[datetime, int] = {}
    # Events of one page view share a timestamp: convert each distinct one once.
    for at in set(times):
        local = at.astimezone(zone)
        # SQLite: what Django's adapter stores (naive UTC text); PostgreSQL: COPY input.
        stored[at] = (
            at.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if on_sqlite else at.isoformat()
        )
        hours[at], weekdays[at] = local.hour, local.weekday()
    query_id_of: dict[str, int | None] = {
        raw: query_ids.get(text) for raw, text in normalized.items()
    }
    query_id_of[""] = None
    kept_query = {raw: raw[:255] for raw in query_id_of}
    rows = list(
        zip(
            users,
            sessions,
            kinds,
            map(kept_query.__getitem__, queries),
            map(query_id_of.__getitem__, queries),
            dishes,
            positions,
            versions,
            rankers,
            values,
            map(stored.__getitem__, times),
            map(hours.__getitem__, times),
            map(weekdays.__getitem__, times),
            devices,
            external_ids,
            strict=True,
        )
    )
    # Grouped by user (stable: a session keeps its order), the rows land in neighbouring pages
    # of the (user, time) index: about a tenth faster on SQLite. Guests' rows (None) go first.
    rows.sort(key=_guests_first if None in users else itemgetter(0))
    return rows


def _guests_first(row: tuple[Any, ...]) -> int:
    """The sort key of an event row by user, a guest's (no user) before everyone's."""
    user_id: int | None = row[0]
    return -1 if user_id is None else user_id


def _commit_without_waiting_for_disk() -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL reaches the disk.

    A crash can then lose the last few batches of the log (never corrupt it): a fair trade
    for bulk event logs, and it roughly halves the time of a batch. Only for the current
    transaction, and only when it is the outermost one (inside someone else's transaction
    the setting would leak into their commit).
    """
    if connection.vendor == "postgresql" and len(connection.savepoint_ids) == 0:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _write_batch(batch: Sequence[EventInput]) -> None:
    """Insert one validated batch atomically: queries, events, then dish counters."""
    try:
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            _references_check(batch)
            normalized = _normalized_queries(batch)
            query_ids = _search_queries_touch(batch, normalized)
            event_rows_insert(rows=_event_rows(batch, query_ids, normalized))
            _dish_counters_add(batch)
    except IntegrityError as error:
        raise EventValidationError(ERROR_UNKNOWN_REFERENCE.format(detail=error)) from error


def _suggestions_drop(batch: Sequence[EventInput]) -> None:
    """Drop the cached suggestions of people the batch changes: at once, so that the writer's
    own next read inside this transaction misses, and again once it commits, so that a list
    another request computed before the commit is not kept either."""
    people = {
        e.user_id
        for e in batch
        if e.event_type in EVENTS_CHANGING_SUGGESTIONS and e.user_id is not None
    }
    if people:
        suggestions_drop_for_people(user_ids=people)
        transaction.on_commit(partial(suggestions_drop_for_people, user_ids=people))


def events_record_bulk(*, events: Iterable[EventInput], batch_size: int = 5000) -> int:
    """Append events to the log in batches, each batch in its own transaction.

    Every event of a batch is validated before anything of that batch is written, so a bad
    event leaves its batch unwritten (earlier batches stay written). Derives hour and weekday,
    counts searches per normalised query and adds orders and ratings to the dish counters.

    Args:
        events: the events, any iterable (consumed lazily, `batch_size` at a time).
        batch_size: events per INSERT and per transaction.

    Returns:
        The number of events written.

    Raises:
        EventValidationError: naming the bad field, or an unknown user/dish id.
    """
    written = 0
    for batch in _batches(events, batch_size):
        events_validate(batch)
        _write_batch(batch)
        _suggestions_drop(batch)
        written += len(batch)
    return written


def event_record(
    *,
    user_id: int | None,
    event_type: str,
    occurred_at: datetime | None = None,
    dish_id: int | None = None,
    session_id: str = "",
    query: str = "",
    position: int | None = None,
    model_version: str | None = None,
    ranker: str | None = None,
    value: float | None = None,
    device: str = "",
) -> Event:
    """Record one event (now, unless `occurred_at` is given) with the same rules as the bulk path.

    A user_id of None records a guest's event (give it the visit's session_id).

    Returns:
        The saved Event.

    Raises:
        EventValidationError: naming the bad field.
    """
    event = EventInput(
        user_id=user_id,
        event_type=event_type,
        occurred_at=occurred_at or timezone.now(),
        dish_id=dish_id,
        session_id=session_id,
        query=query,
        position=position,
        model_version=model_version,
        ranker=ranker,
        value=value,
        device=device,
    )
    event_validate(event)
    try:
        with transaction.atomic():
            _references_check([event])
            query_ids = _search_queries_touch([event], _normalized_queries([event]))
            local = timezone.localtime(event.occurred_at)
            text = normalize_query(query) if query else ""
            saved = Event.objects.create(
                user_id=user_id,
                event_type=event_type,
                occurred_at=event.occurred_at,
                hour=local.hour,
                weekday=local.weekday(),
                dish_id=dish_id,
                session_id=session_id,
                query=query[:255],
                normalized_query_id=query_ids.get(text) if text else None,
                position=position,
                model_version=model_version,
                ranker=ranker,
                value=value,
                device=device,
            )
            _dish_counters_add([event])
    except IntegrityError as error:
        raise EventValidationError(ERROR_UNKNOWN_REFERENCE.format(detail=error)) from error
    _suggestions_drop([event])
    return saved


def events_upsert_bulk(*, events: Iterable[EventInput], batch_size: int = 5000) -> int:
    """Insert or update imported events keyed by external_id; re-importing never duplicates.

    The key of an imported event covers who, what, which dish and when, so a re-imported
    event only takes the new value; the dish counters change by exactly the difference, so
    they stay right however often a file is imported.

    Args:
        events: events that all carry an external_id (a later duplicate in a batch wins).
        batch_size: events per statement and per transaction.

    Returns:
        The number of events written (inserted or updated).

    Raises:
        EventValidationError: naming the bad field, or an unknown user/dish id.
    """
    written = 0
    for batch in _batches(events, batch_size):
        events_validate(batch)
        for event in batch:
            if not event.external_id:
                raise EventValidationError(ERROR_EXTERNAL_ID_REQUIRED)
        latest = list({str(event.external_id): event for event in batch}.values())
        try:
            with transaction.atomic():
                _references_check(latest)
                _events_upsert(latest)
        except IntegrityError as error:
            raise EventValidationError(ERROR_UNKNOWN_REFERENCE.format(detail=error)) from error
        _suggestions_drop(latest)
        written += len(latest)
    return written


def _events_upsert(batch: Sequence[EventInput]) -> None:
    """Insert the new events, update the value of the known ones, adjust the counters."""
    old: dict[str, tuple[int, str, int | None, float | None]] = {}
    keys = [str(event.external_id) for event in batch]
    for chunk in _chunks(keys, 900):
        rows = Event.objects.filter(external_id__in=chunk).values_list(
            "external_id", "id", "event_type", "dish_id", "value"
        )
        old.update((str(key), (pk, kind, dish, value)) for key, pk, kind, dish, value in rows)
    new = [event for event in batch if event.external_id not in old]
    deltas = _CounterDeltas()
    deltas.add_events(new)
    changed = []
    for event in batch:
        if event.external_id not in old:
            continue
        pk, kind, dish_id, value = old[str(event.external_id)]
        if event.value == value:
            continue
        changed.append((pk, event.value))
        if kind == EventType.RATING and dish_id is not None:
            before, after = value is not None, event.value is not None
            deltas.ratings[dish_id] += int(after) - int(before)
            deltas.rating_total[dish_id] += (event.value or 0.0) - (value or 0.0)
    if new:
        normalized = _normalized_queries(new)
        query_ids = _search_queries_touch(new, normalized)
        event_rows_insert(rows=_event_rows(new, query_ids, normalized))
    rows_update_from_values(
        table=Event._meta.db_table,
        columns=("event_id", "new_value"),
        assignments="value = CAST(d.new_value AS double precision)",
        rows=changed,
    )
    deltas.apply()
