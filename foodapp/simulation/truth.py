"""The hidden truth: how much a person wants a dish, for a query, at an hour, on a device.

The utility (a logit) mixes what the features explain (cuisine, spice, price, disliked
ingredients, meal slot against the hour and the person's habits, query relevance) with what only
memorisation can learn: a per-dish quality and a seeded set of (query, dish) pairs with a large
bonus, e.g. people who search "fried chicken" order "Chicken and Waffles". Diet is a hard rule:
a vegetarian never orders a dish with meat.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from foodapp.simulation.dishes import (
    MEAL_SLOTS,
    SLOT_BREAKFAST,
    SLOT_COFFEE,
    SLOT_DESSERT,
    SLOT_FAST_FOOD,
    SLOT_MAIN,
    DishTable,
)
from foodapp.simulation.queries import QueryCatalogue
from foodapp.simulation.taste import (
    DEVICE_POSITION_DECAY,
    DIET_GLUTEN_FREE,
    DIET_VEGAN,
    DIET_VEGETARIAN,
    Population,
)

# Pairs the story names, applied when both ends exist in the catalogue: (query, dish name words).
STORY_PAIRS = (("fried chicken", frozenset({"chicken", "waffle"})),)
PAIR_CANDIDATES = 8


@dataclass(frozen=True)
class TruthWeights:
    """Coefficients of the hidden utility, on the logit scale."""

    cuisine: float = 0.8
    spice_over_tolerance: float = 1.3
    price: float = 0.7
    disliked_ingredient: float = 1.8
    quality_scale: float = 0.5
    time_of_day: float = 1.0
    relevance: float = 3.5
    irrelevance: float = -2.5
    idiosyncratic_bonus: float = 3.5
    idiosyncratic_share: float = 0.06
    click_bias: float = -2.0
    order_bias: float = -1.6
    explore_rate: float = 0.1


def slot_hour_table() -> np.ndarray:
    """Base appeal of each meal slot at each hour (slots x 24)."""
    hours = np.arange(24)
    morning = (hours >= 6) & (hours <= 10)
    daytime = (hours >= 6) & (hours <= 16)
    meals = ((hours >= 11) & (hours <= 14)) | ((hours >= 18) & (hours <= 21))
    night = (hours >= 22) | (hours <= 3)
    evening = (hours >= 19) & (hours <= 23)
    table = np.zeros((len(MEAL_SLOTS), 24))
    table[SLOT_MAIN] = np.where(meals, 0.3, np.where(morning, -0.8, 0.0))
    table[SLOT_BREAKFAST] = np.where(morning, 1.0, -0.8)
    table[SLOT_COFFEE] = np.where(daytime, 0.5, -0.7)
    table[SLOT_FAST_FOOD] = np.where(night, 0.6, 0.0)
    table[SLOT_DESSERT] = np.where(evening, 0.5, -0.2)
    return table


def habit_hour_table() -> np.ndarray:
    """Extra appeal a habit gives a slot at each hour (habits x slots x 24)."""
    hours = np.arange(24)
    morning = (hours >= 6) & (hours <= 10)
    night = (hours >= 22) | (hours <= 3)
    table = np.zeros((3, len(MEAL_SLOTS), 24))
    table[0, SLOT_BREAKFAST] = np.where(morning, 0.9, 0.0)
    table[1, SLOT_COFFEE] = 1.0
    table[2, SLOT_FAST_FOOD] = np.where(night, 1.2, 0.0)
    return table


@dataclass
class Truth:
    """Everything the hidden utility needs beyond the people and the catalogue."""

    weights: TruthWeights
    quality: np.ndarray = field(repr=False)
    bonus: np.ndarray = field(repr=False)
    pairs: list[tuple[int, int]]
    slot_hour: np.ndarray = field(repr=False)
    habit_hour: np.ndarray = field(repr=False)
    median_log_price: float = 0.0

    def summary(self, dishes: DishTable, queries: QueryCatalogue) -> dict[str, Any]:
        """A JSON-ready description of the truth, for evaluation code (never for models)."""
        return {
            "weights": asdict(self.weights),
            "idiosyncratic_pairs": [
                {
                    "query": queries.texts[q],
                    "dish_id": int(dishes.ids[d]),
                    "dish": dishes.dishes[d].name,
                    "bonus": float(self.bonus[q, d]),
                }
                for q, d in self.pairs
            ],
            "dish_quality": {
                str(int(dishes.ids[d])): round(float(self.quality[d]), 4)
                for d in range(len(dishes))
            },
        }


def truth_draw(
    *,
    rng: np.random.Generator,
    dishes: DishTable,
    queries: QueryCatalogue,
    weights: TruthWeights | None = None,
) -> Truth:
    """Draw the dish qualities and the idiosyncratic (query, dish) pairs.

    Pairs go to popular queries (so the logs can reveal them) and to dishes that share words with
    the query but are not what its features say it means, the way "Chicken and Waffles" shares
    "chicken" with "fried chicken".

    Args:
        rng: The seeded generator.
        dishes: The catalogue.
        queries: The query catalogue.
        weights: Utility coefficients; the defaults when None.

    Returns:
        The truth.
    """
    weights = weights or TruthWeights()
    quality = rng.normal(0.0, weights.quality_scale, size=len(dishes))
    bonus = np.zeros((len(queries), len(dishes)), dtype=np.float32)
    pairs: list[tuple[int, int]] = []
    for text, words in STORY_PAIRS:
        if text not in queries.texts:
            continue
        matches = [d for d in range(len(dishes)) if words <= dishes.name_stems(d)]
        if matches:
            pairs.append((queries.index(text), matches[0]))
    count = max(1, round(weights.idiosyncratic_share * len(queries)))
    chosen = rng.choice(
        len(queries), size=min(count, len(queries)), replace=False, p=queries.popularity
    )
    taken = {q for q, _ in pairs}
    for q in chosen:
        if int(q) in taken:
            continue
        # Only dishes that text matching ranks high for the query (the logging policy shows them
        # often, so the logs can reveal the pair) and that the features say are not what it means.
        fits = np.flatnonzero((queries.naive[q] > 0) & (queries.relevance[q] < 0.5))
        fits = fits[np.argsort(-queries.naive[q, fits], kind="stable")][:PAIR_CANDIDATES]
        if len(fits):
            pairs.append((int(q), int(rng.choice(fits))))
            taken.add(int(q))
    for q, d in pairs:
        bonus[q, d] = weights.idiosyncratic_bonus
    return Truth(
        weights=weights,
        quality=quality,
        bonus=bonus,
        pairs=pairs,
        slot_hour=slot_hour_table(),
        habit_hour=habit_hour_table(),
        median_log_price=float(np.median(dishes.log_price)),
    )


def diet_allows(
    people: Population, dishes: DishTable, user: np.ndarray, dish: np.ndarray
) -> np.ndarray:
    """Whether each (person, dish) pair respects the person's diet; a hard rule of the truth."""
    diet = people.diet[user]
    allowed = np.ones(len(user), dtype=bool)
    allowed &= ~((diet == DIET_VEGETARIAN) & ~dishes.vegetarian[dish])
    allowed &= ~((diet == DIET_VEGAN) & ~dishes.vegan[dish])
    allowed &= ~((diet == DIET_GLUTEN_FREE) & ~dishes.gluten_free[dish])
    return allowed


