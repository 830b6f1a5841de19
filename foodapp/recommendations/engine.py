"""The recommendation pipeline on in-memory data: retrieve, filter, score, diversify, explain.

Django-free apart from the catalogue it is given, so the same code serves the web pages, the REST
API, the online evaluation in the simulator and the benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from foodapp.recommendations.catalogue import Catalogue
from foodapp.recommendations.diversify import mmr_order
from foodapp.recommendations.explanation import (
    Explanation,
    ReasonContext,
    explanation_build,
    naive_explanation,
)
from foodapp.recommendations.rankers import ranker_info
from foodapp.recommendations.request import Filters, RankRequest
from foodapp.recommendations.retrieval import (
    SOURCES,
    Candidates,
    candidates_filter,
    candidates_retrieve,
)
from foodapp.recommendations.scoring import Scores, model_scores, naive_scores

if TYPE_CHECKING:
    from recommender.serving import Predictor

MAX_K = 100
DIVERSIFY_POOL = 5  # MMR picks from the best k * this many
ERROR_K = "k: expected a whole number from 1 to {maximum}, got {value!r}"
ERROR_NO_PREDICTOR = "ranker {ranker!r} needs a trained model; none was given"


@dataclass(frozen=True)
class Suggestion:
    """One suggested dish."""

    rank: int
    dish_id: int
    score: float
    source: str
    explanation: Explanation | None = None


@dataclass(frozen=True)
class Ranking:
    """The ranked suggestions and what produced them."""

    suggestions: tuple[Suggestion, ...]
    ranker: str
    model_name: str | None
    version: int | None
    candidates: int
    sources: dict[str, int] = field(default_factory=dict)


def check_k(k: object) -> int:
    """k as an int in 1..MAX_K, or ValueError naming k."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValueError(ERROR_K.format(maximum=MAX_K, value=k))
    return k


def rank(
    catalogue: Catalogue,
    request: RankRequest,
    *,
    ranker: str,
    predictor: Predictor | None = None,
    embeddings: np.ndarray | None = None,
    k: int = 10,
    filters: Filters | None = None,
    diversify: bool = False,
    explain: bool = False,
) -> Ranking:
    """Rank dishes for one request.

    Args:
        catalogue: the serving catalogue.
        request: who, what and when (a new person, an unseen query or a new dish is ranked from
            its features: never an error).
        ranker: "v1", "v2", "v3" or "v4".
        predictor: the loaded model of a learned ranker (ignored for v1).
        embeddings: unit dish vectors aligned with the catalogue, for neighbour retrieval.
        k: how many suggestions (1-100).
        filters: hard filters (the person's diet always applies).
        diversify: re-rank the best candidates by MMR for "similar, but different".
        explain: attach each suggestion's explanation.

    Returns:
        At most k suggestions, best first (fewer when the filters leave fewer dishes).

    Raises:
        ValueError: a bad k or ranker, or a learned ranker without its predictor.
    """
    info = ranker_info(ranker)
    k = check_k(k)
    if info.model_type and predictor is None:
        raise ValueError(ERROR_NO_PREDICTOR.format(ranker=ranker))
    filters = filters or Filters()
    if request.similar_to is not None and info.model_type is None:
        request = _with_dish_name_as_query(catalogue, request)
    found = candidates_filter(
        catalogue, candidates_retrieve(catalogue, request, embeddings=embeddings), request, filters
    )
    if not len(found):
        return Ranking((), ranker, info.model_name, _version(predictor, info), 0, {})
    positions = found.positions
    if info.model_type is None:
        scores = naive_scores(catalogue, positions, request)
    else:
        assert predictor is not None
        scores = model_scores(predictor, catalogue, positions, request, explain=explain)
    order = np.lexsort((catalogue.ids[positions], -scores.scores))
    if diversify or request.similar_to is not None:
        pool = order[: k * DIVERSIFY_POOL]
        order = pool[mmr_order(scores.scores[pool], catalogue.vectors[positions[pool]], k)]
    chosen = order[:k]
    suggestions = tuple(
        Suggestion(
            rank=rank_number,
            dish_id=int(catalogue.ids[positions[row]]),
            score=float(scores.scores[row]),
            source=SOURCES[int(found.sources[row])],
            explanation=_explanation(catalogue, request, scores, positions, row)
            if explain
            else None,
        )
        for rank_number, row in enumerate(chosen, start=1)
    )
    return Ranking(
        suggestions=suggestions,
        ranker=ranker,
        model_name=info.model_name,
        version=_version(predictor, info),
        candidates=len(found),
        sources=Candidates(positions, found.sources).source_counts(),
    )


def _version(predictor: Predictor | None, info: object) -> int | None:
    """The version number that ranked, None for v1."""
    model_type = getattr(info, "model_type", None)
    return predictor.version if predictor is not None and model_type else None


def _with_dish_name_as_query(catalogue: Catalogue, request: RankRequest) -> RankRequest:
    """For v1's "similar" list: match the dish's own name, as naive matching would."""
    from dataclasses import replace

    from foodapp.interactions.query_text import normalize_query

    assert request.similar_to is not None
    position = catalogue.positions.get(request.similar_to)
    if position is None:
        return request
    name = str(catalogue.column("dish_name")[position])
    return replace(request, query=normalize_query(name))


def _explanation(
    catalogue: Catalogue, request: RankRequest, scores: Scores, positions: np.ndarray, row: int
) -> Explanation:
    """The explanation of candidate `row`."""
    text_match = float(scores.text_match[row]) if scores.text_match is not None else 0.0
    if scores.logits is None or scores.wide is None or scores.deep is None:
        return naive_explanation(text_match=text_match, query=request.query)
    position = int(positions[row])
    dish_id = int(catalogue.ids[position])
    context = ReasonContext(
        query=request.query,
        dish_name=str(catalogue.column("dish_name")[position]),
        cuisine=str(catalogue.column("dish_cuisine")[position]),
        course=str(catalogue.column("dish_course")[position]),
        hour=request.hour,
        ordered_before=dish_id in request.person.ordered,
    )
    contributions = {
        name: float(values[row]) for name, values in (scores.contributions or {}).items()
    }
    return explanation_build(
        logit=float(scores.logits[row]),
        wide=float(scores.wide[row]),
        deep=float(scores.deep[row]),
        contributions=contributions,
        context=context,
    )
