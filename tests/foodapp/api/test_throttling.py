"""The per-client window counters behind the API's 429 answers."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from foodapp.api.throttling import _window_count
from foodapp.people.models import Profile

pytestmark = pytest.mark.django_db


def test_concurrent_requests_are_each_counted_once() -> None:
    counts: list[int] = []
    lock = threading.Lock()

    def request() -> None:
        for _ in range(25):
            count = _window_count("test-window", seconds=60)
            with lock:
                counts.append(count)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 201))  # no count lost or given twice


def test_the_window_is_per_client_and_refuses_beyond_the_rate(
    catalogue_in_db: list[int], alice: Profile, bob: Profile, settings: Any
) -> None:
    from tests.foodapp.api.conftest import token_client

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/min", "user": "2/hour"},
    }
    alice_client, bob_client = token_client(alice.user), token_client(bob.user)
    assert [alice_client.get("/api/v1/dishes/").status_code for _ in range(3)] == [200, 200, 429]
    refused = alice_client.get("/api/v1/dishes/")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 3600
    assert bob_client.get("/api/v1/dishes/").status_code == 200


def test_an_expired_window_lets_requests_through_again(
    catalogue_in_db: list[int], settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "100/min"},
    }
    guest = APIClient()
    assert [guest.get("/api/v1/dishes/").status_code for _ in range(2)] == [200, 429]
    cache.delete("throttle-window:anon:127.0.0.1")  # as when the window's time is up
    assert guest.get("/api/v1/dishes/").status_code == 200
