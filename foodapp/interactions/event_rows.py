"""Fast multi-row INSERT of event rows: executemany on SQLite, execute_values on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from foodapp.interactions.models import Event

EVENT_COLUMNS = (
    "user_id",
    "session_id",
    "event_type",
    "query",
    "normalized_query_id",
    "dish_id",
    "position",
    "model_version",
    "ranker",
    "value",
    "occurred_at",
    "hour",
    "weekday",
    "device",
    "external_id",
)


def event_rows_insert(*, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows (values in EVENT_COLUMNS order, occurred_at already adapted) in one go."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(Event._meta.db_table)
    columns = ", ".join(quote(name) for name in EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(
                cursor.cursor,
                f"INSERT INTO {table} ({columns}) VALUES %s",
                rows,
                page_size=len(rows),
            )
        else:
            placeholders = ", ".join(["%s"] * len(EVENT_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
