"""Reads of the catalogue: dish look-ups, lists and the v1 search."""

from __future__ import annotations

from collections.abc import Iterable

from foodapp.catalog.models import Dish

_CHUNK = 500


def dish_external_ids_existing(*, external_ids: Iterable[str]) -> set[str]:
    """The subset of these external ids that already name a dish."""
    return set(dish_ids_by_external_id(external_ids=external_ids))


def dish_ids_by_external_id(*, external_ids: Iterable[str]) -> dict[str, int]:
    """Map each known external id to its dish id (unknown ids are left out)."""
    keys = sorted(set(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = Dish.objects.filter(external_id__in=keys[start : start + _CHUNK])
        found.update((str(ext), pk) for ext, pk in rows.values_list("external_id", "id"))
    return found
