"""The food models' data: example columns of each time split, and the dishes to sample from."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

import numpy as np
from django.db.models import Count, Max

from foodapp.catalog.models import Dish
from foodapp.interactions.example_features import dish_features_by_id
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.training_examples import training_examples_iter, training_split_cutoffs
from foodapp.interactions.uci_files import UCI_PREFIX
from recommender.datasets.food import (
    LABEL,
    Columns,
    DishPool,
    columns_length,
    dish_pool_build,
    examples_to_columns,
)

EVALUATION_NEGATIVES = 9  # sampled negatives per unshown positive in validation and test
# Imported histories evaluated on their own (real_logs.py), never part of the app's models: the
# UCI restaurants are not dishes of the menu, and their ratings' pseudo-times (2011) would all
# land in the training split of the simulated log.
SEPARATE_HISTORY_PREFIX = UCI_PREFIX


@dataclass(frozen=True)
class FoodData:
    """Example columns of the three splits and the negative-sampling pool."""

    train: Columns
    validation: Columns
    test: Columns
    pool: DishPool

    def summary(self) -> dict[str, Any]:
        """Rows and positive rate of each split."""
        return {
            name: {
                "rows": columns_length(split),
                "positive_rate": float(np.mean(split[LABEL])) if columns_length(split) else 0.0,
            }
            for name, split in (
                ("train", self.train),
                ("validation", self.validation),
                ("test", self.test),
            )
        }


def dish_pool(
    *, item_prefix: str | None = None, exclude_item_prefix: str | None = None
) -> DishPool:
    """Every dish (or those whose external id has `item_prefix`, without those that have
    `exclude_item_prefix`) with its order times."""
    features = dish_features_by_id()
    dishes = Dish.objects.all()
    if item_prefix:
        dishes = dishes.filter(external_id__startswith=item_prefix)
    if exclude_item_prefix:
        dishes = dishes.exclude(external_id__startswith=exclude_item_prefix)
    if item_prefix or exclude_item_prefix:
        kept = set(dishes.values_list("id", flat=True))
        features = {d: v for d, v in features.items() if d in kept}
    times: dict[int, list[float]] = {d: [] for d in features}
    orders = Event.objects.filter(event_type=EventType.ORDER, dish__isnull=False)
    for dish_id, moment in orders.values_list("dish_id", "occurred_at").iterator(chunk_size=5000):
        if dish_id in times:
            times[dish_id].append(moment.timestamp())
    return dish_pool_build(features, times)[1]


def _split(split: str, limit: int | None, **options: Any) -> Columns:
    """One split's example columns (at most `limit` examples)."""
    examples = training_examples_iter(split=split, **options)  # type: ignore[arg-type]
    return examples_to_columns(islice(examples, limit) if limit else examples)


def food_data_load(
    *,
    seed: int = 0,
    max_rows: int | None = None,
    item_prefix: str | None = None,
    data_from: datetime | None = None,
    data_until: datetime | None = None,
) -> FoodData:
    """Read the interaction log into the three splits (train: no sampled negatives, they are
    drawn afresh each epoch; validation and test: a fixed, seeded set).

    Args:
        seed: seeds the fixed negatives of validation and test.
        max_rows: at most this many examples per split (quick runs and tests).
        item_prefix: only dishes whose external id starts with it (e.g. "uci-"); without it,
            every dish but the imported histories evaluated on their own
            (SEPARATE_HISTORY_PREFIX).
        data_from: examples from events at or after this time only (None: from the first).
        data_until: events before this time only (None: every event); the splits divide the
            window's events.

    Returns:
        The splits and the dish pool.
    """
    key = (_log_stamp(), seed, max_rows, item_prefix, data_from, data_until)
    with _LOCK:
        cached = _CACHE.get("data")
        if cached is not None and cached[0] == key:
            return cached[1]
    catalogue = _catalogue_options(item_prefix)
    window: dict[str, Any] = {"data_from": data_from, "data_until": data_until}
    cutoffs = training_split_cutoffs(**catalogue, **window)
    common: dict[str, Any] = {"cutoffs": cutoffs, "seed": seed, **catalogue, **window}
    if cutoffs is None:
        empty = examples_to_columns([])
        data = FoodData(empty, empty, empty, dish_pool(**catalogue))
    else:
        data = FoodData(
            train=_split("train", max_rows, negatives_per_positive=0, **common),
            validation=_split(
                "validation", max_rows, negatives_per_positive=EVALUATION_NEGATIVES, **common
            ),
            test=_split("test", max_rows, negatives_per_positive=EVALUATION_NEGATIVES, **common),
            pool=dish_pool(**catalogue),
        )
    with _LOCK:
        _CACHE["data"] = (key, data)
    return data


def _catalogue_options(item_prefix: str | None) -> dict[str, Any]:
    """The item_prefix / exclude_item_prefix options (of training_examples_iter,
    training_split_cutoffs and dish_pool) of one catalogue's data: only the prefix's dishes, or
    without a prefix every dish but the imported histories evaluated on their own."""
    if item_prefix:
        return {"item_prefix": item_prefix, "exclude_item_prefix": None}
    return {"item_prefix": None, "exclude_item_prefix": SEPARATE_HISTORY_PREFIX}


def _log_stamp() -> tuple[int, int]:
    """What changes when events are added: their count and largest id."""
    found = Event.objects.aggregate(count=Count("id"), last=Max("id"))
    return int(found["count"] or 0), int(found["last"] or 0)


# The last data read, so that training the three food models in one process reads the log once.
_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple[Any, ...], FoodData]] = {}


def food_data_cache_clear() -> None:
    """Forget the cached data (tests)."""
    with _LOCK:
        _CACHE.clear()


def food_test_load(*, seed: int = 0) -> tuple[Columns, set[str]]:
    """The test split's example columns (with the same fixed negatives as `food_data_load`) and
    the people who have examples before it (everyone else is new at test time), without reading
    the training split's examples.

    Args:
        seed: seeds the fixed negatives (the same seed as the models' data gives the same rows).

    Returns:
        (test columns, user ids as strings of the people seen before the test split).
    """
    catalogue = _catalogue_options(None)
    cutoffs = training_split_cutoffs(**catalogue)
    if cutoffs is None:
        return examples_to_columns([]), set()
    test = _split(
        "test",
        None,
        negatives_per_positive=EVALUATION_NEGATIVES,
        cutoffs=cutoffs,
        seed=seed,
        **catalogue,
    )
    before = (
        Event.objects.of_people()
        .filter(
            occurred_at__lt=cutoffs.validation_start,
            event_type__in=[EventType.IMPRESSION, EventType.ORDER, EventType.RATING],
        )
        .exclude(dish__external_id__startswith=SEPARATE_HISTORY_PREFIX)
    )
    return test, {str(u) for u in before.values_list("user_id", flat=True).distinct()}
