"""Retrieval: gather a few hundred candidates worth ranking, from several sources.

The learned rankers only know what the logs showed them, so they rank candidates, never the whole
catalogue: dishes whose text matches the query (general words such as "seafood" or "italian
food" match the dishes labelled so), the person's history and favourite cuisines, neighbours of
their recent dishes in the model's dish embedding space, popular dishes and a little exploration.
Every source is a lookup in structures the catalogue built once; nothing scans the catalogue.
The v1 text score is precomputed per word (`TextIndex`), so that scoring the dishes sharing a
query word is a few numpy operations however many dishes share it.
"""

from __future__ import annotations

import weakref
import zlib
from dataclasses import dataclass
from itertools import chain

import numpy as np

from foodapp.recommendations.catalogue import Catalogue
from foodapp.recommendations.request import Filters, RankRequest
from recommender.text_match import INGREDIENT_WEIGHT, LABEL_WEIGHT, NAME_WEIGHT

TEXT_LIMIT = 200
HISTORY_LIMIT = 30
CUISINE_LIMIT = 15
NEIGHBOURS_PER_DISH = 10
NEIGHBOUR_SEEDS = 5
POPULAR_LIMIT = 50
EXPLORE_COUNT = 10
SOURCES = ("text", "history", "cuisine", "neighbours", "popular", "explore")


@dataclass(frozen=True)
class Candidates:
    """Candidate dish positions (distinct) with the first source that found each."""

    positions: np.ndarray
    sources: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def source_counts(self) -> dict[str, int]:
        """How many candidates each source contributed."""
        found = np.bincount(self.sources, minlength=len(SOURCES))
        return {name: int(found[i]) for i, name in enumerate(SOURCES)}


@dataclass(frozen=True)
class TextIndex:
    """Per stem, the dishes having it (as in `catalogue.word_index`) and what v1 needs of each.

    Attributes:
        source: the catalogue's word index this was built from.
        positions: per stem, the ascending positions of the dishes having it.
        weights: per stem and dish, its share of naive_match's numerator (name 1, labels 0.5,
            ingredients 0.25, added up), aligned with `positions`.
        in_name: per stem and dish, whether the stem is in the dish's name.
        name_sizes: the number of stems of every dish's name, by position.
    """

    source: dict[str, np.ndarray]
    positions: dict[str, np.ndarray]
    weights: dict[str, np.ndarray]
    in_name: dict[str, np.ndarray]
    name_sizes: np.ndarray


_TEXT_INDEX_KEY = "_retrieval_text_index"
_POPULARITY_RANK_KEY = "_retrieval_popularity_rank"


def text_index(catalogue: Catalogue) -> TextIndex:
    """The catalogue's TextIndex, built on first use (numpy over one flat list of every dish's
    stems) and kept with the catalogue."""
    cached = catalogue.__dict__.get(_TEXT_INDEX_KEY)
    if isinstance(cached, TextIndex) and cached.source is catalogue.word_index:
        return cached
    count = len(catalogue)
    vocabulary = {word: number for number, word in enumerate(catalogue.word_index)}
    keys, weights, named = [], [], []
    names, labels, ingredients = catalogue.pool.text
    for field, weight in (
        (names, NAME_WEIGHT),
        (labels, LABEL_WEIGHT),
        (ingredients, INGREDIENT_WEIGHT),
    ):
        words = np.fromiter(map(vocabulary.__getitem__, chain.from_iterable(field)), np.int64)
        sizes = np.fromiter(map(len, field), dtype=np.int64, count=count)
        keys.append(words * count + np.repeat(np.arange(count, dtype=np.int64), sizes))
        weights.append(np.full(len(words), weight, dtype=np.float64))
        named.append(np.full(len(words), field is names, dtype=np.float64))
    key, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    summed = np.bincount(inverse, weights=np.concatenate(weights), minlength=len(key))
    in_name = np.bincount(inverse, weights=np.concatenate(named), minlength=len(key)) > 0
    word_of, position = np.divmod(key, max(count, 1))
    bounds = np.searchsorted(word_of, np.arange(len(vocabulary) + 1)).tolist()
    spans = [(word, bounds[n], bounds[n + 1]) for word, n in vocabulary.items()]
    index = TextIndex(
        source=catalogue.word_index,
        positions={word: position[start:stop] for word, start, stop in spans},
        weights={word: summed[start:stop] for word, start, stop in spans},
        in_name={word: in_name[start:stop] for word, start, stop in spans},
        name_sizes=np.fromiter(map(len, names), dtype=np.int64, count=count),
    )
    catalogue.__dict__[_TEXT_INDEX_KEY] = index
    return index


