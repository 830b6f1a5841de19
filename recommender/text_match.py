"""Naive character matching of a query against dish text: the story's v1, and two model features.

One home for the text matching that the simulator's logging policy, the v1 ranker, retrieval and
the food model's relevance features all use, so that they agree word for word. Matching is on
crude stems of lower-cased word tokens without stopwords: "Chicken Fried Rice" matches "fried
chicken" fully, which is exactly the v1 mistake the story starts from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TOKEN_PATTERN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset({"a", "an", "and", "the", "of", "with", "in", "on", "food", "something"})

# How much a query word counts when found in each part of a dish's text.
NAME_WEIGHT = 1.0
LABEL_WEIGHT = 0.5
INGREDIENT_WEIGHT = 0.25


def text_tokens(text: str) -> tuple[str, ...]:
    """Lower-case word tokens of `text` without stopwords, in order of appearance."""
    return tuple(t for t in TOKEN_PATTERN.findall(text.lower()) if t not in STOPWORDS)


def stem(token: str) -> str:
    """A crude plural stem, so that "noodles" matches "noodle"."""
    return token[:-1] if len(token) > 3 and token.endswith("s") else token


def stems(text: str) -> frozenset[str]:
    """The set of stemmed tokens of `text`."""
    return frozenset(stem(t) for t in text_tokens(text))


def label_text(cuisine: str, course: str, tags: Iterable[str]) -> str:
    """The words that label a dish (cuisine, course, tags) as one string to stem."""
    return " ".join((cuisine, course, *tags))


def naive_match(
    query: frozenset[str],
    *,
    name: frozenset[str],
    labels: frozenset[str],
    ingredients: frozenset[str],
) -> float:
    """The v1 score: each query word found in the name counts 1, in the labels 0.5, in the
    ingredients 0.25 (adding up when found in several), divided by the number of query words.

    Args:
        query: stems of the query.
        name: stems of the dish name.
        labels: stems of its cuisine, course and tags.
        ingredients: stems of its ingredients.

    Returns:
        0 for no match or an empty query; 1 when every query word is in the name; up to 1.75.
    """
    if not query:
        return 0.0
    hits = (
        NAME_WEIGHT * len(query & name)
        + LABEL_WEIGHT * len(query & labels)
        + INGREDIENT_WEIGHT * len(query & ingredients)
    )
    return hits / len(query)


def name_overlap(query: frozenset[str], name: frozenset[str]) -> float:
    """Jaccard overlap of the query's and the dish name's stems (1 = the same words)."""
    union = len(query | name)
    return len(query & name) / union if union else 0.0
