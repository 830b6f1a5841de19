"""The suggestion cache: a served list kept per person, query, filters, ranker and version.

Entries live in Django's default cache (Redis when REDIS_URL is set, process memory otherwise).
An entry is found again only while three things hold:
- the version that serves is the one that ranked it (a newly activated version misses);
- the person's generation is the one it was stored under (recording an order or a dismissal for
  them draws a new generation, see `suggestions_drop_for_people`, called by the event-recording
  service);
- the hour and weekday are the same (they are model inputs), and at most SUGGESTIONS_SECONDS.

The cache is an accelerator, never a dependency: when it fails (Redis down), each operation logs
the error and behaves as a miss, so suggestions are computed and served, and events are stored.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from foodapp.recommendations.rankers import ranker_info
from foodapp.recommendations.request import Filters
from foodapp.training.experiments import served_version_for_person
from foodapp.training.predictors import NO_ACTIVE_VERSION, ModelNotAvailableError

logger = logging.getLogger(__name__)

T = TypeVar("T")

GENERATION_SECONDS = 30 * 24 * 60 * 60
# After a failure the cache is left alone this long: a dead Redis costs one failed call
# (redis-py retries for about 0.1 s) per process every few seconds, not several per request.
RETRY_AFTER_SECONDS = 5.0
DEFAULT_SUGGESTIONS_SECONDS = 300
_GUEST = "guest"
_FIRST_GENERATION = "0"


def suggestions_seconds() -> int:
    """How long a cached list may be served (settings.SUGGESTIONS_CACHE_SECONDS)."""
    return int(getattr(settings, "SUGGESTIONS_CACHE_SECONDS", DEFAULT_SUGGESTIONS_SECONDS))


def _generation_key(user_id: int) -> str:
    """The cache key of one person's generation."""
    return f"suggestions:generation:{user_id}"


class _Breaker:
    """Remembers a recent cache failure so that the next calls skip the cache for a while."""

    def __init__(self) -> None:
        self.closed_until = 0.0

    def open(self) -> bool:
        """Whether the cache may be tried now."""
        return time.monotonic() >= self.closed_until

    def trip(self) -> None:
        """Skip the cache for RETRY_AFTER_SECONDS."""
        self.closed_until = time.monotonic() + RETRY_AFTER_SECONDS

    def reset(self) -> None:
        """Try the cache again at once (tests, after pointing the cache elsewhere)."""
        self.closed_until = 0.0


BREAKER = _Breaker()


def _cache_failed(operation: str, error: Exception) -> None:
    """Log a cache failure and skip the cache for a while; the caller carries on uncached."""
    BREAKER.trip()
    logger.warning(
        "suggestion cache unavailable for %.0f s: %s failed (%s: %s)",
        RETRY_AFTER_SECONDS,
        operation,
        type(error).__name__,
        error,
    )


def suggestions_drop_for_people(*, user_ids: Iterable[int]) -> None:
    """Forget every cached list of these people by drawing each a new generation.

    Args:
        user_ids: the people whose suggestions changed (they ordered or dismissed).
    """
    ids = sorted(set(user_ids))
    if not ids:
        return
    # Tried even while the breaker is tripped: a missed drop would serve stale lists later.
    generation = uuid.uuid4().hex[:12]
    try:
        cache.set_many({_generation_key(i): generation for i in ids}, GENERATION_SECONDS)
    except Exception as error:
        _cache_failed("dropping suggestions", error)


def suggestions_key(*, user_id: int | None, parts: Mapping[str, Any]) -> str:
    """The cache key of one list: the person and what was asked.

    Args:
        user_id: the person (None for guests, who share their lists).
        parts: everything else the list depends on (query, filters, ranker, version, k, ...),
            with values whose repr is stable (str, int, bool, None, sorted tuples).

    Returns:
        A short key safe for every cache backend.
    """
    described = "|".join(f"{name}={parts[name]!r}" for name in sorted(parts))
    digest = hashlib.sha256(described.encode("utf-8", "backslashreplace")).hexdigest()[:32]
    return f"suggestions:{user_id if user_id is not None else _GUEST}:{digest}"


def suggestions_cached(
    *, user_id: int | None, parts: Mapping[str, Any], compute: Callable[[], T]
) -> tuple[T, bool]:
    """The cached list for this person and request, or `compute()` stored for the next time.

    One cache round trip on a hit: the person's generation and the entry are read together, and
    an entry counts only when it was stored under the generation that is current.

    Args:
        user_id: the person (None for a guest).
        parts: what the list depends on besides the person (see `suggestions_key`); include the
            version that serves, so that activating another one misses.
        compute: builds the list on a miss; its exceptions propagate and nothing is stored.

    Returns:
        The list and whether it came from the cache.
    """
    if not BREAKER.open():
        return compute(), False
    key = suggestions_key(user_id=user_id, parts=parts)
    generation_key = _generation_key(user_id) if user_id is not None else None
    try:
        found = cache.get_many([key] if generation_key is None else [generation_key, key])
    except Exception as error:  # redis-py's ConnectionError, TimeoutError, ...
        _cache_failed("reading suggestions", error)
        return compute(), False
    generation = (
        _GUEST if generation_key is None else str(found.get(generation_key, _FIRST_GENERATION))
    )
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1], True
    value = compute()
    try:
        cache.set(key, (generation, value), suggestions_seconds())
    except Exception as error:
        _cache_failed("storing suggestions", error)
    return value, False


def serving_version(*, ranker: str, person_id: int | None = None) -> str | None:
    """The model version that serves this person now ("model:version"; None for v1): their
    arm's when an A/B test of the ranker's model runs, else the active one. Read from the
    process's snapshot of served versions: no database query per request.

    Raises:
        ModelNotAvailableError: the ranker's model has no active version.
    """
    model_name = ranker_info(ranker).model_name
    if model_name is None:
        return None
    served = served_version_for_person(
        model_name=model_name, person_id=str(person_id) if person_id is not None else ""
    )
    if served is None:
        raise ModelNotAvailableError(NO_ACTIVE_VERSION.format(name=model_name))
    return f"{served.model_name}:{served.version}"


def filters_part(filters: Filters | None) -> tuple[Any, ...] | None:
    """The filters as a key part with a stable repr."""
    if filters is None:
        return None
    return (
        tuple(sorted(filters.diet)),
        filters.course,
        filters.cuisine.lower(),
        filters.max_price,
        filters.exclude_seen,
        tuple(sorted(filters.exclude)),
    )


def request_parts(
    *, kind: str, ranker: str, person_id: int | None, now: datetime, **request: Any
) -> dict[str, Any]:
    """What a list depends on besides the person, as `suggestions_cached` takes it.

    Args:
        kind: what is cached under the key (each caller caches its own kind of value).
        ranker: the ranker asked for; the version of its model that serves the person (their
            A/B arm's, if any) joins the parts.
        person_id: the person (None for a guest).
        now: the moment it is ranked for (its weekday and hour are model inputs).
        **request: the rest of the request (query, k, filters, diversify, explain, dish, ...).

    Returns:
        The parts, filters made stable.

    Raises:
        ModelNotAvailableError: the ranker's model has no active version.
    """
    parts = {name: value for name, value in request.items() if name != "filters"}
    if "filters" in request:
        parts["filters"] = filters_part(request["filters"])
    parts.update(
        kind=kind,
        ranker=ranker,
        version=serving_version(ranker=ranker, person_id=person_id),
        hour=(now.weekday(), now.hour),
    )
    return parts
