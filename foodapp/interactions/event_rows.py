"""Fast multi-row writes of event rows: executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
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


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _CopyValues(dict[Any, str]):
    """One column's values in COPY text format, each converted once per batch."""

    def __missing__(self, value: Any) -> str:
        if value is None:
            text = "\\N"
        elif isinstance(value, str):
            text = value.translate(_COPY_ESCAPES)
        elif isinstance(value, datetime):
            text = value.isoformat()
        else:
            text = str(value)
        self[value] = text
        return text


def _copy_text(rows: Sequence[tuple[Any, ...]]) -> str:
    """The rows in PostgreSQL's COPY text format: tab-separated, \\N for NULL, one line each."""
    if not rows:
        return ""
    # Column by column, each with its own cache (1 and 1.0 are equal keys but not the same
    # text for an integer column); map/zip/join keep the per-value work in C.
    columns = [list(map(_CopyValues().__getitem__, column)) for column in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def event_rows_insert(*, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows (values in EVENT_COLUMNS order, occurred_at already adapted) in one go."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(Event._meta.db_table)
    columns = ", ".join(quote(name) for name in EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.cursor.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN", io.StringIO(_copy_text(rows))
            )
        else:
            placeholders = ", ".join(["%s"] * len(EVENT_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def rows_update_from_values(
    *, table: str, columns: Sequence[str], assignments: str, rows: Sequence[tuple[Any, ...]]
) -> None:
    """UPDATE `table` from a VALUES list joined on its id, in chunks of 200 rows.

    `columns` names the VALUES columns, the first being the target id; `assignments` is the SET
    clause, which reads them as d.<column> (e.g. "count = count + d.n").
    """
    quote = connection.ops.quote_name
    aliases = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate(columns))
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 200):
            chunk = rows[start : start + 200]
            values = ", ".join([row_sql] * len(chunk))
            cursor.execute(
                f"UPDATE {quote(table)} SET {assignments} "
                f"FROM (SELECT {aliases} FROM (VALUES {values}) AS v) AS d "
                f"WHERE {quote(table)}.id = d.{columns[0]}",
                [value for row in chunk for value in row],
            )
