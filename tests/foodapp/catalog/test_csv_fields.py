from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from foodapp.catalog.csv_fields import (
    ERROR_BOOLEAN,
    ERROR_REQUIRED,
    ERROR_TIMESTAMP,
    FieldError,
    optional_bool,
    optional_decimal,
    optional_float,
    optional_int,
    optional_list,
    optional_timestamp,
    required_text,
)


def test_required_text_names_the_missing_column():
    with pytest.raises(FieldError) as raised:
        required_text({"name": "  "}, "name")
    assert (raised.value.field, raised.value.message) == ("name", ERROR_REQUIRED)
    assert required_text({"name": " Soup "}, "name") == "Soup"


def test_numbers_reject_text_and_non_finite_values():
    assert optional_decimal({"price": "3.5"}, "price") == Decimal("3.5")
    assert optional_decimal({"price": ""}, "price") is None
    for bad in ("abc", "NaN", "inf"):
        with pytest.raises(FieldError, match="price"):
            optional_decimal({"price": bad}, "price")
        with pytest.raises(FieldError, match="value"):
            optional_float({"value": bad}, "value")
    with pytest.raises(FieldError, match="between 0 and 3"):
        optional_int({"spice_level": "4"}, "spice_level", low=0, high=3)


def test_booleans_and_lists():
    assert optional_bool({"vegan": "TRUE"}, "vegan") is True
    assert optional_bool({"vegan": "no"}, "vegan") is False
    assert optional_bool({}, "vegan") is None
    with pytest.raises(FieldError) as raised:
        optional_bool({"vegan": "maybe"}, "vegan")
    assert raised.value.message == ERROR_BOOLEAN.format(value="maybe")
    assert optional_list({"tags": "a| b ||c"}, "tags") == ("a", "b", "c")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02 03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("1767323045", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_timestamps_iso_or_unix_seconds(text, expected):
    assert optional_timestamp({"timestamp": text}, "timestamp") == expected


def test_bad_timestamp_names_the_field():
    with pytest.raises(FieldError) as raised:
        optional_timestamp({"timestamp": "tuesday"}, "timestamp")
    assert raised.value.message == ERROR_TIMESTAMP.format(value="tuesday")
