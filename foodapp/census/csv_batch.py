"""Many people in one CSV: read and check the upload, write predictions back as CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from foodapp.census.examples import FEATURES
from foodapp.serving.input_ranges import Ranges, is_outside, out_of_range_message

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
OUTPUT_COLUMNS = ("probability_over_50k", "predicted_income")


class CsvBatchError(ValueError):
    """An upload that cannot be used; the message names the line and field."""


def _overlong_field(line: str, limit: int) -> int | None:
    """The index of the first field of one CSV line longer than `limit` characters, if any."""
    index, length, quoted = 0, 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            index, length = index + 1, 0
        else:
            length += 1
            if length > limit:
                return index
    return None


def _checked(lines: Iterator[str], first: int, columns: list[str], limit: int) -> Iterator[str]:
    """The lines, numbered from `first`, refusing a record with a field over `limit` by name.

    The csv module would stop at such a field with an error that names neither line nor field.
    A record goes on over the next line while a quoted field is open.
    """
    pending: list[str] = []
    quotes = 0
    start = first
    for number, line in enumerate(lines, start=first):
        if not pending:
            start = number
        pending.append(line)
        quotes += line.count('"')
        if quotes % 2:
            continue
        record = line if len(pending) == 1 else "".join(pending)
        if len(record) > limit:
            index = _overlong_field(record, limit)
            if index is not None:
                field = columns[index] if index < len(columns) else ""
                where = f"line {start}, field {field}" if field else f"line {start}"
                raise CsvBatchError(f"{where}: longer than {limit:,} characters")
        yield from pending
        pending, quotes = [], 0
    yield from pending


@dataclass(frozen=True)
class UploadedPeople:
    """The upload's columns, its rows as written, and the model instances parsed from them."""

    columns: list[str]
    rows: list[dict[str, str]]
    instances: list[dict[str, Any]]


def read_people(
    data: bytes, schema: dict[str, dict[str, Any]], ranges: Ranges | None = None
) -> UploadedPeople:
    """Parse an uploaded CSV with a header row.

    Args:
        data: the uploaded file.
        schema: the served model's input schema (which inputs are numbers).
        ranges: the valid range of numeric inputs (input_ranges_get); outside is an error.

    Raises:
        CsvBatchError: too large, not UTF-8, a missing column, a field too long, a bad or
            out-of-range number, or no rows.
    """
    if len(data) > MAX_BYTES:
        raise CsvBatchError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvBatchError("the file is not UTF-8 text") from None
    limit = csv.field_size_limit()
    lines = io.StringIO(text)
    header = next(_checked(iter([lines.readline()]), 1, [], limit))
    columns = [name.strip() for name in next(csv.reader([header]), [])]
    missing = [name for name in FEATURES if name not in columns]
    if missing:
        raise CsvBatchError(f"line 1: missing column(s) {', '.join(missing)}")
    reader = csv.DictReader(_checked(lines, 2, columns, limit), fieldnames=columns)
    rows: list[dict[str, str]] = []
    people: list[dict[str, Any]] = []
    line = 1  # the last line read: rows are numbered as in the file, header included
    try:
        for row in reader:
            if len(people) >= MAX_ROWS:
                raise CsvBatchError(f"more than {MAX_ROWS} rows; split the file")
            people.append(_person(row, line + 1, schema, ranges or {}))
            rows.append(row)
            line = reader.line_num + 1
    except csv.Error as error:
        # A field over the limit that spans lines (quoted newlines), or a malformed line.
        raise CsvBatchError(f"line {line + 1}: {_csv_problem(error, limit)}") from None
    if not people:
        raise CsvBatchError("the file has a header but no rows")
    return UploadedPeople(columns=columns, rows=rows, instances=people)


def _csv_problem(error: csv.Error, limit: int) -> str:
    """The csv module's complaint in the words of this page."""
    if "field limit" in str(error):
        return f"a field is longer than {limit:,} characters"
    return str(error)


def _person(
    row: dict[str, str], line: int, schema: dict[str, dict[str, Any]], ranges: Ranges
) -> dict[str, Any]:
    """One row as a model instance, checked field by field."""
    person: dict[str, Any] = dict(row)
    for name in FEATURES:
        value = row.get(name)
        if value is None or value.strip() == "":
            raise CsvBatchError(f"line {line}, field {name}: empty")
        if schema.get(name, {}).get("dtype") == "float":
            where = f"line {line}, field {name}"
            number = person[name] = _number(value, where)
            bounds = ranges.get(name)
            if bounds is not None and is_outside(number, bounds):
                raise CsvBatchError(out_of_range_message(where, number, bounds))
    return person


def _number(value: str, where: str) -> float:
    """A finite number from a CSV field (nan, inf, Infinity and 1e999 are not)."""
    try:
        number = float(value)
    except ValueError:
        raise CsvBatchError(f"{where}: expected a number, got {value[:40]!r}") from None
    if not math.isfinite(number):
        raise CsvBatchError(f"{where}: expected a finite number, got {value.strip()[:40]!r}")
    return number


def write_predictions(people: UploadedPeople, predictions: Sequence[dict[str, Any]]) -> str:
    """The uploaded rows, as written, with the probability of >50K and the bracket appended."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*people.columns, *OUTPUT_COLUMNS])
    for row, prediction in zip(people.rows, predictions, strict=True):
        writer.writerow(
            [
                *(row.get(column, "") for column in people.columns),
                f"{prediction['logistic'][0]:.6f}",
                ">50K" if prediction["classes"] == 1 else "<=50K",
            ]
        )
    return out.getvalue()


def sample_csv(examples: Sequence[dict[str, Any]]) -> str:
    """A CSV with the header the upload expects, filled with the given example people."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FEATURES))
    writer.writeheader()
    for example in examples:
        writer.writerow({k: v.strip() if isinstance(v, str) else v for k, v in example.items()})
    return out.getvalue()
