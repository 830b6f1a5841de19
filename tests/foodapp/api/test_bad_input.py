"""Bad input to /api/v1/ answers a JSON 4xx saying what was wrong; too many requests, a 429."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from foodapp.interactions.models import Event
from foodapp.serving.parsers import TOO_DEEP

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"


def post_raw(client: APIClient, body: str | bytes, content_type: str = "application/json") -> Any:
    return client.generic("POST", EVENTS, body, content_type=content_type)


def test_json_nested_a_thousand_levels_deep_is_a_400(alice_client: APIClient) -> None:
    body = '{"event_type": "click", "dish_id": 1, "session_id": ' + "[" * 1000 + "]" * 1000 + "}"
    response = post_raw(alice_client, body)
    assert response.status_code == 400 and response.json()["error"] == TOO_DEEP


def test_a_lone_surrogate_is_a_400_naming_the_field(alice_client: APIClient) -> None:
    body = json.dumps({"event_type": "search", "query": "fried \ud800 chicken"})
    response = post_raw(alice_client, body)
    assert response.status_code == 400
    assert (
        response.json()["error"].startswith("query: ") and "surrogate" in response.json()["error"]
    )
    key = json.dumps({"event_type": "search", "\udfff": 1})
    assert post_raw(alice_client, key).status_code == 400
    assert not Event.objects.exists()


def test_broken_json_and_other_media_types_are_json_errors(alice_client: APIClient) -> None:
    broken = post_raw(alice_client, '{"event_type": ')
    assert broken.status_code == 400 and "JSON parse error" in broken.json()["error"]
    form = post_raw(alice_client, "event_type=click", "application/x-www-form-urlencoded")
    assert form.status_code == 415 and "Unsupported media type" in form.json()["error"]
    assert post_raw(alice_client, "NaN").status_code == 400


def test_a_body_over_the_upload_limit_is_a_json_413(alice_client: APIClient) -> None:
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
    body = json.dumps({"event_type": "search", "query": "x" * (limit + 10)})
    response = post_raw(alice_client, body)
    assert response.status_code == 413 and "larger than" in response.json()["error"]


def test_unknown_paths_and_methods_answer_json(alice_client: APIClient) -> None:
    missing = alice_client.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and "/api/v1/nothing-here/" in missing.json()["error"]
    assert alice_client.get("/api/nothing/").json()["error"]
    wrong = alice_client.delete("/api/v1/dishes/")
    assert wrong.status_code == 405 and "DELETE" in wrong.json()["error"]


def test_a_bad_token_is_a_json_401(db: None) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/dishes/")
    assert response.status_code == 401 and "token" in response.json()["error"].lower()


def test_too_many_requests_answer_429_json(
    catalogue_in_db: list[int], alice_client: APIClient, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min"},
    }
    guest = APIClient()
    assert [guest.get("/api/v1/dishes/").status_code for _ in range(3)] == [200, 200, 429]
    answers = [alice_client.get("/api/v1/dishes/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "throttled" in answers[-1].json()["error"] and answers[-1]["Retry-After"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/dishes/"),
        ("get", "/api/v1/recommendations/"),
        ("get", "/api/v1/history/"),
        ("post", "/api/v1/events/"),
    ],
)
def test_without_the_database_the_api_answers_json_503(
    catalogue_in_db: list[int],
    alice_client: APIClient,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
) -> None:
    from tests.foodapp.serving.test_unavailable import refuse_connections

    refuse_connections(monkeypatch)
    if method == "post":
        response = alice_client.post(path, {"event_type": "search", "query": "x"}, format="json")
    else:
        response = alice_client.get(path)
    assert response.status_code == 503
    assert "database is unavailable" in response.json()["error"]
