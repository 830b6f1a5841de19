"""Token authentication: a checked token is trusted briefly without asking the database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from foodapp.api.authentication import TOKENS
from foodapp.people.models import Profile
from tests.foodapp.api.conftest import token_client

pytestmark = pytest.mark.django_db


def token_queries(client: Any) -> int:
    """How many queries of one request read the token table."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/history/").status_code == 200
    return sum('"authtoken_token"' in q["sql"] for q in queries.captured_queries)


def test_a_checked_token_is_not_read_again_while_fresh(alice: Profile) -> None:
    client = token_client(alice.user)
    assert token_queries(client) == 1
    assert token_queries(client) == 0


def test_with_zero_seconds_every_request_reads_the_token(alice: Profile, settings: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    client = token_client(alice.user)
    assert [token_queries(client) for _ in range(2)] == [1, 1]


def test_an_expired_entry_is_checked_again(alice: Profile, monkeypatch: Any) -> None:
    client = token_client(alice.user)
    token_queries(client)
    clock = __import__("time").monotonic() + 3600
    monkeypatch.setattr("foodapp.api.authentication.time.monotonic", lambda: clock)
    assert token_queries(client) == 1


def test_a_deleted_token_or_deactivated_user_is_refused_at_once(
    alice: Profile, bob: Profile
) -> None:
    alice_client, bob_client = token_client(alice.user), token_client(bob.user)
    for client in (alice_client, bob_client):
        token_queries(client)
    Token.objects.filter(user=alice.user).delete()
    assert alice_client.get("/api/v1/history/").status_code == 401
    bob.user.is_active = False
    bob.user.save()
    assert bob_client.get("/api/v1/history/").status_code == 401


def test_requests_get_their_own_user_object(alice: Profile) -> None:
    client = token_client(alice.user)
    token_queries(client)
    key = Token.objects.get(user=alice.user).key
    first, second = TOKENS.get(key), TOKENS.get(key)
    assert first is not None and second is not None
    assert first[0] == second[0] and first[0] is not second[0]
