"""The searches people type: specific dish names and general requests, with Zipf popularity.

Each query carries two scores per dish. `relevance` is the hidden truth (what the person meant);
`naive` is what character matching on the dish text sees (the v1 app, and the logging policy).
They disagree on purpose: "fried chicken" matches "Chicken Fried Rice" word for word.

Popularity is Zipf over a seeded order in which general requests crowd the head; the story's
headline queries (STORY_HEAD_QUERIES: "fried chicken") are placed at a seeded rank among the
STORY_TOP_RANKS most popular. The head (`QueryCatalogue.head`) is the most popular queries that
together cover HEAD_SEARCH_SHARE (50%) of searches; every other query is the tail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from foodapp.interactions.query_text import normalize_query
from foodapp.simulation.dishes import (
    SLOT_BREAKFAST,
    SLOT_COFFEE,
    SLOT_DESSERT,
    SLOT_FAST_FOOD,
    DishTable,
    stems,
    text_tokens,
)

KIND_SPECIFIC, KIND_GENERAL = 0, 1
QUERY_KINDS = ("specific", "general")
ZIPF_EXPONENT = 1.07
NEAR_VARIANT_RELEVANCE = 0.2
NEAR_VARIANT_SIMILARITY = 0.4
MIN_DISHES_FOR_GENERAL = 3
MAX_INGREDIENT_QUERIES = 30
# General queries draw their Zipf rank from a range this much shorter: they crowd the head.
GENERAL_HEAD_BIAS = 0.1
# The story's headline searches are frequent ones: each takes a seeded rank in the top ten.
STORY_HEAD_QUERIES = ("fried chicken",)
STORY_TOP_RANKS = 10
# Head queries: the most popular ones that together make this share of the searches.
HEAD_SEARCH_SHARE = 0.5


@dataclass
class QueryCatalogue:
    """Every query the population may type, aligned arrays indexed by query position."""

    texts: tuple[str, ...]
    kind: np.ndarray = field(repr=False)
    target: np.ndarray = field(repr=False)
    popularity: np.ndarray = field(repr=False)
    relevance: np.ndarray = field(repr=False)
    naive: np.ndarray = field(repr=False)
    head: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    def index(self, text: str) -> int:
        """Position of a query text; raises KeyError when the population never types it."""
        try:
            return self.texts.index(text)
        except ValueError:
            raise KeyError(text) from None


def general_query_masks(dishes: DishTable) -> list[tuple[str, np.ndarray]]:
    """(query text, which dishes satisfy it) for general requests derived from dish features."""
    everything = [stems(" ".join((d.name, *d.tags, *d.ingredients))) for d in dishes.dishes]
    seafood = {"seafood", "fish", "shrimp", "prawn", "crab", "lobster", "salmon"}
    masks: list[tuple[str, np.ndarray]] = [
        ("seafood", np.array([bool(words & seafood) for words in everything])),
        ("fast food", dishes.slot == SLOT_FAST_FOOD),
        ("dessert", dishes.slot == SLOT_DESSERT),
        ("breakfast", dishes.slot == SLOT_BREAKFAST),
        ("coffee", dishes.slot == SLOT_COFFEE),
        ("something spicy", dishes.spice >= 2),
        ("vegetarian", dishes.vegetarian),
        ("vegan", dishes.vegan),
        ("gluten free", dishes.gluten_free),
        ("cheap eats", dishes.log_price <= np.quantile(dishes.log_price, 0.2)),
    ]
    for position, cuisine in enumerate(dishes.cuisines):
        masks.append((f"{cuisine.lower()} food", dishes.cuisine_index == position))
    tags = [{t.lower() for t in d.tags} for d in dishes.dishes]
    for tag in sorted(set().union(*tags)):
        if not tag.endswith("-friendly"):
            masks.append((tag, np.array([tag in row for row in tags])))
    # Ingredients people search for are the ones dishes are named after ("shrimp", not "salt").
    ingredients = [{x.lower() for x in d.ingredients} for d in dishes.dishes]
    counts = Counter(x for row in ingredients for x in row)
    named = Counter(
        phrase for d in dishes.dishes for phrase in set(name_phrases(text_tokens(d.name)))
    )
    top = sorted(
        (x for x in counts if named[x] >= MIN_DISHES_FOR_GENERAL),
        key=lambda x: (-counts[x], x),
    )[:MAX_INGREDIENT_QUERIES]
    for name in top:
        masks.append((name, np.array([name in row for row in ingredients])))
    return masks


def name_phrases(tokens: tuple[str, ...], longest: int = 3) -> list[str]:
    """Every run of up to `longest` consecutive words of a name ("soy sauce", "sauce", ...)."""
    return [
        " ".join(tokens[i : i + n])
        for n in range(1, longest + 1)
        for i in range(len(tokens) - n + 1)
    ]


def stem_matrix(texts: list[frozenset[str]], vocabulary: dict[str, int]) -> np.ndarray:
    """A 0/1 matrix: row i marks which vocabulary stems text i contains."""
    matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, words in enumerate(texts):
        for word in words:
            if word in vocabulary:
                matrix[row, vocabulary[word]] = 1.0
    return matrix


def naive_scores(dishes: DishTable, query_stems: list[frozenset[str]]) -> np.ndarray:
    """Character matching of each query against each dish's text (the v1 app's idea of relevance).

    The share of query words found in the dish name counts fully, in its cuisine, course or tags
    half, in its ingredients a quarter.
    """
    names = [dishes.name_stems(i) for i in range(len(dishes))]
    labels = [stems(" ".join((d.cuisine, d.course, *d.tags))) for d in dishes.dishes]
    ingredients = [stems(" ".join(d.ingredients)) for d in dishes.dishes]
    words = sorted(set().union(*query_stems, *names, *labels, *ingredients))
    vocabulary = {w: i for i, w in enumerate(words)}
    queries = stem_matrix(query_stems, vocabulary)
    hits = (
        stem_matrix(names, vocabulary)
        + 0.5 * stem_matrix(labels, vocabulary)
        + 0.25 * stem_matrix(ingredients, vocabulary)
    )
    sizes = np.maximum(queries.sum(axis=1, keepdims=True), 1.0)
    return np.asarray(queries @ hits.T / sizes, dtype=np.float32)


def name_similarity(dishes: DishTable) -> np.ndarray:
    """Jaccard similarity of the stemmed name words of every pair of dishes."""
    names = [dishes.name_stems(i) for i in range(len(dishes))]
    vocabulary = {w: i for i, w in enumerate(sorted(set().union(*names)))}
    matrix = stem_matrix(names, vocabulary)
    shared = matrix @ matrix.T
    sizes = matrix.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - shared
    return np.asarray(np.where(union > 0, shared / np.maximum(union, 1.0), 0.0))


def query_catalogue_build(*, dishes: DishTable, rng: np.random.Generator) -> QueryCatalogue:
    """Build the queries of a catalogue and their hidden relevance.

    Specific queries are dish names: the exact dish is fully relevant, near variants (dishes that
    share most name words, e.g. "hot latte with whole milk" for "iced decaf latte with nonfat
    milk") only slightly. General queries are satisfied by every dish with the feature they name.

    Args:
        dishes: The catalogue.
        rng: The seeded generator (draws the Zipf order).

    Returns:
        The query catalogue.
    """
    texts: list[str] = []
    kinds: list[int] = []
    targets: list[int] = []
    rows: list[np.ndarray] = []
    seen: set[str] = set()
    for label, mask in general_query_masks(dishes):
        text = normalize_query(label)
        if text in seen or mask.sum() < MIN_DISHES_FOR_GENERAL:
            continue
        seen.add(text)
        texts.append(text)
        kinds.append(KIND_GENERAL)
        targets.append(-1)
        rows.append(mask.astype(np.float32))
    similarity = name_similarity(dishes)
    for i, dish in enumerate(dishes.dishes):
        text = normalize_query(dish.name)
        if text in seen or not dishes.tokens[i]:
            continue
        seen.add(text)
        row = np.where(similarity[i] >= NEAR_VARIANT_SIMILARITY, NEAR_VARIANT_RELEVANCE, 0.0)
        row = row.astype(np.float32)
        row[i] = 1.0
        texts.append(text)
        kinds.append(KIND_SPECIFIC)
        targets.append(i)
        rows.append(row)
    kind = np.array(kinds, dtype=np.int64)
    # General requests tend to be the frequent ones; most exact dish names are typed rarely.
    order_key = rng.random(len(texts)) * np.where(kind == KIND_GENERAL, GENERAL_HEAD_BIAS, 1.0)
    order = [int(q) for q in np.argsort(order_key, kind="stable")]
    for text in STORY_HEAD_QUERIES:
        if text in seen:
            order.remove(texts.index(text))
            order.insert(
                int(rng.integers(0, min(STORY_TOP_RANKS, len(order) + 1))), texts.index(text)
            )
    rank = np.empty(len(texts), dtype=np.int64)
    rank[order] = np.arange(len(texts))
    popularity = 1.0 / (rank + 1.0) ** ZIPF_EXPONENT
    popularity = popularity / popularity.sum()
    return QueryCatalogue(
        texts=tuple(texts),
        kind=kind,
        target=np.array(targets, dtype=np.int64),
        popularity=popularity,
        relevance=np.vstack(rows),
        naive=naive_scores(dishes, [stems(t) for t in texts]),
        head=head_queries(popularity),
    )


def head_queries(popularity: np.ndarray, share: float = HEAD_SEARCH_SHARE) -> np.ndarray:
    """Which queries are the head: the most popular ones whose shares add up to `share`."""
    order = np.argsort(-popularity, kind="stable")
    covered = np.cumsum(popularity[order])
    count = int(np.searchsorted(covered, share * covered[-1])) + 1 if len(order) else 0
    head = np.zeros(len(popularity), dtype=bool)
    head[order[:count]] = True
    return head
