"""Simulated people with hidden tastes: cuisine affinities, spice, diet, price, habits, device.

A share of the population (NEW_PEOPLE_SHARE, the last people in creation order) joins only after
the simulated period: they have profiles but no logged session, so an online evaluation has people
that only features (stated diet and cuisines, context, the query) can serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DIETS = ("omnivore", "vegetarian", "vegan", "gluten_free")
DIET_OMNIVORE, DIET_VEGETARIAN, DIET_VEGAN, DIET_GLUTEN_FREE = range(len(DIETS))
DIET_SHARES = (0.78, 0.12, 0.04, 0.06)

DEVICES = ("ios", "android", "web")
DEVICE_SHARES = (0.42, 0.38, 0.20)
# How steeply attention falls with the list position, per device: phones show fewer rows.
DEVICE_POSITION_DECAY = (1.0, 1.0, 0.6)

AREAS = ("north", "south", "east", "west", "centre")

HABITS = ("breakfast", "coffee", "late_night")

# People who sign up after the logged period (the last ones created): no event in the log.
NEW_PEOPLE_SHARE = 0.1

# Hourly session-start profiles (24 weights each) that a person's own profile mixes.
_HOURS = np.arange(24)
MEALTIME_PROFILE = (
    0.2
    + 2.5 * np.exp(-0.5 * ((_HOURS - 12.5) / 1.2) ** 2)
    + 3.0 * np.exp(-0.5 * ((_HOURS - 19.0) / 1.5) ** 2)
)
MORNING_PROFILE = 0.1 + 4.0 * np.exp(-0.5 * ((_HOURS - 8.0) / 1.3) ** 2)
LATE_NIGHT_PROFILE = 0.1 + 4.0 * np.exp(-0.5 * (((_HOURS + 1) % 24 - 0.0) / 1.6) ** 2)


@dataclass
class Population:
    """Hidden tastes of every simulated person, one row per person (arrays share the index)."""

    diet: np.ndarray = field(repr=False)
    cuisine_affinity: np.ndarray = field(repr=False)
    spice_tolerance: np.ndarray = field(repr=False)
    price_sensitivity: np.ndarray = field(repr=False)
    habits: np.ndarray = field(repr=False)
    disliked_ingredients: np.ndarray = field(repr=False)
    device: np.ndarray = field(repr=False)
    area: np.ndarray = field(repr=False)
    activity: np.ndarray = field(repr=False)
    hour_cdf: np.ndarray = field(repr=False)
    new: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.diet)

    def stated_favourite_cuisines(self, person: int, cuisines: tuple[str, ...]) -> list[str]:
        """The two cuisines a person names in their profile: their top two hidden affinities."""
        order = np.argsort(-self.cuisine_affinity[person], kind="stable")[:2]
        return [cuisines[i] for i in order]


def population_draw(
    *, rng: np.random.Generator, size: int, cuisines: int, ingredients: int
) -> Population:
    """Draw `size` people with hidden tastes.

    Args:
        rng: The seeded generator (draws happen in a fixed order).
        size: How many people.
        cuisines: How many cuisines the catalogue has.
        ingredients: How many distinct ingredients the catalogue has.

    Returns:
        The population.
    """
    diet = rng.choice(len(DIETS), size=size, p=DIET_SHARES)
    # A few loved cuisines and a few disliked ones: heavy-tailed per-person affinities.
    cuisine_affinity = rng.normal(0.0, 0.7, size=(size, cuisines))
    loved = rng.integers(0, max(cuisines, 1), size=size)
    cuisine_affinity[np.arange(size), loved] += 1.2
    spice_tolerance = rng.choice(4, size=size, p=(0.25, 0.35, 0.25, 0.15)).astype(np.float64)
    spice_tolerance += rng.uniform(0.0, 0.9, size=size)
    price_sensitivity = rng.gamma(2.0, 0.5, size=size)
    habits = rng.random((size, len(HABITS))) < np.array([0.35, 0.40, 0.20])
    # Up to two disliked ingredients per person (-1: none), e.g. coriander or mushrooms.
    picks = rng.integers(0, max(ingredients, 1), size=(size, 2))
    keep = (rng.random((size, 2)) < 0.6) & (ingredients > 0)
    disliked = np.where(keep, picks, -1)
    device = rng.choice(len(DEVICES), size=size, p=DEVICE_SHARES)
    area = rng.integers(0, len(AREAS), size=size)
    activity = rng.lognormal(0.0, 0.9, size=size)
    weights = (
        MEALTIME_PROFILE[None, :]
        + habits[:, 0:1] * MORNING_PROFILE[None, :]
        + habits[:, 1:2] * 0.5 * MORNING_PROFILE[None, :]
        + habits[:, 2:3] * LATE_NIGHT_PROFILE[None, :]
    )
    hour_cdf = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    hour_cdf[:, -1] = 1.0
    # The last people created join after the period; at least one person is always returning.
    new = np.arange(size) >= size - min(round(NEW_PEOPLE_SHARE * size), size - 1)
    return Population(
        diet=diet,
        cuisine_affinity=cuisine_affinity,
        spice_tolerance=spice_tolerance,
        price_sensitivity=price_sensitivity,
        habits=habits,
        disliked_ingredients=disliked,
        device=device,
        area=area,
        activity=activity,
        hour_cdf=hour_cdf,
        new=new,
    )
