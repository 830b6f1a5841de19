"""Writes to the catalogue: cuisines, tags, ingredients and dishes (single and bulk upserts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db import transaction
from django.utils.text import slugify

from foodapp.catalog.dish_input import DishInput
from foodapp.catalog.models import Course, Cuisine, Dish, Ingredient, Tag
from foodapp.core.coordinates import coordinates_error

ERROR_NAME_REQUIRED = "name must not be empty."
ERROR_COURSE = "course {value!r} is not one of: " + ", ".join(Course.values) + "."
ERROR_SPICE_LEVEL = "spice_level must be 0, 1, 2 or 3, got {value!r}."
ERROR_PRICE = "price must be >= 0, got {value}."

# Keep IN (...) lists under SQLite's 999-parameter limit.
_CHUNK = 500

NamedModel = TypeVar("NamedModel", Cuisine, Tag, Ingredient)


class DishValidationError(ValueError):
    """A dish that cannot be written; the message names the field."""


@dataclass(frozen=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0


def label_slug(name: str) -> str:
    """The slug that identifies a cuisine, tag or ingredient name ("Bar_Pub" -> "bar-pub")."""
    return slugify(name.replace("_", " "))[:100]


def _named_get_or_create(model: type[NamedModel], names: Iterable[str]) -> dict[str, NamedModel]:
    """Look up rows of a name/slug model by slug, creating the missing ones; key: slug."""
    wanted: dict[str, str] = {}
    for name in names:
        clean = " ".join(name.replace("_", " ").split())
        slug = label_slug(clean)
        if slug and slug not in wanted:
            wanted[slug] = clean[:100]
    found: dict[str, NamedModel] = {}
    slugs = sorted(wanted)
    for start in range(0, len(slugs), _CHUNK):
        for row in model.objects.filter(slug__in=slugs[start : start + _CHUNK]):
            found[row.slug] = row
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        taken_names = set(
            model.objects.filter(name__in=[wanted[s] for s in missing]).values_list(
                "name", flat=True
            )
        )
        model.objects.bulk_create(
            [model(name=wanted[s] if wanted[s] not in taken_names else s, slug=s) for s in missing],
            ignore_conflicts=True,
        )
        for start in range(0, len(missing), _CHUNK):
            for row in model.objects.filter(slug__in=missing[start : start + _CHUNK]):
                found[row.slug] = row
    return found


def cuisines_get_or_create(*, names: Iterable[str]) -> dict[str, Cuisine]:
    """Return the cuisines with these names, created when missing; keyed by slug."""
    return _named_get_or_create(Cuisine, names)


def tags_get_or_create(*, names: Iterable[str]) -> dict[str, Tag]:
    """Return the tags with these names, created when missing; keyed by slug."""
    return _named_get_or_create(Tag, names)


def ingredients_get_or_create(*, names: Iterable[str]) -> dict[str, Ingredient]:
    """Return the ingredients with these names, created when missing; keyed by slug."""
    return _named_get_or_create(Ingredient, names)


def dish_validate(dish: DishInput) -> None:
    """Raise DishValidationError naming the first bad field of `dish`."""
    if not dish.name.strip():
        raise DishValidationError(ERROR_NAME_REQUIRED)
    if dish.course and dish.course not in Course.values:
        raise DishValidationError(ERROR_COURSE.format(value=dish.course))
    if dish.spice_level is not None and not 0 <= dish.spice_level <= 3:
        raise DishValidationError(ERROR_SPICE_LEVEL.format(value=dish.spice_level))
    if dish.price is not None and dish.price < Decimal(0):
        raise DishValidationError(ERROR_PRICE.format(value=dish.price))
    error = coordinates_error(latitude=dish.latitude, longitude=dish.longitude)
    if error:
        raise DishValidationError(error)


_SCALARS = ("name", "description", "course", "price", "spice_level")
_FLAGS = ("is_vegetarian", "is_vegan", "is_gluten_free")
_PLACE = ("latitude", "longitude")


def _apply(dish: Dish, data: DishInput, cuisines: dict[str, Cuisine]) -> None:
    """Copy the given (not None) fields of `data` onto `dish`."""
    for name in _SCALARS + _FLAGS + _PLACE:
        value = getattr(data, name)
        if value is not None:
            setattr(dish, name, value.strip() if isinstance(value, str) else value)
    if data.cuisine is not None:
        dish.cuisine = cuisines.get(label_slug(data.cuisine)) if data.cuisine.strip() else None


def _free_slugs(wanted: dict[str, str]) -> dict[str, str]:
    """Map external_id -> a slug not used by any dish, preferring slugify(name)."""
    candidates = set(wanted.values())
    taken = set(Dish.objects.filter(slug__in=sorted(candidates)).values_list("slug", flat=True))
    result: dict[str, str] = {}
    for external_id, base in wanted.items():
        slug = base
        if slug in taken:
            slug = f"{base}-{slugify(external_id)}"[:220]
            suffix = 2
            while slug in taken or Dish.objects.filter(slug=slug).exists():
                slug = f"{base}-{slugify(external_id)}-{suffix}"[:220]
                suffix += 1
        taken.add(slug)
        result[external_id] = slug
    return result


def dishes_upsert_bulk(*, dishes: Sequence[DishInput]) -> UpsertCounts:
    """Create or update dishes keyed by external_id, in one transaction.

    Existing dishes keep their slug (stable URLs) and any field given as None; tags and
    ingredients, when given, replace the old ones. Cuisines, tags and ingredients are created
    as needed (matched by slug, so "Italian" and "italian" are one cuisine).

    Args:
        dishes: validated-or-not dish inputs; a later duplicate external_id wins.

    Returns:
        How many dishes were created and how many updated.

    Raises:
        DishValidationError: naming the bad field; nothing of the call is written.
    """
    latest: dict[str, DishInput] = {}
    for data in dishes:
        dish_validate(data)
        latest[data.external_id] = data
    if not latest:
        return UpsertCounts()
    with transaction.atomic():
        cuisines = cuisines_get_or_create(names=[d.cuisine for d in latest.values() if d.cuisine])
        tags = tags_get_or_create(names=[t for d in latest.values() for t in d.tags or ()])
        ingredients = ingredients_get_or_create(
            names=[i for d in latest.values() for i in d.ingredients or ()]
        )
        existing: dict[str, Dish] = {
            str(dish.external_id): dish
            for start in range(0, len(latest), _CHUNK)
            for dish in Dish.objects.filter(external_id__in=list(latest)[start : start + _CHUNK])
        }
        new_ids = [ext for ext in latest if ext not in existing]
        slugs = _free_slugs({ext: slugify(latest[ext].name)[:200] or "dish" for ext in new_ids})
        created: list[Dish] = []
        for ext in new_ids:
            dish = Dish(external_id=ext, slug=slugs[ext])
            _apply(dish, latest[ext], cuisines)
            created.append(dish)
        Dish.objects.bulk_create(created)
        for ext, dish in existing.items():
            _apply(dish, latest[ext], cuisines)
        Dish.objects.bulk_update(
            list(existing.values()),
            [*_SCALARS, *_FLAGS, *_PLACE, "cuisine", "updated"],
            batch_size=200,
        )
        by_ext = {str(d.external_id): d for d in [*created, *existing.values()]}
        _replace_m2m(Dish.tags.through, "tag_id", by_ext, latest, "tags", tags)
        _replace_m2m(
            Dish.ingredients.through, "ingredient_id", by_ext, latest, "ingredients", ingredients
        )
    return UpsertCounts(created=len(created), updated=len(existing))


def _replace_m2m(
    through: type,
    column: str,
    by_ext: dict[str, Dish],
    latest: dict[str, DishInput],
    attribute: str,
    rows: dict[str, Tag] | dict[str, Ingredient],
) -> None:
    """Replace the tag or ingredient links of the dishes whose input gives that attribute."""
    given = {ext: getattr(latest[ext], attribute) for ext in latest}
    dish_ids = [by_ext[ext].id for ext, names in given.items() if names is not None]
    for start in range(0, len(dish_ids), _CHUNK):
        through.objects.filter(dish_id__in=dish_ids[start : start + _CHUNK]).delete()  # type: ignore[attr-defined]
    links = []
    for ext, names in given.items():
        if names is None:
            continue
        seen: set[int] = set()
        for name in names:
            row = rows.get(label_slug(name))
            if row is not None and row.id not in seen:
                seen.add(row.id)
                links.append(through(dish_id=by_ext[ext].id, **{column: row.id}))
    through.objects.bulk_create(links, batch_size=500)  # type: ignore[attr-defined]


def dish_create(
    *,
    name: str,
    cuisine: str | None = None,
    course: str = "",
    tags: Sequence[str] = (),
    ingredients: Sequence[str] = (),
    price: Decimal | None = None,
    description: str = "",
    spice_level: int = 0,
    is_vegetarian: bool = False,
    is_vegan: bool = False,
    is_gluten_free: bool = False,
    external_id: str | None = None,
) -> Dish:
    """Create one dish (cuisine, tags and ingredients by name, created when missing).

    Returns:
        The saved Dish, with a unique slug derived from its name.

    Raises:
        DishValidationError: naming the bad field.
    """
    data = DishInput(
        external_id=external_id or "",
        name=name,
        cuisine=cuisine,
        course=course,
        tags=tuple(tags),
        ingredients=tuple(ingredients),
        price=price,
        description=description,
        spice_level=spice_level,
        is_vegetarian=is_vegetarian,
        is_vegan=is_vegan,
        is_gluten_free=is_gluten_free,
    )
    dish_validate(data)
    with transaction.atomic():
        cuisines = cuisines_get_or_create(names=[cuisine] if cuisine else [])
        base = slugify(name)[:200] or "dish"
        slug, suffix = base, 2
        while Dish.objects.filter(slug=slug).exists():
            slug, suffix = f"{base}-{suffix}", suffix + 1
        dish = Dish(slug=slug, external_id=external_id)
        _apply(dish, data, cuisines)
        dish.save()
        dish.tags.set(tags_get_or_create(names=tags).values())
        dish.ingredients.set(ingredients_get_or_create(names=ingredients).values())
    return dish
