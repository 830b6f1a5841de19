"""The recommendation service: ranked dishes for a person (or a guest), a query, a dish.

Reads only: the person's profile and history, the served model version, the cached catalogue.
Logging what was shown is a write, in services.py.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone

from foodapp.interactions.example_features import user_feature_values, user_home
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.query_text import normalize_query
from foodapp.interactions.selectors import recent_dishes_from_orders
from foodapp.people.models import Profile
from foodapp.recommendations.catalogue import Catalogue, catalogue_current
from foodapp.recommendations.engine import Ranking, rank
from foodapp.recommendations.rankers import DEFAULT_RANKER, RANKERS, ranker_info
from foodapp.recommendations.request import Filters, Person, RankRequest
from foodapp.training.experiments import served_version_for_person
from foodapp.training.predictors import (
    NO_ACTIVE_VERSION,
    ModelNotAvailableError,
    predictor_for,
    predictor_for_version,
)
from recommender.datasets.food import DISH_EMBEDDINGS_FILE

if TYPE_CHECKING:
    from recommender.serving import Predictor

HISTORY_LIMIT = 200
ERROR_UNKNOWN_PERSON = "user_id: no person with the id {value!r}"
ERROR_UNKNOWN_DISH = "dish: no dish with the id {value!r}"

User = AbstractBaseUser | AnonymousUser


def signed_in_person(user: User | None) -> AbstractBaseUser | None:
    """The signed-in person, or None for a guest (None, anonymous, or not saved)."""
    if user is None or not user.is_authenticated or user.pk is None:
        return None
    assert isinstance(user, AbstractBaseUser)
    return user


def person_for(*, user: User | None, now: datetime | None = None) -> Person:
    """What the recommender knows of `user` (a guest for None or an anonymous user).

    Args:
        user: the person, or None / anonymous for a guest.
        now: the moment of the request (default now).

    Returns:
        Their profile features, recent orders, order history and dismissed dishes.
    """
    user = signed_in_person(user)
    if user is None:
        return Person()
    now = now or timezone.now()
    profile = Profile.objects.filter(user_id=user.pk).prefetch_related("favourite_cuisines").first()
    values = user_feature_values(profile)
    orders, dismissed = _orders_and_dismissals(user_id=int(user.pk), now=now)
    history = tuple(dict.fromkeys(dish_id for dish_id, _ in orders))[:HISTORY_LIMIT]
    return Person(
        user_id=str(user.pk),
        diet=values["user_diet"],
        favourite_cuisines=values["user_favourite_cuisines"],
        area=values["user_area"],
        home=user_home(values),
        recent=tuple(recent_dishes_from_orders(orders, now=now)),
        ordered=history,
        dismissed=dismissed,
    )


def _orders_and_dismissals(
    *, user_id: int, now: datetime
) -> tuple[list[tuple[int, datetime]], frozenset[int]]:
    """A person's orders before `now` as (dish id, time), newest first, and every dish they
    dismissed, from one query (one walk of their events on the person-and-time index)."""
    rows = (
        Event.objects.filter(user_id=user_id, dish__isnull=False)
        .filter(
            Q(event_type=EventType.ORDER, occurred_at__lt=now) | Q(event_type=EventType.DISMISS)
        )
        .order_by("-occurred_at", "-id")
        .values_list("event_type", "dish_id", "occurred_at")
    )
    orders: list[tuple[int, datetime]] = []
    dismissed: set[int] = set()
    for event_type, dish_id, occurred_at in rows:
        if event_type == EventType.DISMISS:
            dismissed.add(dish_id)
        else:
            orders.append((dish_id, occurred_at))
    return orders, frozenset(dismissed)


def person_user_by_external_id(*, external_id: str) -> AbstractBaseUser:
    """The user of the person imported or simulated with this external id.

    Raises:
        LookupError: no such person (the message names user_id).
    """
    profile = Profile.objects.select_related("user").filter(external_id=external_id).first()
    if profile is None:
        raise LookupError(ERROR_UNKNOWN_PERSON.format(value=external_id))
    return profile.user


class _EmbeddingCache:
    """Unit dish vectors of one model version, aligned with one state of the catalogue."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[str, tuple[int, str]] | None = None
        self.value: np.ndarray | None = None

    def get(self, predictor: Predictor, catalogue: Catalogue) -> np.ndarray | None:
        key = (str(predictor.path), catalogue.stamp)
        with self.lock:
            if self.key != key:
                self.value = dish_embeddings_aligned(predictor, catalogue)
                self.key = key
            return self.value


