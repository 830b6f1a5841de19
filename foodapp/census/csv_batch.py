"""Many people in one CSV: read and check the upload, write predictions back as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from foodapp.census.examples import FEATURES

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
OUTPUT_COLUMNS = ("probability_over_50k", "predicted_income")


class CsvBatchError(ValueError):
    """An upload that cannot be used; the message names the line and field."""


@dataclass(frozen=True)
class UploadedPeople:
    """The upload's columns, its rows as written, and the model instances parsed from them."""

    columns: list[str]
    rows: list[dict[str, str]]
    instances: list[dict[str, Any]]


def read_people(data: bytes, schema: dict[str, dict[str, Any]]) -> UploadedPeople:
    """Parse an uploaded CSV with a header row.

    Raises:
        CsvBatchError: too large, not UTF-8, a missing column, a bad number or no rows.
    """
    if len(data) > MAX_BYTES:
        raise CsvBatchError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvBatchError("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=False)
    columns = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in FEATURES if name not in columns]
    if missing:
        raise CsvBatchError(f"line 1: missing column(s) {', '.join(missing)}")
    reader.fieldnames = columns
    rows: list[dict[str, str]] = []
    people: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if len(people) >= MAX_ROWS:
            raise CsvBatchError(f"more than {MAX_ROWS} rows; split the file")
        person: dict[str, Any] = dict(row)
        for name in FEATURES:
            value = row.get(name)
            if value is None or value.strip() == "":
                raise CsvBatchError(f"line {line}, field {name}: empty")
            if schema.get(name, {}).get("dtype") == "float":
                try:
                    person[name] = float(value)
                except ValueError:
                    raise CsvBatchError(
                        f"line {line}, field {name}: expected a number, got {value!r}"
                    ) from None
        rows.append(row)
        people.append(person)
    if not people:
        raise CsvBatchError("the file has a header but no rows")
    return UploadedPeople(columns=columns, rows=rows, instances=people)


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
