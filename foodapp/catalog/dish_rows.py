"""The dish CSV format and its row parser (Django-free).

Columns: item_id,name (required) and cuisine,course,tags,ingredients,price,description,
spice_level,vegetarian,vegan,gluten_free (optional). tags and ingredients are `|`-separated,
booleans true/false, course one of COURSES. An empty or missing optional cell means "not
given": a new dish takes the default, an existing one keeps its value.
"""

from __future__ import annotations

from decimal import Decimal

from foodapp.catalog.csv_fields import (
    FieldError,
    cell,
    optional_bool,
    optional_choice,
    optional_decimal,
    optional_int,
    optional_list,
    required_text,
)
from foodapp.catalog.dish_input import DishInput

DISH_REQUIRED_COLUMNS = ("item_id", "name")
DISH_COLUMNS = (
    *DISH_REQUIRED_COLUMNS,
    "cuisine",
    "course",
    "tags",
    "ingredients",
    "price",
    "description",
    "spice_level",
    "vegetarian",
    "vegan",
    "gluten_free",
)
COURSES = ("starter", "main", "side", "dessert", "drink", "breakfast", "snack")
ERROR_NEGATIVE_PRICE = "{value} is negative"
ERROR_TOO_LONG = "is longer than {limit} characters"


def _limited(value: str, field: str, limit: int) -> str:
    """`value`, or a FieldError when it is longer than `limit`."""
    if len(value) > limit:
        raise FieldError(field, ERROR_TOO_LONG.format(limit=limit))
    return value


def dish_row_parse(row: dict[str, str]) -> DishInput:
    """One CSV row -> DishInput, or FieldError naming the bad column."""
    price = optional_decimal(row, "price")
    if price is not None and price < Decimal(0):
        raise FieldError("price", ERROR_NEGATIVE_PRICE.format(value=price))
    if price is not None and price >= Decimal("1000000"):
        raise FieldError("price", "is too large")
    return DishInput(
        external_id=_limited(required_text(row, "item_id"), "item_id", 100),
        name=_limited(required_text(row, "name"), "name", 200),
        cuisine=_limited(cell(row, "cuisine"), "cuisine", 100) or None,
        course=optional_choice(row, "course", COURSES),
        tags=optional_list(row, "tags"),
        ingredients=optional_list(row, "ingredients"),
        price=price.quantize(Decimal("0.01")) if price is not None else None,
        description=cell(row, "description") or None,
        spice_level=optional_int(row, "spice_level", low=0, high=3),
        is_vegetarian=optional_bool(row, "vegetarian"),
        is_vegan=optional_bool(row, "vegan"),
        is_gluten_free=optional_bool(row, "gluten_free"),
    )
