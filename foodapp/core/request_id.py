"""Give every web request an id, echo it back, and log one line when the request ends."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from foodapp.core.log_context import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
logger = logging.getLogger("foodapp.request")


def request_id_from(request: HttpRequest) -> str:
    """Reuse a well-formed incoming X-Request-ID (from a proxy), else make a new one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _VALID_INCOMING_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for logging and answers it in the X-Request-ID header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "request finished",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
