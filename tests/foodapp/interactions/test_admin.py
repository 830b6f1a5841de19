"""The event log's admin with a guest's events (no user) beside a person's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from foodapp.interactions.models import EventType
from tests.foodapp.interactions.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_the_event_list_search_and_page_show_a_guests_events(client: Client) -> None:
    staff = get_user_model().objects.create_superuser(username="admin", password="x")
    client.force_login(staff)
    person = EventFactory(event_type=EventType.CLICK, session_id="their-visit")
    guest = EventFactory(user=None, event_type=EventType.CLICK, session_id="a-guest-visit")
    listing = client.get(reverse("admin:interactions_event_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"/{guest.pk}/change/" in html and f"/{person.pk}/change/" in html
    found = client.get(reverse("admin:interactions_event_changelist"), {"q": "a-guest-visit"})
    assert f"/{guest.pk}/change/" in found.content.decode()
    assert f"/{person.pk}/change/" not in found.content.decode()
    page = client.get(reverse("admin:interactions_event_change", args=[guest.pk]))
    assert page.status_code == 200 and "click by a guest" in page.content.decode()
