"""Feature values of users and dishes, built the same way for training and for serving."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from foodapp.catalog.models import Dish
from foodapp.people.models import Profile
from recommender.datasets.food import LIST_JOIN

DEFAULT_USER: dict[str, Any] = {
    "user_diet": "",
    "user_favourite_cuisines": "",
    "user_area": "",
    "user_latitude": math.nan,
    "user_longitude": math.nan,
}


def _joined(values: Iterable[str]) -> str:
    """Sorted, de-duplicated, `|`-joined."""
    return LIST_JOIN.join(sorted({value for value in values if value}))


def _degrees(value: float | None) -> float:
    """A stored coordinate as a float, NaN when unknown."""
    return math.nan if value is None else float(value)


def user_home(values: Mapping[str, Any]) -> tuple[float, float] | None:
    """(latitude, longitude) of a person's USER_FIELDS values, None when unknown."""
    home = (float(values["user_latitude"]), float(values["user_longitude"]))
    return home if all(math.isfinite(v) for v in home) else None


def dish_feature_values(dish: Dish) -> dict[str, Any]:
    """The DISH_FIELDS of a dish but dish_popularity, which depends on the moment (prefetch
    cuisine, tags and ingredients when doing many)."""
    return {
        "dish_id": str(dish.pk),
        "dish_name": dish.name,
        "dish_cuisine": dish.cuisine.name if dish.cuisine else "",
        "dish_course": dish.course,
        "dish_tags": _joined(tag.name for tag in dish.tags.all()),
        "dish_ingredients": _joined(ingredient.name for ingredient in dish.ingredients.all()),
        "dish_price": float(dish.price) if dish.price is not None else 0.0,
        "dish_spice_level": int(dish.spice_level),
        "dish_is_vegetarian": int(dish.is_vegetarian),
        "dish_is_vegan": int(dish.is_vegan),
        "dish_is_gluten_free": int(dish.is_gluten_free),
        "dish_latitude": _degrees(dish.latitude),
        "dish_longitude": _degrees(dish.longitude),
    }


def dish_features_by_id(*, dish_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """dish id -> dish_feature_values for these dishes (all dishes when None)."""
    dishes = (
        Dish.objects.select_related("cuisine")
        .prefetch_related("tags", "ingredients")
        .order_by("id")
    )
    if dish_ids is not None:
        dishes = dishes.filter(id__in=list(dish_ids))
    return {dish.pk: dish_feature_values(dish) for dish in dishes}


def user_feature_values(profile: Profile | None) -> dict[str, Any]:
    """The USER_FIELDS of a person except user_id (defaults when they have no profile)."""
    if profile is None:
        return dict(DEFAULT_USER)
    return {
        "user_diet": _joined(str(d) for d in profile.diet_restrictions or ()),
        "user_favourite_cuisines": _joined(c.name for c in profile.favourite_cuisines.all()),
        "user_area": profile.area,
        "user_latitude": _degrees(profile.latitude),
        "user_longitude": _degrees(profile.longitude),
    }


def user_features_by_id(*, user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """user id -> USER_FIELDS (without user_id) for these users, defaults for the unknown."""
    ids = sorted(set(user_ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        profiles = Profile.objects.filter(user_id__in=ids[start : start + 500]).prefetch_related(
            "favourite_cuisines"
        )
        found.update((profile.user_id, user_feature_values(profile)) for profile in profiles)
    return {user_id: found.get(user_id, dict(DEFAULT_USER)) for user_id in ids}