def _popularity_rank(catalogue: Catalogue) -> np.ndarray:
    """Each position's place in `catalogue.popular_order` (0 = most popular; ties by id)."""
    cached = catalogue.__dict__.get(_POPULARITY_RANK_KEY)
    order = catalogue.popular_order
    if cached is not None and cached[0] is order:
        return np.asarray(cached[1])
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    catalogue.__dict__[_POPULARITY_RANK_KEY] = (order, rank)
    return rank


def text_matches(catalogue: Catalogue, query: frozenset[str], limit: int) -> np.ndarray:
    """Dishes sharing a word with the query, best v1 match first (ties: more popular first).

    The v1 score of every such dish is the sum of its precomputed per-word weights (exact:
    multiples of 0.25), and the best `limit` are selected, not sorted all: one integer key per
    dish orders by score, then popularity, then id, as a lexsort of the three would.
    """
    index = text_index(catalogue)
    words = [w for w in query if w in index.positions]
    if not words:
        return np.zeros(0, dtype=np.int64)
    if len(words) == 1:
        positions, hits = index.positions[words[0]], index.weights[words[0]]
    else:
        summed = np.zeros(len(catalogue), dtype=np.float64)
        for word in words:
            summed[index.positions[word]] += index.weights[word]
        positions = np.flatnonzero(summed)
        hits = summed[positions]
    # hits * 4 is a whole number; a dish's popularity rank breaks ties (popularity, then id).
    key = -np.rint(hits / INGREDIENT_WEIGHT).astype(np.int64) * len(catalogue)
    key += _popularity_rank(catalogue)[positions]
    if len(key) > limit:
        best = np.argpartition(key, limit - 1)[:limit]
        return np.asarray(positions[best[np.argsort(key[best])]], dtype=np.int64)
    return np.asarray(positions[np.argsort(key)], dtype=np.int64)


def query_relevance(
    catalogue: Catalogue, positions: np.ndarray, query: frozenset[str]
) -> tuple[np.ndarray, np.ndarray]:
    """text_match and name_overlap of the query's stems against the dishes at `positions`, equal
    to recommender.datasets.food.relevance_columns, from the TextIndex (no per-dish Python)."""
    count = len(positions)
    if not query or not count:
        return np.zeros(count, dtype=np.float32), np.zeros(count, dtype=np.float32)
    index = text_index(catalogue)
    hits = np.zeros(count, dtype=np.float64)
    shared = np.zeros(count, dtype=np.int64)
    for word in query:
        rows = index.positions.get(word)
        if rows is None:
            continue
        at = np.minimum(np.searchsorted(rows, positions), len(rows) - 1)
        found = rows[at] == positions
        hits += np.where(found, index.weights[word][at], 0.0)
        shared += found & index.in_name[word][at]
    union = len(query) + index.name_sizes[positions] - shared
    overlap = np.divide(shared, union, out=np.zeros(count, dtype=np.float64), where=union > 0)
    return (hits / len(query)).astype(np.float32), overlap.astype(np.float32)


def embedding_neighbours(
    embeddings: np.ndarray | None, seeds: np.ndarray, per_seed: int
) -> np.ndarray:
    """The nearest dishes (cosine) to each seed dish in the model's dish embedding space.

    Only dishes the model embedded (non-zero rows, found once per embedding table) are compared;
    the others are at similarity 0, so the whole table is compared only for a seed with fewer
    than `per_seed` neighbours above 0 among them (such as a dish the model never saw).
    """
    if embeddings is None or not len(seeds) or not len(embeddings):
        return np.zeros(0, dtype=np.int64)
    width = min(per_seed, len(embeddings) - 1)
    if width <= 0:
        return np.zeros(0, dtype=np.int64)
    embedded = _embedded_rows(embeddings)
    nearest = np.empty((len(seeds), width), dtype=np.int64)
    whole = np.ones(len(seeds), dtype=bool)
    if len(embedded) > width:
        similarity = embeddings[seeds] @ embeddings[embedded].T
        similarity[embedded[None, :] == seeds[:, None]] = -np.inf
        found = np.argpartition(-similarity, width - 1, axis=1)[:, :width]
        whole = np.take_along_axis(similarity, found, axis=1).min(axis=1) <= 0
        nearest[~whole] = embedded[found[~whole]]
    if whole.any():
        rest = seeds[whole]
        similarity = embeddings[rest] @ embeddings.T
        similarity[np.arange(len(rest)), rest] = -np.inf
        nearest[whole] = np.argpartition(-similarity, width - 1, axis=1)[:, :width]
    return nearest.reshape(-1)


