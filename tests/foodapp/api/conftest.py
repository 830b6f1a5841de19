"""Fixtures of the API tests: the small catalogue, people with tokens, staff, fresh caches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from foodapp.api.authentication import TOKENS
from foodapp.api.suggestions import SERIALIZED_DISHES
from foodapp.people.models import Profile
from foodapp.recommendations.cache import BREAKER
from foodapp.recommendations.catalogue import catalogue_cache_clear
from tests.foodapp.people.factories import ProfileFactory, UserFactory
from tests.foodapp.simulation.conftest import catalogue_in_db  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def impressions_at_once(settings: Any) -> None:
    """Each request writes its own impressions, inside the test's transaction (the batched
    writer thread, which has its own connection, is tested in test_impressions.py)."""
    settings.API_IMPRESSIONS_BATCHED = False


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Each test starts with empty caches and a catalogue built from its own database."""
    cache.clear()
    catalogue_cache_clear()
    BREAKER.reset()
    TOKENS.clear()
    SERIALIZED_DISHES.clear()
    yield
    cache.clear()
    BREAKER.reset()
    TOKENS.clear()


def token_client(user: Any) -> APIClient:
    """An API client authenticated with the user's token (as a mobile app would be)."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def alice(db: None) -> Profile:
    return ProfileFactory(external_id="alice-1", user=UserFactory(username="alice"))


@pytest.fixture
def bob(db: None) -> Profile:
    return ProfileFactory(external_id="bob-2", user=UserFactory(username="bob"))


@pytest.fixture
def alice_client(alice: Profile) -> APIClient:
    return token_client(alice.user)


@pytest.fixture
def staff(db: None) -> Any:
    return UserFactory(username="staffer", is_staff=True)


@pytest.fixture
def staff_client(staff: Any) -> APIClient:
    client = APIClient()
    client.force_login(staff)  # session authentication, as the admin's users have
    return client


def grant(user: Any, *codenames: str) -> Any:
    """Give the user these permissions ("app_label.codename") and return it fresh."""
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return type(user).objects.get(pk=user.pk)  # permissions are cached per instance
