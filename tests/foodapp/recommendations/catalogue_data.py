"""A tiny hand-made catalogue for the recommendation tests (no database needed)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from foodapp.recommendations.catalogue import Catalogue, catalogue_build

# id: (name, cuisine, course, tags, ingredients, price, spice, vegetarian, vegan, gluten_free)
DISHES: dict[int, tuple[Any, ...]] = {
    1: ("Chicken Fried Rice", "Chinese", "main", "rice|stir-fry", "chicken|egg|rice", 11.0, 1,
        0, 0, 1),
    2: ("Southern Fried Chicken", "American", "main", "southern", "chicken|flour", 13.0, 1, 0,
        0, 0),
    3: ("Chicken and Waffles", "American", "main", "fried|brunch", "chicken|flour|maple syrup",
        15.0, 0, 0, 0, 0),
    4: ("Margherita Pizza", "Italian", "main", "pizza", "basil|flour|mozzarella|tomato", 12.0, 0,
        1, 0, 0),
    5: ("Spaghetti Carbonara", "Italian", "main", "pasta", "egg|guanciale|pasta", 14.0, 0, 0, 0, 0),
    6: ("Shrimp Tempura", "Japanese", "starter", "fried|seafood", "flour|shrimp", 9.0, 0, 0, 0, 0),
    7: ("Grilled Salmon", "Seafood", "main", "seafood|grilled", "lemon|salmon", 18.0, 0, 0, 0, 1),
    8: ("Iced Decaf Latte with Nonfat Milk", "Cafe", "drink", "coffee|iced", "espresso|milk",
        4.5, 0, 1, 0, 1),
    9: ("Hot Latte with Whole Milk", "Cafe", "drink", "coffee", "espresso|milk", 4.0, 0, 1, 0, 1),
    10: ("Vegan Buddha Bowl", "Fusion", "main", "bowl|healthy", "chickpea|quinoa|tofu", 12.5, 1,
         1, 1, 1),
    11: ("Tiramisu", "Italian", "dessert", "cake", "coffee|mascarpone", 7.0, 0, 1, 0, 0),
    12: ("Pad Thai", "Thai", "main", "noodles|stir-fry", "egg|peanut|rice noodles|shrimp", 12.0,
         2, 0, 0, 1),
}  # fmt: skip
POPULARITY = {1: 40, 2: 30, 3: 5, 4: 50, 5: 20, 6: 8, 7: 12, 8: 3, 9: 25, 10: 6, 11: 15, 12: 35}


def dish_features(dish_id: int) -> dict[str, Any]:
    """The DISH_FIELDS values of one test dish."""
    name, cuisine, course, tags, ingredients, price, spice, veg, vegan, gf = DISHES[dish_id]
    return {
        "dish_id": str(dish_id),
        "dish_name": name,
        "dish_cuisine": cuisine,
        "dish_course": course,
        "dish_tags": tags,
        "dish_ingredients": ingredients,
        "dish_price": price,
        "dish_spice_level": spice,
        "dish_is_vegetarian": veg,
        "dish_is_vegan": vegan,
        "dish_is_gluten_free": gf,
        "dish_latitude": math.nan,
        "dish_longitude": math.nan,
    }


def make_catalogue(extra: dict[int, dict[str, Any]] | None = None) -> Catalogue:
    """The test catalogue (plus extra dishes, e.g. a new one nobody ordered)."""
    features = {d: dish_features(d) for d in DISHES}
    features.update(extra or {})
    return catalogue_build(
        features=features,
        popularity=POPULARITY,
        popularity_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