def dish_embeddings_aligned(predictor: Predictor, catalogue: Catalogue) -> np.ndarray | None:
    """The model's dish embeddings as unit rows aligned with the catalogue (zeros when unseen).

    Returns:
        A [dishes, dim] float32 array, or None when the version exported none.
    """
    try:
        content = json.loads(predictor.extra_file(DISH_EMBEDDINGS_FILE))
    except FileNotFoundError:
        return None
    table = np.asarray(content["vectors"], dtype=np.float32)
    aligned = np.zeros((len(catalogue), table.shape[1]), dtype=np.float32)
    for row, token in enumerate(content["tokens"]):
        position = catalogue.positions.get(int(token)) if str(token).isdigit() else None
        if position is not None:
            aligned[position] = table[row]
    norms = np.linalg.norm(aligned, axis=1, keepdims=True)
    return np.asarray(aligned / np.maximum(norms, 1e-9), dtype=np.float32)


_EMBEDDINGS = _EmbeddingCache()


def _predictor(
    ranker: str, version: int | None, person_id: str = ""
) -> tuple[str, Predictor | None]:
    """The ranker and model that answer: the given version of the ranker's model, else the
    person's arm when an A/B test of that model runs, else its active version; None for v1.

    An arm may be a version of another ranker's model (v2 against v4): the ranker returned is
    then that model's, so the ranking and its logged impressions name what really ranked.

    Raises:
        ModelNotAvailableError: the model has no active version, or no such version.
    """
    model_name = ranker_info(ranker).model_name
    if model_name is None:
        return ranker, None
    if version is not None:
        return ranker, predictor_for(model_name=model_name, version=version)
    served = served_version_for_person(model_name=model_name, person_id=person_id)
    if served is None:
        raise ModelNotAvailableError(NO_ACTIVE_VERSION.format(name=model_name))
    if served.model_name != model_name:
        ranker = next(
            (k for k, info in RANKERS.items() if info.model_name == served.model_name), ranker
        )
    return ranker, predictor_for_version(served)


def recommendations_for(
    *,
    user: User | None,
    query: str = "",
    k: int = 10,
    filters: Filters | None = None,
    ranker: str = DEFAULT_RANKER,
    version: int | None = None,
    diversify: bool = False,
    explain: bool = False,
    now: datetime | None = None,
    device: str = "",
) -> Ranking:
    """Ranked dish suggestions for a person (or a guest), for a query or the "for you" feed.

    Args:
        user: the person; None or anonymous for a guest (popular and diverse suggestions).
        query: what they typed ("" = the feed); normalised here.
        k: how many suggestions (1-100).
        filters: diet, course, cuisine, price, exclude_seen (the person's own diet always holds).
        ranker: "v1" naive matching, "v2" wide, "v3" deep or "v4" wide & deep.
        version: a version of the ranker's model (default the active one).
        diversify: MMR re-ranking for "similar, but different".
        explain: attach each suggestion's memorized/generalized explanation.
        now: the moment (default now): its hour and weekday are model inputs.
        device: "ios", "android", "web" or "".

    Returns:
        The ranking with the ranker, model name and version that produced it.

    Raises:
        ValueError: bad k, ranker or filters (the message names the field).
        ModelNotAvailableError: the ranker's model has nothing to serve.
    """
    now = now or timezone.now()
    ranker_info(ranker)
    local = timezone.localtime(now, timezone.get_fixed_timezone(0))
    request = RankRequest(
        person=person_for(user=user, now=now),
        query=normalize_query(query or ""),
        hour=local.hour,
        weekday=local.weekday(),
        device=device,
    )
    return _rank(
        request,
        ranker=ranker,
        version=version,
        k=k,
        filters=filters,
        diversify=diversify,
        explain=explain,
    )


def dishes_similar(
    *,
    dish_id: int,
    user: User | None = None,
    k: int = 10,
    ranker: str = DEFAULT_RANKER,
    version: int | None = None,
    explain: bool = False,
    now: datetime | None = None,
) -> Ranking:
    """ "Similar, but different" dishes to one dish, ranked for the person and diversified.

    Raises:
        LookupError: no such dish (the message names the dish).
        ValueError, ModelNotAvailableError: as for `recommendations_for`.
    """
    catalogue = catalogue_current()
    if dish_id not in catalogue.positions:
        raise LookupError(ERROR_UNKNOWN_DISH.format(value=dish_id))
    now = now or timezone.now()
    local = timezone.localtime(now, timezone.get_fixed_timezone(0))
    request = RankRequest(
        person=person_for(user=user, now=now),
        hour=local.hour,
        weekday=local.weekday(),
        similar_to=dish_id,
    )
    return _rank(
        request, ranker=ranker, version=version, k=k, filters=None, diversify=True, explain=explain
    )


def _rank(
    request: RankRequest,
    *,
    ranker: str,
    version: int | None,
    k: int,
    filters: Filters | None,
    diversify: bool,
    explain: bool,
) -> Ranking:
    """Resolve the model and catalogue, then run the pipeline."""
    ranker, predictor = _predictor(ranker, version, request.person.user_id)
    catalogue = catalogue_current()
    embeddings = _EMBEDDINGS.get(predictor, catalogue) if predictor is not None else None
    return rank(
        catalogue,
        request,
        ranker=ranker,
        predictor=predictor,
        embeddings=embeddings,
        k=k,
        filters=filters,
        diversify=diversify,
        explain=explain,
    )
