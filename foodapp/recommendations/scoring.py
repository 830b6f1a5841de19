"""Scoring candidates: the v1 naive score, or a learned model on the candidates' raw features.

The model inputs are built column-wise: each dish column is a gather from the catalogue's
precomputed arrays, the person, query and context are the same for every row, and the query-dish
relevance comes from the catalogue's per-word text index (retrieval.TextIndex), not from Python
per candidate. Position is 0: rank as if each dish were first.

A local predictor encodes the catalogue's dish columns once (`catalogue_items`: lookups, splits
and hashing of every dish, kept per catalogue and model version), so that a request runs only the
person's, query's and context's encoding and the numeric part of the model.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from foodapp.recommendations.catalogue import Catalogue, catalogue_current
from foodapp.recommendations.request import RankRequest
from foodapp.recommendations.retrieval import query_relevance
from recommender.datasets.food import (
    LIST_JOIN,
    MODEL_INPUTS,
    NO_DISTANCE,
    SERVING_POSITION,
    DishPool,
    home_distances,
)

if TYPE_CHECKING:
    from recommender.serving import EncodedItems, Predictor

# v1: the logging policy's weights (foodapp.simulation.logging_policy), without noise.
V1_TEXT_WEIGHT = 4.0
V1_POPULARITY_WEIGHT = 0.5
# Candidate counts a warm-up ranks: one per padded batch size a request can reach.
WARM_UP_CANDIDATES = (200, 400)


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
    inputs: dict[str, np.ndarray] = {
        name: values[positions] for name, values in catalogue.pool.columns.items()
    }
    inputs.update(request_inputs(catalogue, positions, request))
    return {name: inputs[name] for name in MODEL_INPUTS}


def request_inputs(
    catalogue: Catalogue, positions: np.ndarray, request: RankRequest
) -> dict[str, np.ndarray]:
    """The model inputs other than the catalogue's dish columns: the candidates' popularity,
    relevance and distance from the person's home, and the person, query and context once."""
    count = len(positions)
    person = request.person
    inputs: dict[str, np.ndarray] = {"dish_popularity": catalogue.popularity[positions]}
    match, overlap = query_relevance(catalogue, positions, request.query_stems)
    inputs["text_match"], inputs["name_overlap"] = match, overlap
    inputs["home_distance_km"] = home_distance_column(catalogue, positions, person.home)
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
    return inputs


def home_distance_column(
    catalogue: Catalogue, positions: np.ndarray, home: tuple[float, float] | None
) -> np.ndarray:
    """km from the home to each candidate's place (NO_DISTANCE for a dish without one); one
    NO_DISTANCE for every candidate when there is no home (nothing to compute)."""
    if home is None:
        return np.full(min(len(positions), 1), NO_DISTANCE, dtype=np.float32)
    columns = catalogue.pool.columns
    return home_distances(
        home[0], home[1], columns["dish_latitude"][positions], columns["dish_longitude"][positions]
    )


# Per predictor: the dish pool it encoded and the encoded dishes (dropped with the predictor).
_ENCODED: weakref.WeakKeyDictionary[Any, tuple[DishPool, EncodedItems]] = (
    weakref.WeakKeyDictionary()
)
_ENCODED_LOCK = threading.Lock()


def catalogue_items(predictor: Predictor, catalogue: Catalogue) -> EncodedItems | None:
    """The catalogue's dish columns encoded by this predictor, once per catalogue and model
    version; None for a predictor that cannot (the remote backend)."""
    if not hasattr(predictor, "encode_items"):
        return None
    with _ENCODED_LOCK:
        cached = _ENCODED.get(predictor)
        if cached is not None and cached[0] is catalogue.pool:
            return cached[1]
        items = predictor.encode_items(catalogue.pool.columns)
        _ENCODED[predictor] = (catalogue.pool, items)
        return items


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
    """A learned ranker: the probability of an order, with the logit's parts when explaining.

    A local predictor scores the catalogue's encoded dishes (`catalogue_items`), a remote one
    the candidates' raw inputs; both give the same logits.
    """
    items = catalogue_items(predictor, catalogue)
    if items is None:
        inputs = model_inputs(catalogue, positions, request)
    else:
        inputs = request_inputs(catalogue, positions, request)
    if not explain:
        found = (
            predictor.logits_arrays(inputs)
            if items is None
            else predictor.logits_items(items, positions, inputs)
        )
        logits = np.asarray(found, dtype=np.float64).reshape(-1)
        return Scores(scores=_sigmoid(logits), logits=logits, text_match=inputs["text_match"])
    parts = (
        predictor.explain_arrays(inputs)
        if items is None
        else predictor.explain_items(items, positions, inputs)
    )
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


def predictor_warm_up(predictor: Predictor) -> None:
    """Make the first ranking calls of a local predictor ahead of any request: encode the
    served catalogue and rank a guest's feed with and without explanation (tracing the
    per-request functions and compiling their numeric part, seconds on first use; one
    compilation serves every ranking of up to 256 candidates, another up to 512)."""
    from recommender.serving import ExplainUnavailableError

    if not hasattr(predictor, "encode_items"):  # the remote backend: nothing runs here
        return
    catalogue = catalogue_current()
    # Retrieval gives up to about 400 candidates (its limits): each padded size compiles apart.
    for count in sorted({min(len(catalogue.ids), size) for size in WARM_UP_CANDIDATES}):
        positions = np.arange(count, dtype=np.int64)
        for explain in (False, True):
            with contextlib.suppress(ExplainUnavailableError):
                model_scores(predictor, catalogue, positions, RankRequest(), explain=explain)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return np.asarray(1.0 / (1.0 + np.exp(-logits)))