_EMBEDDED: dict[int, tuple[weakref.ref[np.ndarray], np.ndarray]] = {}


def _embedded_rows(embeddings: np.ndarray) -> np.ndarray:
    """Positions of the non-zero rows of an embedding table (cached while the table lives)."""
    cached = _EMBEDDED.get(id(embeddings))
    if cached is not None and cached[0]() is embeddings:
        return cached[1]
    rows = np.flatnonzero(np.any(embeddings != 0, axis=1))
    key = id(embeddings)
    _EMBEDDED[key] = (weakref.ref(embeddings, lambda _: _EMBEDDED.pop(key, None)), rows)
    return rows


def _explore(catalogue: Catalogue, request: RankRequest, count: int) -> np.ndarray:
    """A few random dishes, the same for the same person, query and hour."""
    key = f"{request.person.user_id}|{request.query}|{request.hour}|{request.similar_to}"
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    return rng.integers(0, len(catalogue), size=min(count, len(catalogue)))


def candidates_retrieve(
    catalogue: Catalogue, request: RankRequest, *, embeddings: np.ndarray | None = None
) -> Candidates:
    """The candidates for a request, deduplicated, in source order.

    Args:
        catalogue: the serving catalogue.
        request: who, what and when.
        embeddings: unit dish vectors aligned with the catalogue (None: no neighbour source).

    Returns:
        Candidate positions and the source of each.
    """
    person = request.person
    query = request.query_stems
    history = catalogue.positions_of(person.ordered[:HISTORY_LIMIT])
    seeds = catalogue.positions_of(person.recent[:NEIGHBOUR_SEEDS])
    if request.similar_to is not None:
        seeds = catalogue.positions_of((request.similar_to,))
    by_cuisine = [
        catalogue.cuisine_popular.get(c.casefold(), np.zeros(0, dtype=np.int64))[:CUISINE_LIMIT]
        for c in person.cuisines
    ]
    parts = [
        text_matches(catalogue, query, TEXT_LIMIT),
        history,
        np.concatenate(by_cuisine) if by_cuisine else np.zeros(0, dtype=np.int64),
        embedding_neighbours(
            embeddings, seeds, NEIGHBOURS_PER_DISH * (4 if request.similar_to is not None else 1)
        ),
        catalogue.popular_order[:POPULAR_LIMIT],
        _explore(catalogue, request, EXPLORE_COUNT),
    ]
    positions = np.concatenate([p.astype(np.int64) for p in parts])
    sources = np.concatenate([np.full(len(p), i, dtype=np.int64) for i, p in enumerate(parts)])
    _, first = np.unique(positions, return_index=True)
    first.sort()
    return Candidates(positions=positions[first], sources=sources[first])


def candidates_filter(
    catalogue: Catalogue, candidates: Candidates, request: RankRequest, filters: Filters
) -> Candidates:
    """Drop candidates that break the filters or the person's diet, dismissed and excluded dishes.

    Args:
        catalogue: the serving catalogue.
        candidates: retrieved candidates.
        request: the request (its person's diet and dismissals apply).
        filters: the caller's filters.

    Returns:
        The candidates that pass, in the same order.
    """
    positions = candidates.positions
    keep = np.ones(len(positions), dtype=bool)
    diets = filters.diet | request.person.diets
    vegan = catalogue.column("dish_is_vegan")[positions] == 1
    for diet in diets:
        allowed = catalogue.column(f"dish_is_{diet}")[positions] == 1
        # A vegan dish is vegetarian too, whatever its vegetarian flag says.
        keep &= allowed | vegan if diet == "vegetarian" else allowed
    if filters.course:
        keep &= catalogue.column("dish_course")[positions] == filters.course
    if filters.cuisine:
        wanted = filters.cuisine.casefold()
        keep &= np.array(
            [str(c).casefold() == wanted for c in catalogue.column("dish_cuisine")[positions]],
            dtype=bool,
        )
    if filters.max_price is not None:
        prices = catalogue.column("dish_price")[positions]
        keep &= (prices <= filters.max_price) | (prices <= 0)
    excluded = set(filters.exclude) | set(request.person.dismissed)
    if filters.exclude_seen:
        excluded |= set(request.person.ordered)
    if request.similar_to is not None:
        excluded.add(request.similar_to)
    if excluded:
        keep &= ~np.isin(catalogue.ids[positions], np.fromiter(excluded, dtype=np.int64))
    return Candidates(positions=positions[keep], sources=candidates.sources[keep])
