"""The interaction CSV format and its row parser (Django-free).

Columns: user_id,item_id,event (required) and value,timestamp,query,session_id (optional).
event is one of EVENTS; item_id may be empty only for a search; a rating needs a value;
timestamp is ISO 8601 (naive means UTC) or Unix seconds, and an empty one means "when
imported". Each row gets a stable key from its identifying cells, so re-importing a file
updates the value of the same events instead of adding new ones.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from foodapp.catalog.csv_fields import (
    ERROR_CHOICE,
    FieldError,
    cell,
    optional_float,
    optional_timestamp,
    required_text,
)

INTERACTION_REQUIRED_COLUMNS = ("user_id", "item_id", "event")
INTERACTION_COLUMNS = (
    *INTERACTION_REQUIRED_COLUMNS,
    "value",
    "timestamp",
    "query",
    "session_id",
)
EVENTS = ("search", "impression", "click", "order", "rating")
ERROR_ITEM_FOR_EVENT = "is required for a {event} event"
ERROR_VALUE_FOR_RATING = "is required for a rating event"
ERROR_TOO_LONG = "is longer than {limit} characters"
IMPORT_KEY_PREFIX = "csv-"


@dataclass(frozen=True)
class InteractionRow:
    user_key: str
    item_key: str
    event_type: str
    value: float | None
    occurred_at: datetime | None
    query: str
    session_id: str
    key: str


def interaction_key(*parts: str) -> str:
    """A stable external id for an imported event from its identifying cells."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False)
    return IMPORT_KEY_PREFIX + digest.hexdigest()


def _limited(row: dict[str, str], field: str, limit: int) -> str:
    """The cell, or a FieldError when it is longer than `limit`."""
    value = cell(row, field)
    if len(value) > limit:
        raise FieldError(field, ERROR_TOO_LONG.format(limit=limit))
    return value


def interaction_row_parse(row: dict[str, str]) -> InteractionRow:
    """One CSV row -> InteractionRow, or FieldError naming the bad column."""
    user_key = required_text(row, "user_id")
    if len(user_key) > 100:
        raise FieldError("user_id", ERROR_TOO_LONG.format(limit=100))
    raw_event = required_text(row, "event")
    event = raw_event.lower()
    if event not in EVENTS:
        raise FieldError("event", ERROR_CHOICE.format(value=raw_event, choices=", ".join(EVENTS)))
    item_key = _limited(row, "item_id", 100)
    if not item_key and event != "search":
        raise FieldError("item_id", ERROR_ITEM_FOR_EVENT.format(event=event))
    value = optional_float(row, "value")
    if event == "rating" and value is None:
        raise FieldError("value", ERROR_VALUE_FOR_RATING)
    occurred_at = optional_timestamp(row, "timestamp")
    query = _limited(row, "query", 255)
    session_id = _limited(row, "session_id", 64)
    stamp = occurred_at.isoformat() if occurred_at else ""
    return InteractionRow(
        user_key=user_key,
        item_key=item_key,
        event_type=event,
        value=value,
        occurred_at=occurred_at,
        query=query,
        session_id=session_id,
        key=interaction_key(user_key, item_key, event, stamp, session_id, query),
    )
