"""Suggestions for the caller (or, for staff, any person) and "similar, but different" dishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from foodapp.api.base import ApiViewMixin, query_params_valid
from foodapp.api.people import person_requested
from foodapp.api.serializers import (
    RecommendationQuerySerializer,
    SimilarQuerySerializer,
    SuggestionListSerializer,
)
from foodapp.api.suggestions import (
    ServedList,
    impressions_log,
    price_limit,
    recommendations_served,
    served_body,
    similar_served,
)
from foodapp.recommendations.rankers import FALLBACK_RANKER, ranked_with_fallback
from foodapp.recommendations.request import Filters
from foodapp.training.predictors import ModelNotAvailableError

NO_MODEL = "{error}; ranker={fallback} needs no model"


def _untrained(error: Exception) -> NotFound:
    """404 (as /v1/models/ answers for a model with no version) naming the model and the ranker
    that needs none."""
    return NotFound(NO_MODEL.format(error=str(error).strip("'\""), fallback=FALLBACK_RANKER))


def _served(
    served_by: Callable[[str], tuple[ServedList, bool]], request: Request, ranker: str
) -> tuple[ServedList, bool]:
    """Served by the ranker asked for by name, else by the default one or, when its model is
    not trained yet, by the fallback ranker."""
    if "ranker" in request.query_params:
        return served_by(ranker)
    return ranked_with_fallback(served_by, ranker)[0]


class RecommendationsView(ApiViewMixin, APIView):
    """GET /api/v1/recommendations/: ranked suggestions for the caller (a guest gets popular ones).

    Without `ranker=`, the default ranker answers when its model is trained, v1 otherwise; a
    ranker asked for by name whose model has no active version answers 404 (as /v1/models/ does).
    Each served list is logged as the caller's impressions unless record_impressions=false.
    """

    @extend_schema(parameters=[RecommendationQuerySerializer], responses=SuggestionListSerializer)
    def get(self, request: Request) -> Response:
        params = query_params_valid(RecommendationQuerySerializer, request)
        person = person_requested(caller=request.user, user_id=params["user_id"])
        try:
            filters = Filters(
                diet=frozenset(params["diet"]),
                course=params["course"],
                cuisine=params["cuisine"].strip(),
                max_price=price_limit(params["max_price"]),
                exclude_seen=params["exclude_seen"],
            )
        except ValueError as error:
            raise ValidationError(str(error)) from None
        query = params["q"]

        def served_by(ranker: str) -> tuple[ServedList, bool]:
            return recommendations_served(
                user=person,
                query=query,
                k=params["k"],
                filters=filters,
                ranker=ranker,
                diversify=params["diversify"],
                explain=params["explain"],
            )

        try:
            served, cached = _served(served_by, request, params["ranker"])
        except ModelNotAvailableError as error:
            raise _untrained(error) from None
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return _answer(request, served, cached, person, query, params)


class SimilarView(ApiViewMixin, APIView):
    """GET /api/v1/recommendations/similar/<dish id>/ (also /api/v1/dishes/<id>/similar/); the
    ranker falls back as for the suggestions."""

    @extend_schema(
        parameters=[
            SimilarQuerySerializer,
            OpenApiParameter("pk", int, OpenApiParameter.PATH, description="the dish id"),
        ],
        responses=SuggestionListSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        params = query_params_valid(SimilarQuerySerializer, request)

        def served_by(ranker: str) -> tuple[ServedList, bool]:
            return similar_served(
                user=request.user,
                dish_id=int(pk),
                k=params["k"],
                ranker=ranker,
                explain=params["explain"],
            )

        try:
            served, cached = _served(served_by, request, params["ranker"])
        except ModelNotAvailableError as error:
            raise _untrained(error) from None
        except LookupError as error:
            raise NotFound(str(error)) from None
        except ValueError as error:
            raise ValidationError(str(error)) from None
        return _answer(request, served, cached, request.user, "", params)


def _answer(
    request: Request,
    served: ServedList,
    cached: bool,
    person: Any,
    query: str,
    params: dict[str, Any],
) -> Response:
    """Log the impressions (unless told not to) and answer the list."""
    viewer = request.user if request.user.is_authenticated else None
    person = person if person is not None and person.is_authenticated else None
    impressions = (
        impressions_log(served=served, viewer=viewer, person=person, query=query)
        if params["record_impressions"]
        else 0
    )
    return Response(served_body(served=served, query=query, cached=cached, impressions=impressions))
