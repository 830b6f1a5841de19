"""Reads of the interaction log."""

from __future__ import annotations

from collections.abc import Iterable

from foodapp.interactions.models import Event

# The training-example reads live in their own module; they are part of this app's read API.
from foodapp.interactions.training_examples import (
    SplitCutoffs,
    training_examples_iter,
    training_split_cutoffs,
)

__all__ = [
    "SplitCutoffs",
    "event_external_ids_existing",
    "training_examples_iter",
    "training_split_cutoffs",
]

_CHUNK = 500


def event_external_ids_existing(*, external_ids: Iterable[str]) -> set[str]:
    """The subset of these external ids that already name an event."""
    keys = sorted(set(external_ids))
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        rows = Event.objects.filter(external_id__in=keys[start : start + _CHUNK])
        found.update(str(ext) for ext in rows.values_list("external_id", flat=True))
    return found
