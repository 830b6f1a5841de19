"""With the database unreachable the serving API answers a JSON 503, not an HTML 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError, connections
from django.test import Client

from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training.models import ModelVersion

REFUSED = (
    'connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused; '
    'role "foodapp" database "foodapp"'
)


def refuse_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query fails connecting, the way psycopg2 does when the server is not there.

    Patched on the connection itself: Django's test machinery may leave its own `cursor` there.
    """

    def refuse() -> None:
        raise OperationalError(REFUSED)

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_connections(monkeypatch)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/models/census:predict"),
        ("post", "/v1/models/census/versions/1:predict"),
        ("get", "/v1/models/census"),
        ("get", "/v1/models/census/metadata"),
    ],
)
def test_the_api_answers_json_503_without_the_database(
    client: Client, census_version: ModelVersion, database_down: None, method: str, path: str
) -> None:
    if method == "post":
        body = json.dumps({"instances": [STORY_EXAMPLES[0]]})
        response = client.post(path, data=body, content_type="application/json")
    else:
        response = client.get(path)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert "database is unavailable" in error
    assert "db.internal" not in error and "5432" not in error


@pytest.mark.django_db
def test_a_signed_in_caller_gets_the_same_503(
    client: Client, census_version: ModelVersion, django_user_model: Any, monkeypatch: Any
) -> None:
    client.force_login(django_user_model.objects.create_user(username="ana", password="pw"))
    refuse_connections(monkeypatch)
    response = client.post(
        "/v1/models/census:predict",
        data=json.dumps({"instances": [STORY_EXAMPLES[0]]}),
        content_type="application/json",
    )
    assert response.status_code == 503
    assert "database is unavailable" in response.json()["error"]
