"""Request rates per client (settings REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), answering 429.

The counters live in the default cache. When it is down (Redis stopped) a request is let
through and the failure logged: an unavailable rate limiter must not take the API down.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _AllowWhenCacheDown:
    """Mixin: a cache error lets the request through (logged) instead of answering 500."""

    scope: str | None

    def get_rate(self) -> str | None:
        """The scope's rate from the current settings (DRF reads them once, at import)."""
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return bool(super().allow_request(request, view))  # type: ignore[misc]
        except Exception as error:  # redis-py's ConnectionError, TimeoutError, ...
            logger.warning("throttle cache unavailable, request let through: %s", error)
            return True


class AnonThrottle(_AllowWhenCacheDown, AnonRateThrottle):
    """Guests: the "anon" rate per IP address."""


class UserThrottle(_AllowWhenCacheDown, UserRateThrottle):
    """Signed-in people and tokens: the "user" rate per user."""


API_THROTTLES: list[type[BaseThrottle]] = [AnonThrottle, UserThrottle]
