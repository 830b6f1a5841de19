"""One error shape for the REST API: {"error": "..."} with the HTTP status that fits.

Every exception raised in a REST framework view ends here, so no API answers an HTML page:
DRF's own errors keep their status, a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, an
unreachable database or prediction server a 503, and anything unexpected a 500 whose details go
to the log only.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from foodapp.core.dependencies import DependencyUnavailableError

logger = logging.getLogger(__name__)

TOO_LARGE = "the request body is larger than {limit:,} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)"
DATABASE_UNAVAILABLE = "the database is unavailable; try again later"
INTERNAL_ERROR = "internal error; the request id in the X-Request-ID header finds it in the log"
NO_ENDPOINT = "no API endpoint at {path}"


def flatten_detail(detail: Any, prefix: str = "") -> list[str]:
    """Turn DRF's nested error detail into readable 'field: message' strings."""
    if isinstance(detail, dict):
        messages: list[str] = []
        for key, value in detail.items():
            name = key if key not in ("non_field_errors", "detail") else ""
            messages += flatten_detail(
                value, f"{prefix}{name}" if not prefix else f"{prefix}.{name}"
            )
        return messages
    if isinstance(detail, list):
        return [message for item in detail for message in flatten_detail(item, prefix)]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def error_response(message: str, code: int) -> Response:
    """The API's error body with this status."""
    return Response({"error": message}, status=code)


def _unhandled(exc: Exception, context: dict[str, Any]) -> Response:
    """A JSON answer for what DRF leaves to Django's HTML error pages."""
    set_rollback()
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return error_response(
            TOO_LARGE.format(limit=limit), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
        )
    view = type(context.get("view")).__name__
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable in %s", view, exc_info=exc)
        return error_response(DATABASE_UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, DependencyUnavailableError):
        logger.error("dependency unavailable in %s", view, exc_info=exc)
        return error_response(exc.public_message, status.HTTP_503_SERVICE_UNAVAILABLE)
    logger.error("unhandled error in %s", view, exc_info=exc)
    request = context.get("request")
    # As Django's own 500 handling does: error reporters (and the test client) still hear of it.
    got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    return error_response(INTERNAL_ERROR, status.HTTP_500_INTERNAL_SERVER_ERROR)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped to {"error": "..."}; what it does not handle answers JSON too."""
    response = exception_handler(exc, context)
    if response is None:
        return _unhandled(exc, context)
    response.data = {"error": "; ".join(flatten_detail(response.data))}
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """A JSON 404 for a path under an API prefix that no endpoint serves."""
    return JsonResponse({"error": NO_ENDPOINT.format(path=request.path)}, status=404)
