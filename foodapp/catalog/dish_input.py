"""The validated description of one dish to create or update (Django-free)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DishInput:
    """A dish as an import or a caller describes it.

    None means "not given": a new dish takes the model default, an existing one keeps its value.
    """

    external_id: str
    name: str
    cuisine: str | None = None
    course: str | None = None
    tags: tuple[str, ...] | None = None
    ingredients: tuple[str, ...] | None = None
    price: Decimal | None = None
    description: str | None = None
    spice_level: int | None = None
    is_vegetarian: bool | None = None
    is_vegan: bool | None = None
    is_gluten_free: bool | None = None
    latitude: float | None = None
    longitude: float | None = None
