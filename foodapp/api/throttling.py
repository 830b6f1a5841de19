"""Request rates per client (settings REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), answering 429.

Each client has one counter in the default cache: the first request opens a window of the
rate's period (a minute for "1200/min"), each request adds one, and a request beyond the rate is
refused until the window expires, with Retry-After saying when. One atomic increment per request
(on Redis a single round trip), where DRF's own throttles read and rewrite a list of timestamps
(two round trips, and concurrent requests can overwrite each other's counts).

When the cache is down (Redis stopped) a request is let through and the failure logged: an
unavailable rate limiter must not take the API down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

# Not DRF's "throttle_%(scope)s_%(ident)s": those keys hold its lists of timestamps.
KEY = "throttle-window:%(scope)s:%(ident)s"


def _window_count(key: str, *, seconds: int) -> int:
    """Count one request in the window at `key` (opening it for `seconds` if there is none)."""
    try:
        return int(cache.incr(key))
    except ValueError:  # no window open
        if cache.add(key, 1, timeout=seconds):
            return 1
        return int(cache.incr(key))  # another request opened it first


class _WindowThrottle:
    """Mixin for DRF's rate throttles: a fixed window per client counted with one increment."""

    scope: str | None
    num_requests: int | None
    duration: int | None

    def __init__(self) -> None:
        super().__init__()
        self.wait_seconds: float | None = None

    def get_rate(self) -> str | None:
        """The scope's rate from the current settings (DRF reads them once, at import)."""
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = self.get_rate()
        if rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(rate)  # type: ignore[attr-defined]
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None or self.num_requests is None or self.duration is None:
            return True
        try:
            count = _window_count(key, seconds=self.duration)
            if count <= self.num_requests:
                return True
            self.wait_seconds = _seconds_left(key, default=float(self.duration))
        except Exception as error:  # redis-py's ConnectionError, TimeoutError, ...
            logger.warning("throttle cache unavailable, request let through: %s", error)
            return True
        return False

    def wait(self) -> float | None:
        """Seconds until the window closes (for Retry-After)."""
        return self.wait_seconds


def _seconds_left(key: str, *, default: float) -> float:
    """The time to live of a window: from Redis, or the whole period when the backend cannot
    tell (the process memory cache of the embedded default)."""
    ttl = getattr(cache, "ttl", None)
    left = ttl(key) if ttl is not None else None
    return float(left) if isinstance(left, int | float) and left > 0 else max(default, 1.0)


class AnonThrottle(_WindowThrottle, AnonRateThrottle):
    """Guests: the "anon" rate per IP address."""

    cache_format = KEY


class UserThrottle(_WindowThrottle, UserRateThrottle):
    """Signed-in people and tokens: the "user" rate per user."""

    cache_format = KEY


API_THROTTLES: list[type[BaseThrottle]] = [AnonThrottle, UserThrottle]
