"""factory_boy factories for the interaction log."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from foodapp.interactions.models import Event, EventType
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import UserFactory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    user = factory.SubFactory(UserFactory)
    dish = factory.SubFactory(DishFactory)
    event_type = EventType.IMPRESSION
    occurred_at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    hour = factory.LazyAttribute(lambda o: o.occurred_at.hour)
    weekday = factory.LazyAttribute(lambda o: o.occurred_at.weekday())
