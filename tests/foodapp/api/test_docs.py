"""The OpenAPI schema and the Swagger UI page, served without network."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_renders_and_describes_the_api() -> None:
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {"/api/v1/recommendations/", "/api/v1/events/", "/api/v1/dishes/"} <= set(paths)
    assert not [p for p in paths if not p.startswith("/api/v1/")]  # /v1/models/ is not ours
    operation = paths["/api/v1/recommendations/"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"q", "k", "cuisine", "course", "diet", "exclude_seen", "diversify"} <= parameters
    assert {"explain", "ranker", "user_id"} <= parameters
    error = operation["responses"]["429"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}


def test_the_swagger_page_loads_its_assets_from_our_static_files() -> None:
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    # Every script is a file (our Content-Security-Policy allows no inline script).
    assert scripts and all(
        'src="' in attributes and not body.strip() for attributes, body in scripts
    )
    sources = [re.search(r'src="([^"]+)"', attributes).group(1) for attributes, _ in scripts]  # type: ignore[union-attr]
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in s for s in sources)
    for source in sources:
        loaded = client.get(source.replace("&amp;", "&"))
        assert loaded.status_code == 200, source
    start = client.get("/api/docs/?script=").content.decode()
    assert "/api/v1/schema/" in start and "SwaggerUIBundle" in start


def test_the_navigation_links_the_api_docs() -> None:
    html = Client().get("/").content.decode()
    assert 'href="/api/docs/"' in html and "API docs" in html


def test_fields_the_api_answers_null_are_nullable_in_the_schema(alice_client: Any) -> None:
    """Found by schemathesis: a search in the history has no dish, so no dish name."""
    alice_client.post("/api/v1/events/", {"event_type": "search", "query": "pho"}, format="json")
    row = alice_client.get("/api/v1/history/").json()["results"][0]
    assert row["dish_id"] is None and row["dish_name"] is None
    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    fields = schema.json()["components"]["schemas"]["EventOut"]["properties"]
    assert fields["dish_name"].get("nullable") is True
    assert fields["dish_id"].get("nullable") is True
