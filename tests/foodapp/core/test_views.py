"""Home, sign-up, log in/out, static files and the health endpoints."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connections
from django.test import Client

from foodapp.celery import app as celery_app
from foodapp.people.models import Profile
from foodapp.people.person_input import PersonInput
from tests.foodapp.catalog.factories import CuisineFactory

ROOT = Path(__file__).resolve().parents[3]


def test_healthz_answers_without_touching_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_part_ok(client: Client, models_dir: Path) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "model_store"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_readyz_names_an_unwritable_model_store(client: Client, settings, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MODELS_DIR = blocker / "models"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["model_store"]


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(client: Client, models_dir: Path) -> None:
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    try:
        response = client.get("/readyz")
    finally:
        celery_app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


REFUSED = (
    'connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused; '
    'FATAL: role "foodapp_rw" does not exist; database "foodapp_prod"'
)


def refuse_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query fails connecting, the way psycopg2 does when the server is not there.

    Patched on the connection itself: Django's test machinery may leave its own `cursor` there.
    """

    def refuse() -> None:
        raise OperationalError(REFUSED)

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)


@pytest.mark.django_db
def test_readyz_tells_the_public_only_which_part_fails(
    client: Client, models_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    refuse_connections(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="foodapp.core.readiness"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == {"ok": False}
    assert all(set(check) == {"ok"} for check in body["checks"].values())
    text = response.content.decode()
    for secret in ("db.internal", "10.0.0.5", "5432", "foodapp_rw", "foodapp_prod", "Operational"):
        assert secret not in text
    assert str(models_dir) not in text
    # The operator still finds the reason, in the log.
    assert any(REFUSED in record.getMessage() for record in caplog.records)


@pytest.mark.django_db
def test_readyz_gives_staff_the_details(
    client: Client, settings: Any, tmp_path: Path, django_user_model: Any
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.MODELS_DIR = blocker / "models"
    staff = django_user_model.objects.create_user(username="ops", password="pw", is_staff=True)
    client.force_login(staff)
    body = client.get("/readyz").json()
    assert body["failing"] == ["model_store"]
    assert str(blocker) in body["checks"]["model_store"]["detail"]
    assert body["checks"]["database"]["ok"] is True and body["checks"]["database"]["detail"]


@pytest.mark.django_db
def test_readyz_for_a_signed_in_person_without_the_database_is_still_a_plain_503(
    client: Client, models_dir: Path, monkeypatch: pytest.MonkeyPatch, django_user_model: Any
) -> None:
    staff = django_user_model.objects.create_user(username="ops", password="pw", is_staff=True)
    client.force_login(staff)
    refuse_connections(monkeypatch)  # the session cannot be read either
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False}


@pytest.mark.django_db
def test_home_page_has_navigation_and_account_links(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Dishes", "For you", "Storyline", "Census demo", "API docs"):
        assert label in html
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html


@pytest.mark.django_db
def test_sign_up_creates_the_account_and_logs_in(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": "maria", "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"},
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="maria").exists()
    home = client.get("/").content.decode()
    assert "maria" in home and "Log out" in home


@pytest.mark.django_db
def test_sign_up_with_mismatched_passwords_shows_the_error(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"username": "maria", "password1": "a-Strong-pass-42", "password2": "other-pass-42"},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="maria").exists()
    assert "errorlist" in response.content.decode()


@pytest.mark.django_db
def test_the_sign_up_page_offers_favourite_cuisines_and_diets(client: Client) -> None:
    CuisineFactory(name="Thai", slug="thai")
    CuisineFactory(name="Italian", slug="italian")
    html = client.get("/accounts/signup/").content.decode()
    assert 'name="favourite_cuisines" value="thai"' in html
    assert 'name="favourite_cuisines" value="italian"' in html
    for diet in ("vegetarian", "vegan", "gluten_free"):
        assert f'name="diet" value="{diet}"' in html


@pytest.mark.django_db
def test_sign_up_makes_a_person_with_a_profile_through_the_people_service(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foodapp.people import services as people_services

    CuisineFactory(name="Thai", slug="thai")
    CuisineFactory(name="Italian", slug="italian")
    CuisineFactory(name="Mexican", slug="mexican")
    created: list[PersonInput] = []
    real_create = people_services.people_create_bulk

    def spy(*, people: list[PersonInput]) -> list[int]:
        created.extend(people)
        return real_create(people=people)

    monkeypatch.setattr(people_services, "people_create_bulk", spy)
    response = client.post(
        "/accounts/signup/",
        {
            "username": "maria",
            "password1": "a-Strong-pass-42",
            "password2": "a-Strong-pass-42",
            "favourite_cuisines": ["thai", "mexican"],
            "diet": ["vegetarian", "gluten_free"],
        },
    )
    assert response.status_code == 302
    assert [person.username for person in created] == ["maria"]
    profile = Profile.objects.select_related("user").get(user__username="maria")
    assert sorted(profile.diet_restrictions) == ["gluten_free", "vegetarian"]
    assert sorted(c.slug for c in profile.favourite_cuisines.all()) == ["mexican", "thai"]
    assert profile.external_id is None
    assert profile.user.check_password("a-Strong-pass-42")
    assert "_auth_user_id" in client.session
    client.logout()
    assert client.login(username="maria", password="a-Strong-pass-42")


@pytest.mark.django_db
def test_sign_up_without_cuisines_or_diet_still_makes_a_profile(client: Client) -> None:
    client.post(
        "/accounts/signup/",
        {"username": "li", "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"},
    )
    profile = Profile.objects.get(user__username="li")
    assert profile.diet_restrictions == []
    assert not profile.favourite_cuisines.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("taken", ["maria", "MARIA"])
def test_sign_up_with_a_taken_username_says_so_and_writes_nothing(
    client: Client, taken: str
) -> None:
    get_user_model().objects.create_user(username="maria", password="pw-maria-12345")
    response = client.post(
        "/accounts/signup/",
        {"username": taken, "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert get_user_model().objects.count() == 1
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_sign_up_refuses_an_unknown_diet(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": "maria",
            "password1": "a-Strong-pass-42",
            "password2": "a-Strong-pass-42",
            "diet": ["carnivore"],
        },
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not get_user_model().objects.filter(username="maria").exists()


@pytest.mark.django_db
def test_log_in_and_log_out(client: Client) -> None:
    get_user_model().objects.create_user(username="li", password="pw-li-12345")
    response = client.post("/accounts/login/", {"username": "li", "password": "pw-li-12345"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_admin_login_page_works(client: Client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 200


def test_static_files_are_served_by_whitenoise(client: Client) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_no_page_or_stylesheet_loads_anything_from_the_network() -> None:
    external = re.compile(r"""(src|href)\s*=\s*["'](https?:)?//""", re.IGNORECASE)
    css_import = re.compile(
        r"""url\(\s*["']?(https?:)?//|@import\s+["']?(https?:)?//""", re.IGNORECASE
    )
    offenders = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*.*")]:
        text = path.read_text(errors="ignore")
        if external.search(text) or css_import.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client: Client) -> None:
    fresh = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc.123")
    assert echoed["X-Request-ID"] == "proxy-abc.123"
    rejected = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert rejected["X-Request-ID"] != "bad id\nwith newline"
