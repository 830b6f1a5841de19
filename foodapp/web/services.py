"""Writes of the web pages: what a person did (order, rate, dismiss, click, search) and what
they were shown, each an event in the one interaction log, with the origin of the suggestion
(an action's origin is its logged impression's, never only what the page posted)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.services import event_record
from foodapp.recommendations.services import impressions_record
from foodapp.web.origin import Origin
from foodapp.web.selectors import SuggestionList, origin_logged

DEVICE = "web"
DISMISS_VALUE = -1.0  # a dismissal is negative feedback


def _event(
    *,
    user_id: int | None,
    event_type: str,
    dish: Dish,
    origin: Origin,
    session_id: str,
    value: float | None = None,
) -> Event:
    """One event about `dish` with the ranker, version, position and query that placed it:
    those of the impression behind it (`origin`, as posted, only picks among those logged)."""
    now = timezone.now()
    origin = origin_logged(
        user_id=user_id, session_id=session_id, dish=dish, posted=origin, now=now
    )
    return event_record(
        user_id=user_id,
        event_type=event_type,
        occurred_at=now,
        dish_id=dish.pk,
        query=origin.query,
        position=origin.position,
        model_version=origin.model_version,
        ranker=origin.ranker,
        device=DEVICE,
        session_id=session_id,
        value=value,
    )


def dish_order(*, user_id: int, dish: Dish, origin: Origin, session_id: str = "") -> Event:
    """A demo order (no payment): an order event, which changes the next suggestions."""
    return _event(
        user_id=user_id,
        event_type=EventType.ORDER,
        dish=dish,
        origin=origin,
        session_id=session_id,
    )


def dish_rate(
    *, user_id: int, dish: Dish, rating: int, origin: Origin, session_id: str = ""
) -> Event:
    """A rating from 1 to 5 (checked by the form)."""
    return _event(
        user_id=user_id,
        event_type=EventType.RATING,
        dish=dish,
        origin=origin,
        session_id=session_id,
        value=float(rating),
    )


def dish_dismiss(*, user_id: int, dish: Dish, origin: Origin, session_id: str = "") -> Event:
    """ "Not for me": negative feedback; the dish is never suggested to this person again."""
    return _event(
        user_id=user_id,
        event_type=EventType.DISMISS,
        dish=dish,
        origin=origin,
        session_id=session_id,
        value=DISMISS_VALUE,
    )


def suggestion_click(
    *, user_id: int | None, dish: Dish, origin: Origin, session_id: str = ""
) -> Event:
    """A click on a shown dish (user_id None: a guest's, told apart by session_id)."""
    return _event(
        user_id=user_id,
        event_type=EventType.CLICK,
        dish=dish,
        origin=origin,
        session_id=session_id,
    )


def search_record(*, user_id: int, query: str, session_id: str = "") -> Event:
    """A search typed in the search box."""
    return event_record(
        user_id=user_id,
        event_type=EventType.SEARCH,
        query=query,
        session_id=session_id,
        device=DEVICE,
    )


def lists_shown_record(
    *, user_id: int | None, lists: Iterable[SuggestionList], session_id: str = ""
) -> int:
    """One impression per dish shown, with the ranker and version of the list that placed it
    (user_id None: a guest's, told apart by session_id).

    Returns:
        How many impressions were stored.
    """
    return sum(
        impressions_record(
            user_id=user_id,
            ranking=shown.ranking,
            query=shown.query,
            session_id=session_id,
            device=DEVICE,
        )
        for shown in lists
    )
