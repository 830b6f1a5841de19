"""Reads of people and their profiles."""

from __future__ import annotations

from collections.abc import Iterable

from foodapp.people.models import Profile

_CHUNK = 500


def user_ids_by_external_id(*, external_ids: Iterable[str]) -> dict[str, int]:
    """Map each known external id to its user id (unknown ids are left out)."""
    keys = sorted(set(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = Profile.objects.filter(external_id__in=keys[start : start + _CHUNK])
        found.update((str(ext), uid) for ext, uid in rows.values_list("external_id", "user_id"))
    return found


def profile_external_ids_existing(*, external_ids: Iterable[str]) -> set[str]:
    """The subset of these external ids that already name a person."""
    return set(user_ids_by_external_id(external_ids=external_ids))
