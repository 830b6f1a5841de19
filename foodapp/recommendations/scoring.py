"""Scoring candidates: the v1 naive score, or a learned model on the candidates' raw features.

The model inputs are built column-wise: each dish column is a gather from the catalogue's
precomputed arrays, the person, query and context are the same for every row, and the query-dish
relevance comes from the catalogue's per-word text index (retrieval.TextIndex), not from Python
per candidate. Position is 0: rank as if each dish were first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from foodapp.recommendations.catalogue import Catalogue
from foodapp.recommendations.request import RankRequest
from foodapp.recommendations.retrieval import query_relevance
from recommender.datasets.food import LIST_JOIN, MODEL_INPUTS, SERVING_POSITION

if TYPE_CHECKING:
    from recommender.serving import Predictor

# v1: the logging policy's weights (foodapp.simulation.logging_policy), without noise.
V1_TEXT_WEIGHT = 4.0
V1_POPULARITY_WEIGHT = 0.5


@dataclass(frozen=True)
class Scores:
    """Scores of candidates, best not yet first; the logit parts when a model explained them."""

    scores: np.ndarray
    logits: np.ndarray | None = None
    wide: np.ndarray | None = None
    deep: np.ndarray | None = None
    bias: np.ndarray | None = None
    contributions: dict[str, np.ndarray] | None = None
    text_match: np.ndarray | None = None


def _shared(value: object, count: int) -> np.ndarray:
    """A column holding one value for every candidate: one string (none for no candidates),
    which the predictor repeats."""
    array = np.empty(min(count, 1), dtype=object)
    array[:] = value
    return array


def model_inputs(
    catalogue: Catalogue, positions: np.ndarray, request: RankRequest
) -> dict[str, np.ndarray]:
    """The raw model inputs of the candidates, one column per model input: dish and relevance
    columns hold a value per candidate; person, query and context columns, the same for every
    candidate, hold it once (Predictor.logits_arrays repeats a one-value column)."""
    count = len(positions)
    person = request.person
    inputs: dict[str, np.ndarray] = {
        name: values[positions] for name, values in catalogue.pool.columns.items()
    }
    inputs["dish_popularity"] = catalogue.popularity[positions]
    match, overlap = query_relevance(catalogue, positions, request.query_stems)
    inputs["text_match"], inputs["name_overlap"] = match, overlap
    recent = LIST_JOIN.join(str(d) for d in person.recent)
    for name, value in (
        ("user_id", person.user_id),
        ("user_diet", person.diet),
        ("user_favourite_cuisines", person.favourite_cuisines),
        ("user_area", person.area),
        ("user_recent_dishes", recent),
        ("query", request.query),
        ("query_text", request.query),
        ("device", request.device),
    ):
        inputs[name] = _shared(value, count)
    for name, number in (
        ("position", SERVING_POSITION),
        ("hour", request.hour),
        ("weekday", request.weekday),
    ):
        inputs[name] = np.full(min(count, 1), number, dtype=np.int64)
    return {name: inputs[name] for name in MODEL_INPUTS}


def v1_score(match: np.ndarray, popularity: np.ndarray, top_popularity: float) -> np.ndarray:
    """The v1 score: text match, then popularity (log orders scaled by the most popular's)."""
    logged = np.log1p(np.asarray(popularity, dtype=np.float64))
    top = float(np.log1p(top_popularity))
    scaled = logged / top if top > 0 else logged
    return np.asarray(V1_TEXT_WEIGHT * np.asarray(match) + V1_POPULARITY_WEIGHT * scaled)


def naive_scores(catalogue: Catalogue, positions: np.ndarray, request: RankRequest) -> Scores:
    """v1: character matching of the query, then popularity (the feed: popularity only)."""
    match, _ = query_relevance(catalogue, positions, request.query_stems)
    top = float(catalogue.popularity.max()) if len(catalogue) else 0.0
    scores = v1_score(match, catalogue.popularity[positions], top)
    return Scores(scores=scores, text_match=match)


def model_scores(
    predictor: Predictor,
    catalogue: Catalogue,
    positions: np.ndarray,
    request: RankRequest,
    *,
    explain: bool,
) -> Scores:
    """A learned ranker: the probability of an order, with the logit's parts when explaining."""
    inputs = model_inputs(catalogue, positions, request)
    if not explain:
        logits = np.asarray(predictor.logits_arrays(inputs), dtype=np.float64).reshape(-1)
        return Scores(scores=_sigmoid(logits), logits=logits, text_match=inputs["text_match"])
    parts = predictor.explain_arrays(inputs)
    logits = np.asarray(parts["logits"], dtype=np.float64).reshape(-1)
    return Scores(
        scores=_sigmoid(logits),
        logits=logits,
        wide=np.asarray(parts["wide_logit"], dtype=np.float64).reshape(-1),
        deep=np.asarray(parts["deep_logit"], dtype=np.float64).reshape(-1),
        bias=np.asarray(parts["wide_bias"], dtype=np.float64).reshape(-1),
        contributions={
            name: np.asarray(values, dtype=np.float64).reshape(-1)
            for name, values in parts["contributions"].items()
        },
        text_match=inputs["text_match"],
    )


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-logits)))
