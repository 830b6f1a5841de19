"""The pages serve suggestion lists from the suggestion cache until the person acts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from foodapp.catalog.models import Dish
from foodapp.recommendations import selectors as recommendation_selectors
from foodapp.web import selectors as web_selectors
from tests.foodapp.people.factories import ProfileFactory


@pytest.fixture
def rankings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the rankings the pages compute (each call records its query)."""
    calls: list[str] = []
    real = recommendation_selectors.recommendations_for

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs.get("query", ""))
        return real(**kwargs)

    monkeypatch.setattr(web_selectors, "recommendations_for", counted)
    return calls


@pytest.fixture
def signed_in(client: Client) -> Any:
    """A signed-in person."""
    user = ProfileFactory().user
    client.force_login(user)
    return user


def test_a_second_search_is_served_from_the_cache(client, catalogue_in_db, signed_in, rankings):
    first = client.get("/search/?q=pizza")
    computed = len(rankings)
    second = client.get("/search/?q=pizza")
    assert first.status_code == second.status_code == 200
    assert computed >= 1 and len(rankings) == computed
    client.get("/search/?q=noodles")
    assert len(rankings) > computed


def test_an_order_drops_the_cached_lists(client, catalogue_in_db, signed_in, rankings):
    client.get("/search/?q=pizza")
    computed = len(rankings)
    dish = Dish.objects.get(name="Lasagna")
    assert client.post("/order/", {"dish": dish.pk}).status_code == 302
    client.get("/search/?q=pizza")
    assert len(rankings) > computed


def test_people_do_not_share_cached_lists(client, catalogue_in_db, signed_in, rankings):
    client.get("/search/?q=pizza")
    computed = len(rankings)
    other = Client()
    other.force_login(ProfileFactory().user)
    other.get("/search/?q=pizza")
    assert len(rankings) > computed
