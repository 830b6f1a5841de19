"""Parsers for CSV cells that raise FieldError naming the column (Django-free)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

ERROR_REQUIRED = "is required"
ERROR_NUMBER = "{value!r} is not a number"
ERROR_INTEGER = "{value!r} is not a whole number"
ERROR_RANGE = "{value} is not between {low} and {high}"
ERROR_BOOLEAN = "{value!r} is not a boolean (true/false, yes/no, 1/0)"
ERROR_CHOICE = "{value!r} is not one of: {choices}"
ERROR_TIMESTAMP = "{value!r} is not an ISO 8601 date-time or Unix seconds"

LIST_SEPARATOR = "|"
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0"})


class FieldError(ValueError):
    """A bad cell; `field` names the column."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def cell(row: Mapping[str, str | None], field: str) -> str:
    """The stripped text of a cell; "" when the column or the cell is missing."""
    return (row.get(field) or "").strip()


def required_text(row: Mapping[str, str | None], field: str) -> str:
    """A non-empty cell."""
    value = cell(row, field)
    if not value:
        raise FieldError(field, ERROR_REQUIRED)
    return value


def optional_decimal(row: Mapping[str, str | None], field: str) -> Decimal | None:
    """A decimal number, or None for an empty cell."""
    value = cell(row, field)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FieldError(field, ERROR_NUMBER.format(value=value)) from None
    if not number.is_finite():
        raise FieldError(field, ERROR_NUMBER.format(value=value))
    return number


def optional_float(row: Mapping[str, str | None], field: str) -> float | None:
    """A finite float, or None for an empty cell."""
    value = cell(row, field)
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise FieldError(field, ERROR_NUMBER.format(value=value)) from None
    if not math.isfinite(number):
        raise FieldError(field, ERROR_NUMBER.format(value=value))
    return number


def optional_int(row: Mapping[str, str | None], field: str, *, low: int, high: int) -> int | None:
    """A whole number within [low, high], or None for an empty cell."""
    value = cell(row, field)
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise FieldError(field, ERROR_INTEGER.format(value=value)) from None
    if not low <= number <= high:
        raise FieldError(field, ERROR_RANGE.format(value=number, low=low, high=high))
    return number


def optional_bool(row: Mapping[str, str | None], field: str) -> bool | None:
    """true/false (also yes/no, 1/0, t/f), or None for an empty cell."""
    value = cell(row, field).lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise FieldError(field, ERROR_BOOLEAN.format(value=cell(row, field)))


def optional_list(row: Mapping[str, str | None], field: str) -> tuple[str, ...] | None:
    """A `|`-separated list without empty items, or None for an empty cell."""
    value = cell(row, field)
    if not value:
        return None
    return tuple(item.strip() for item in value.split(LIST_SEPARATOR) if item.strip())


def optional_choice(
    row: Mapping[str, str | None], field: str, choices: tuple[str, ...]
) -> str | None:
    """One of `choices` (case-insensitive), or None for an empty cell."""
    value = cell(row, field).lower()
    if not value:
        return None
    if value not in choices:
        raise FieldError(
            field, ERROR_CHOICE.format(value=cell(row, field), choices=", ".join(choices))
        )
    return value


def optional_timestamp(row: Mapping[str, str | None], field: str) -> datetime | None:
    """An aware datetime from ISO 8601 (naive means UTC) or Unix seconds; None when empty."""
    value = cell(row, field)
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise FieldError(field, ERROR_TIMESTAMP.format(value=value)) from None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FieldError(field, ERROR_TIMESTAMP.format(value=value)) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
