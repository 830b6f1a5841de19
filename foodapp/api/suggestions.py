"""Served suggestion lists: ranked by the recommendation service, cached, logged as impressions.

A list is cached (foodapp.recommendations.cache) per person, query, filters, ranker, the model
version that serves it and the hour; its dishes are cached with it, so a warm request asks the
database only who the caller is (token or session).

Impressions: every list served to the person it is for is logged through `impressions_record`
with its ranker and version (in batches, see impressions.py), unless the client passes
record_impressions=false (a list nobody is shown: prefetching, monitoring, load tests). Guests and
lists asked for another person (user_id=) are never logged as anyone's impressions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from foodapp.api.impressions import impressions_queue
from foodapp.api.selectors import person_external_id
from foodapp.api.serializers import DishSerializer
from foodapp.catalog.models import Dish
from foodapp.recommendations.cache import request_parts, suggestions_cached
from foodapp.recommendations.catalogue import catalogue_current
from foodapp.recommendations.engine import Ranking
from foodapp.recommendations.metrics import ranking_served_count
from foodapp.recommendations.request import Filters
from foodapp.recommendations.selectors import (
    dishes_similar,
    recommendations_for,
    signed_in_person,
)


@dataclass(frozen=True)
class ServedList:
    """A ranking with the dishes it names, as cached and as answered."""

    ranking: Ranking
    dishes: dict[int, dict[str, Any]]
    external_id: str | None


class _SerializedDishes:
    """Dishes serialized once per state of the catalogue (its stamp), not once per answer: a
    cold answer then asks the database nothing about the dishes it names."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple[int, str] | None = None
        self.rows: dict[int, dict[str, Any]] = {}

    def get(self, ids: list[int], *, stamp: tuple[int, str]) -> dict[int, dict[str, Any]]:
        """These dishes serialized, by id (a dish deleted since is left out)."""
        with self.lock:
            if stamp != self.stamp:
                self.stamp, self.rows = stamp, {}
            found = {i: self.rows[i] for i in ids if i in self.rows}
        missing = [i for i in ids if i not in found]
        if missing:
            dishes = list(Dish.objects.select_related("cuisine").filter(id__in=missing))
            # One list serializer: its fields are built once, not once per dish.
            fresh = {row["id"]: dict(row) for row in DishSerializer(dishes, many=True).data}
            with self.lock:
                if self.stamp == stamp:
                    self.rows.update(fresh)
            found.update(fresh)
        return {i: dict(found[i]) for i in ids if i in found}

    def clear(self) -> None:
        """Forget every serialized dish (tests)."""
        with self.lock:
            self.stamp, self.rows = None, {}


SERIALIZED_DISHES = _SerializedDishes()


def _dishes(ranking: Ranking) -> dict[int, dict[str, Any]]:
    """The suggested dishes, serialized, by id."""
    ids = [s.dish_id for s in ranking.suggestions]
    return SERIALIZED_DISHES.get(ids, stamp=catalogue_current().stamp)


def _served(ranking: Ranking, user: AbstractBaseUser | None) -> ServedList:
    """A fresh ranking with its dishes and the person's external id."""
    external_id = person_external_id(user_id=int(user.pk)) if user is not None else None
    return ServedList(ranking=ranking, dishes=_dishes(ranking), external_id=external_id)


def _served_counted(
    *, person: AbstractBaseUser | None, parts: dict[str, Any], compute: Callable[[], ServedList]
) -> tuple[ServedList, bool]:
    """The person's cached list for these parts (or `compute()`), counted as served."""
    served = suggestions_cached(
        user_id=int(person.pk) if person else None, parts=parts, compute=compute
    )
    ranking_served_count(served[0].ranking)
    return served


def recommendations_served(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    query: str,
    k: int,
    filters: Filters,
    ranker: str,
    diversify: bool,
    explain: bool,
    now: datetime | None = None,
) -> tuple[ServedList, bool]:
    """The person's suggestions for a query (or their feed), from the cache when it has them.

    Returns:
        The list and whether it came from the cache.

    Raises:
        ValueError: bad filters or k (the message names the field).
        ModelNotAvailableError: the ranker's model has nothing to serve.
    """
    person = signed_in_person(user)
    now = now or timezone.now()
    parts = request_parts(
        kind="api-for",
        ranker=ranker,
        person_id=int(person.pk) if person else None,
        now=now,
        query=query,
        k=k,
        filters=filters,
        diversify=diversify,
        explain=explain,
    )

    def compute() -> ServedList:
        ranking = recommendations_for(
            user=person,
            query=query,
            k=k,
            filters=filters,
            ranker=ranker,
            diversify=diversify,
            explain=explain,
            now=now,
        )
        return _served(ranking, person)

    return _served_counted(person=person, parts=parts, compute=compute)


def similar_served(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    dish_id: int,
    k: int,
    ranker: str,
    explain: bool,
    now: datetime | None = None,
) -> tuple[ServedList, bool]:
    """ "Similar, but different" dishes for the person, from the cache when it has them.

    Raises:
        LookupError: no such dish.
        ValueError, ModelNotAvailableError: as for `recommendations_served`.
    """
    person = signed_in_person(user)
    now = now or timezone.now()
    parts = request_parts(
        kind="api-similar",
        ranker=ranker,
        person_id=int(person.pk) if person else None,
        now=now,
        dish=dish_id,
        k=k,
        explain=explain,
    )

    def compute() -> ServedList:
        ranking = dishes_similar(
            dish_id=dish_id, user=person, k=k, ranker=ranker, explain=explain, now=now
        )
        return _served(ranking, person)

    return _served_counted(person=person, parts=parts, compute=compute)


def impressions_log(*, served: ServedList, viewer: Any, person: Any, query: str) -> int:
    """Log the list as the person's impressions when they are the one who sees it."""
    if person is None or viewer is None or viewer.pk != person.pk:
        return 0
    return impressions_queue(user_id=int(person.pk), ranking=served.ranking, query=query)


def served_body(
    *, served: ServedList, query: str, cached: bool, impressions: int
) -> dict[str, Any]:
    """The JSON answer of a served list."""
    ranking = served.ranking
    results: list[dict[str, Any]] = []
    for suggestion in ranking.suggestions:
        dish = served.dishes.get(suggestion.dish_id)
        if dish is None:  # deleted since it was ranked
            continue
        result: dict[str, Any] = {
            "rank": len(results) + 1,
            "score": suggestion.score,
            "dish": dish,
            "version": ranking.version,
            "ranker": ranking.ranker,
        }
        if suggestion.explanation is not None:  # only when asked for (explain=true)
            result["explanation"] = suggestion.explanation.as_dict()
        results.append(result)
    return {
        "ranker": ranking.ranker,
        "model_name": ranking.model_name,
        "version": ranking.version,
        "query": query,
        "user_id": served.external_id,
        "cached": cached,
        "impressions_recorded": impressions,
        "count": len(results),
        "results": results,
    }


def price_limit(value: Decimal | None) -> float | None:
    """The max_price filter as the service takes it."""
    return float(value) if value is not None else None
