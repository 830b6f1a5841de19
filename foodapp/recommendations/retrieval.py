"""Retrieval: gather a few hundred candidates worth ranking, from several sources.

The learned rankers only know what the logs showed them, so they rank candidates, never the whole
catalogue: dishes whose text matches the query (general words such as "seafood" or "italian
food" match the dishes labelled so), the person's history and favourite cuisines, neighbours of
their recent dishes in the model's dish embedding space, popular dishes and a little exploration.
Every source is a lookup in structures the catalogue built once; nothing scans the catalogue.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from foodapp.recommendations.catalogue import Catalogue
from foodapp.recommendations.request import Filters, RankRequest
from recommender.text_match import naive_match

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


def text_matches(catalogue: Catalogue, query: frozenset[str], limit: int) -> np.ndarray:
    """Dishes sharing a word with the query, best v1 match first (ties: more popular first)."""
    hits = [catalogue.word_index[w] for w in query if w in catalogue.word_index]
    if not hits:
        return np.zeros(0, dtype=np.int64)
    positions = np.unique(np.concatenate(hits))
    names, labels, ingredients = catalogue.pool.text
    scores = np.fromiter(
        (
            naive_match(query, name=names[p], labels=labels[p], ingredients=ingredients[p])
            for p in positions
        ),
        dtype=np.float64,
        count=len(positions),
    )
    order = np.lexsort((-catalogue.popularity[positions], -scores))[:limit]
    return positions[order]


def embedding_neighbours(
    embeddings: np.ndarray | None, seeds: np.ndarray, per_seed: int
) -> np.ndarray:
    """The nearest dishes (cosine) to each seed dish in the model's dish embedding space."""
    if embeddings is None or not len(seeds) or not len(embeddings):
        return np.zeros(0, dtype=np.int64)
    similarity = embeddings[seeds] @ embeddings.T
    similarity[np.arange(len(seeds)), seeds] = -np.inf
    width = min(per_seed, similarity.shape[1] - 1)
    if width <= 0:
        return np.zeros(0, dtype=np.int64)
    nearest = np.argpartition(-similarity, width - 1, axis=1)[:, :width]
    return np.asarray(nearest.reshape(-1), dtype=np.int64)


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
