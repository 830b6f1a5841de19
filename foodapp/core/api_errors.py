"""One error shape for the REST API: {"error": "..."} with the HTTP status that fits."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler


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


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped to {"error": "..."}."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"error": "; ".join(flatten_detail(response.data))}
    return response
