"""The catalogue as the simulator sees it: plain dish records and their columns as numpy arrays."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from recommender.text_match import STOPWORDS, stem, stems, text_tokens

__all__ = ["STOPWORDS", "stem", "stems", "text_tokens"]

# Meal slots: what a dish is eaten as, which decides how its appeal moves with the hour of day.
MEAL_SLOTS = ("main", "breakfast", "coffee", "fast_food", "dessert")
SLOT_MAIN, SLOT_BREAKFAST, SLOT_COFFEE, SLOT_FAST_FOOD, SLOT_DESSERT = range(len(MEAL_SLOTS))
COFFEE_WORDS = frozenset({"coffee", "latte", "espresso", "cappuccino", "macchiato", "mocha"})
FAST_FOOD_WORDS = frozenset({"fast", "burger", "fries", "hotdog", "nuggets"})


@dataclass(frozen=True)
class SimDish:
    """One dish of the catalogue, with the attributes the hidden truth depends on."""

    dish_id: int
    name: str
    cuisine: str
    course: str
    tags: tuple[str, ...] = ()
    ingredients: tuple[str, ...] = ()
    price: float = 10.0
    spice_level: int = 0
    is_vegetarian: bool = False
    is_vegan: bool = False
    is_gluten_free: bool = False


def meal_slot(dish: SimDish) -> int:
    """The meal slot of a dish, from its course and tags."""
    words = set(text_tokens(" ".join((dish.course, *dish.tags, dish.name))))
    course = dish.course.lower()
    if "breakfast" in course or "brunch" in course or "breakfast" in words:
        return SLOT_BREAKFAST
    if words & COFFEE_WORDS or "coffee" in course:
        return SLOT_COFFEE
    if "fast food" in " ".join(dish.tags).lower() or words & FAST_FOOD_WORDS:
        return SLOT_FAST_FOOD
    if "dessert" in course or "dessert" in words or "sweet" in course:
        return SLOT_DESSERT
    return SLOT_MAIN


@dataclass
class DishTable:
    """Column view of a catalogue: one numpy array per attribute, indexed by dish position."""

    dishes: tuple[SimDish, ...]
    cuisines: tuple[str, ...]
    ingredients: tuple[str, ...]
    ids: np.ndarray = field(repr=False)
    cuisine_index: np.ndarray = field(repr=False)
    slot: np.ndarray = field(repr=False)
    log_price: np.ndarray = field(repr=False)
    spice: np.ndarray = field(repr=False)
    vegetarian: np.ndarray = field(repr=False)
    vegan: np.ndarray = field(repr=False)
    gluten_free: np.ndarray = field(repr=False)
    ingredient_matrix: np.ndarray = field(repr=False)
    tokens: tuple[frozenset[str], ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.dishes)

    def name_stems(self, position: int) -> frozenset[str]:
        """The stemmed name words of the dish at `position`."""
        return frozenset(stem(t) for t in self.tokens[position])


def dish_table_build(*, dishes: Sequence[SimDish]) -> DishTable:
    """Build the column view of a catalogue.

    Args:
        dishes: The catalogue, in a stable order (the order fixes every seeded draw).

    Returns:
        A DishTable whose arrays are aligned with `dishes`.

    Raises:
        ValueError: when the catalogue is empty or dish ids repeat.
    """
    if not dishes:
        raise ValueError("The catalogue is empty: load dishes before simulating.")
    ids = np.array([d.dish_id for d in dishes], dtype=np.int64)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("Dish ids must be unique.")
    cuisines = tuple(sorted({d.cuisine for d in dishes}))
    ingredients = tuple(sorted({i for d in dishes for i in d.ingredients}))
    cuisine_pos = {c: i for i, c in enumerate(cuisines)}
    ingredient_pos = {name: i for i, name in enumerate(ingredients)}
    ingredient_matrix = np.zeros((len(dishes), len(ingredients)), dtype=np.float32)
    for row, dish in enumerate(dishes):
        for name in dish.ingredients:
            ingredient_matrix[row, ingredient_pos[name]] = 1.0
    return DishTable(
        dishes=tuple(dishes),
        cuisines=cuisines,
        ingredients=ingredients,
        ids=ids,
        cuisine_index=np.array([cuisine_pos[d.cuisine] for d in dishes], dtype=np.int64),
        slot=np.array([meal_slot(d) for d in dishes], dtype=np.int64),
        log_price=np.array([math.log(max(d.price, 0.5)) for d in dishes], dtype=np.float64),
        spice=np.array([d.spice_level for d in dishes], dtype=np.float64),
        vegetarian=np.array([d.is_vegetarian or d.is_vegan for d in dishes], dtype=bool),
        vegan=np.array([d.is_vegan for d in dishes], dtype=bool),
        gluten_free=np.array([d.is_gluten_free for d in dishes], dtype=bool),
        ingredient_matrix=ingredient_matrix,
        tokens=tuple(frozenset(text_tokens(d.name)) for d in dishes),
    )