def utility(
    *,
    truth: Truth,
    people: Population,
    dishes: DishTable,
    queries: QueryCatalogue,
    user: np.ndarray,
    dish: np.ndarray,
    query: np.ndarray,
    hour: np.ndarray,
    idiosyncratic: bool = True,
) -> np.ndarray:
    """The hidden utility (logit) of each (person, dish, query, hour) row; query -1 is the feed.

    Args:
        truth: The drawn truth.
        people: The population.
        dishes: The catalogue.
        queries: The query catalogue.
        user: Person positions.
        dish: Dish positions.
        query: Query positions, -1 for home-feed sessions.
        hour: Hour of day, 0-23.
        idiosyncratic: False leaves out the memorisation-only (query, dish) bonus.

    Returns:
        One float per row.
    """
    w = truth.weights
    slot = dishes.slot[dish]
    value = truth.quality[dish].copy()
    value += w.cuisine * people.cuisine_affinity[user, dishes.cuisine_index[dish]]
    value -= w.spice_over_tolerance * np.maximum(
        dishes.spice[dish] - people.spice_tolerance[user], 0.0
    )
    value -= (
        w.price * people.price_sensitivity[user] * (dishes.log_price[dish] - truth.median_log_price)
    )
    if dishes.ingredient_matrix.shape[1]:
        for column in range(people.disliked_ingredients.shape[1]):
            picked = people.disliked_ingredients[user, column]
            has = dishes.ingredient_matrix[dish, np.maximum(picked, 0)] * (picked >= 0)
            value -= w.disliked_ingredient * has
    time_term = truth.slot_hour[slot, hour]
    for habit in range(truth.habit_hour.shape[0]):
        time_term = time_term + people.habits[user, habit] * truth.habit_hour[habit, slot, hour]
    value += w.time_of_day * time_term
    searched = query >= 0
    q = np.maximum(query, 0)
    relevance = queries.relevance[q, dish]
    value += np.where(searched, w.relevance * relevance + w.irrelevance, 0.0)
    if idiosyncratic:
        value += np.where(searched, truth.bonus[q, dish], 0.0)
    return value


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def examination_probability(position: np.ndarray, device: np.ndarray) -> np.ndarray:
    """Chance that a person looks at the item in `position` (0-based); falls with the position."""
    decay = np.asarray(DEVICE_POSITION_DECAY)[device]
    return np.asarray((1.0 / (position + 1.0)) ** decay)
