"""What every /api/v1/ view shares: throttling, pagination and validated query strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from foodapp.api.pagination import ApiPagination
from foodapp.api.throttling import API_THROTTLES


class ApiViewMixin:
    """Throttled (429 JSON) and paginated; authentication and errors come from REST_FRAMEWORK."""

    throttle_classes: Sequence[type[BaseThrottle]] = API_THROTTLES
    pagination_class: type[BasePagination] | None = ApiPagination


def query_params_valid(
    serializer_class: type[serializers.Serializer[Any]], request: Request
) -> dict[str, Any]:
    """The request's query string checked by `serializer_class` (400 naming the field)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
