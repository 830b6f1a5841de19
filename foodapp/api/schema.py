"""OpenAPI schema hooks: only /api/v1/ is described, and every operation lists its JSON errors."""

from __future__ import annotations

from typing import Any

API_PREFIX = "/api/v1/"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string", "description": "what was wrong"}},
    "required": ["error"],
}
ERROR_STATUSES = {
    "400": "Bad input: the message names the field",
    "401": "Not signed in (token authentication)",
    "403": "Not allowed: not signed in, not your data, or missing the permission",
    "404": "No such object or page",
    "405": "Method not allowed",
    "406": "Only JSON can be answered",
    "409": "Conflict: already running, or refused by the activation checks",
    "413": "Body too large",
    "415": "Body is not JSON",
    "422": "Idempotency key reused for a different body",
    "429": "Too many requests: wait and retry",
    "503": "A model or the database is unavailable",
}


def endpoints_api_only(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Keep the /api/v1/ endpoints (the /v1/models/ ones follow TensorFlow Serving's API)."""
    return [endpoint for endpoint in endpoints if str(endpoint[0]).startswith(API_PREFIX)]


def error_responses_add(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the {"error": "..."} body to every operation for every error status it may answer."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, text in ERROR_STATUSES.items():
                responses.setdefault(
                    code,
                    {"description": text, "content": {"application/json": {"schema": reference}}},
                )
    return result
