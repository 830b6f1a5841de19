"""Reads of the API: whose data a request is about, and a person's history."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from foodapp.interactions.models import Event, EventType
from foodapp.people.models import Profile

# What a person did; what they were shown (impressions) only when asked for.
HISTORY_TYPES = tuple(t for t in EventType.values if t != EventType.IMPRESSION)


def person_external_id(*, user_id: int) -> str | None:
    """The external id of the person's profile (None without a profile or id)."""
    return Profile.objects.filter(user_id=user_id).values_list("external_id", flat=True).first()


def history_list(*, user: AbstractBaseUser, event_type: str = "") -> QuerySet[Event]:
    """The person's events, newest first: one type, or everything but impressions."""
    events = Event.objects.filter(user_id=user.pk).select_related("dish")
    if event_type:
        events = events.filter(event_type=event_type)
    else:
        events = events.filter(event_type__in=HISTORY_TYPES)
    return events.order_by("-occurred_at", "-id")
