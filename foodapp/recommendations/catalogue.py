"""The catalogue as the recommender serves it: dish features as columns, a word index, popularity.

Built once per process from the database and kept until the catalogue changes (checked at most
every few seconds), so that a request never scans the catalogue in Python: retrieval looks words
up in the index and ranking gathers the candidates' precomputed feature columns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Count, Max
from django.utils import timezone

from foodapp.catalog.models import Dish
from foodapp.interactions.example_features import dish_features_by_id
from foodapp.interactions.selectors import dish_popularity_counts
from recommender.datasets.food import LIST_JOIN, DishPool, dish_pool_build

STAMP_CHECK_SECONDS = 5.0
POPULARITY_REFRESH_SECONDS = 60.0


@dataclass
class Catalogue:
    """Every dish as aligned arrays (a dish's position is its row), plus lookup structures.

    Attributes:
        ids: dish primary keys, ascending.
        pool: the model's dish feature columns and text stems (see recommender.datasets.food).
        popularity: orders of each dish in the popularity window, as of `popularity_at`.
    """

    ids: np.ndarray
    pool: DishPool
    popularity: np.ndarray
    popularity_at: datetime
    stamp: tuple[int, str] = (0, "")
    positions: dict[int, int] = field(default_factory=dict)
    word_index: dict[str, np.ndarray] = field(default_factory=dict)
    popular_order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cuisine_popular: dict[str, np.ndarray] = field(default_factory=dict)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, name: str) -> np.ndarray:
        """One dish feature column."""
        return self.pool.columns[name]

    def positions_of(self, dish_ids: list[int] | tuple[int, ...]) -> np.ndarray:
        """Positions of these dish ids, skipping unknown ones, in the given order."""
        found = [self.positions[d] for d in dish_ids if d in self.positions]
        return np.asarray(found, dtype=np.int64)


def catalogue_build(
    *,
    features: Mapping[int, Mapping[str, object]],
    popularity: dict[int, int],
    popularity_at: datetime,
    stamp: tuple[int, str] = (0, ""),
) -> Catalogue:
    """Build the serving catalogue from dish feature rows (see example_features) and popularity.

    Args:
        features: dish id -> DISH_FIELDS values.
        popularity: dish id -> orders in the popularity window (missing ids count 0).
        popularity_at: the moment the popularity counts are for.
        stamp: what identifies this state of the catalogue (count, last update).

    Returns:
        The catalogue, its word index, popularity order and diversity vectors.
    """
    ids, pool = dish_pool_build(features)
    columns = pool.columns
    catalogue = Catalogue(
        ids=ids,
        pool=pool,
        popularity=np.asarray([popularity.get(int(d), 0) for d in ids], dtype=np.float32),
        popularity_at=popularity_at,
        stamp=stamp,
        positions={int(d): i for i, d in enumerate(ids)},
    )
    _index_words(catalogue)
    _order_by_popularity(catalogue)
    catalogue.vectors = _diversity_vectors(columns)
    return catalogue


def _index_words(catalogue: Catalogue) -> None:
    """Map each stem of a dish's name, labels and ingredients to the dishes that have it."""
    names, labels, ingredients = catalogue.pool.text
    index: dict[str, list[int]] = {}
    for position, words in enumerate(zip(names, labels, ingredients, strict=True)):
        for word in words[0] | words[1] | words[2]:
            index.setdefault(word, []).append(position)
    catalogue.word_index = {word: np.asarray(rows, dtype=np.int64) for word, rows in index.items()}


def _order_by_popularity(catalogue: Catalogue) -> None:
    """Positions by descending popularity (ties by id), overall and per cuisine."""
    order = np.lexsort((catalogue.ids, -catalogue.popularity))
    catalogue.popular_order = order
    cuisines = catalogue.column("dish_cuisine")[order]
    by_cuisine: dict[str, list[int]] = {}
    for position, cuisine in zip(order, cuisines, strict=True):
        by_cuisine.setdefault(str(cuisine).casefold(), []).append(int(position))
    catalogue.cuisine_popular = {
        name: np.asarray(rows, dtype=np.int64) for name, rows in by_cuisine.items()
    }


def _diversity_vectors(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Unit vectors of cuisine, course and tags: two dishes alike in these are 'similar'."""
    rows = [
        {f"c:{cuisine}", f"k:{course}", *(f"t:{t}" for t in str(tags).split(LIST_JOIN) if t)}
        for cuisine, course, tags in zip(
            columns["dish_cuisine"], columns["dish_course"], columns["dish_tags"], strict=True
        )
    ]
    vocabulary = {token: i for i, token in enumerate(sorted(set().union(*rows)))} if rows else {}
    vectors = np.zeros((len(rows), max(len(vocabulary), 1)), dtype=np.float32)
    for row, tokens in enumerate(rows):
        for token in tokens:
            vectors[row, vocabulary[token]] = 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-9), dtype=np.float32)


def _stamp() -> tuple[int, str]:
    """What changes whenever a dish is added, removed or updated."""
    found = Dish.objects.aggregate(count=Count("id"), updated=Max("updated"))
    updated = found["updated"]
    return int(found["count"] or 0), updated.isoformat() if updated else ""


def _served_dish_features() -> dict[int, dict[str, object]]:
    """Features of the dishes on the menu: imported histories' items (the UCI restaurants,
    OFF_MENU_PREFIX) are evaluated on their own and never served as dishes."""
    on_menu = set(Dish.objects.on_menu().values_list("id", flat=True))
    return {pk: row for pk, row in dish_features_by_id().items() if pk in on_menu}


class _CatalogueCache:
    """One catalogue per process, rebuilt when the stamp changes; popularity refreshed apart."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.catalogue: Catalogue | None = None
        self.checked = 0.0
        self.refreshed = 0.0

    def get(self) -> Catalogue:
        now = time.monotonic()
        catalogue = self.catalogue
        if catalogue is not None and now - self.checked < STAMP_CHECK_SECONDS:
            return catalogue
        with self.lock:
            stamp = _stamp()
            self.checked = time.monotonic()
            if self.catalogue is None or self.catalogue.stamp != stamp:
                moment = timezone.now()
                self.catalogue = catalogue_build(
                    features=_served_dish_features(),
                    popularity=dish_popularity_counts(now=moment),
                    popularity_at=moment,
                    stamp=stamp,
                )
                self.refreshed = self.checked
            elif self.checked - self.refreshed >= POPULARITY_REFRESH_SECONDS:
                self._refresh_popularity(self.catalogue)
            return self.catalogue

    def _refresh_popularity(self, catalogue: Catalogue) -> None:
        """Recount the popularity window and re-sort (the features stay)."""
        moment = timezone.now()
        counts = dish_popularity_counts(now=moment)
        catalogue.popularity = np.asarray(
            [counts.get(int(d), 0) for d in catalogue.ids], dtype=np.float32
        )
        catalogue.popularity_at = moment
        _order_by_popularity(catalogue)
        self.refreshed = time.monotonic()

    def clear(self) -> None:
        with self.lock:
            self.catalogue = None
            self.checked = self.refreshed = 0.0


_CACHE = _CatalogueCache()


def catalogue_current() -> Catalogue:
    """The serving catalogue of this process (rebuilt when dishes change)."""
    return _CACHE.get()


def catalogue_cache_clear() -> None:
    """Forget the cached catalogue (tests, and after bulk catalogue imports)."""
    _CACHE.clear()
