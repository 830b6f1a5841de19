"""Browser tests: Playwright drives Debian's Chromium (headless) against the app served by a real
HTTP server in a thread, over a tiny simulated world with a trained v4 model and census model.

The world is built once for the package (seconds, not minutes) and wiped when the package ends,
so the rest of the suite starts from an empty database again. One browser for the package, a
fresh context (cookies) per test, a screenshot of every test's last page under
<VAR_DIR>/test-artifacts/browser/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings, setup_databases, teardown_databases

from tests.conftest import skip_or_fail

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STAFF_USERNAME = "staff-member"
STAFF_PASSWORD = "a staff pass phrase 42"
SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class Site:
    """The running app and what the tests need to know about it."""

    url: str
    models_dir: Path


def artifacts_dir() -> Path:
    """Where screenshots go (gitignored: under VAR_DIR)."""
    folder = Path(os.environ.get("TEST_ARTIFACTS_DIR", str(settings.VAR_DIR / "test-artifacts")))
    path = folder / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def chromium_required() -> None:
    """Skip without Chromium, or fail saying how to install it when services are required."""
    if not CHROMIUM.exists():
        skip_or_fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need it "
            "(apt-get install -y chromium, or set CHROMIUM_PATH)"
        )


def _caches_clear() -> None:
    """Forget the catalogue and loaded models kept in this process."""
    from foodapp.recommendations.catalogue import catalogue_cache_clear
    from foodapp.recommendations.training_data import food_data_cache_clear
    from foodapp.training.predictors import predictors_forget

    catalogue_cache_clear()
    food_data_cache_clear()
    predictors_forget()


def _world_build(models_dir: Path) -> None:
    """Catalogue, 30 simulated people and their history, v4 and census models, a staff member."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from foodapp.simulation.services import simulation_run
    from foodapp.training import services
    from recommender.datasets import census
    from recommender.datasets.food import MODEL_NAMES
    from tests.foodapp.simulation.conftest import small_catalogue_write

    small_catalogue_write()
    simulation_run(users=30, sessions=1000, seed=5, days=20)
    run = services.training_run_create(
        model_name=MODEL_NAMES["wide_deep"], params={"epochs": 1, "seed": 5}
    )
    finished = services.training_run_execute(run_id=run.pk)
    assert finished is not None and finished.state == "succeeded", finished and finished.error
    exported = census.train_and_export(models_dir=models_dir, epochs=1, max_rows=2000, seed=7)
    version = services.model_version_register(
        model_name="census", exported=exported, model_type="wide_deep"
    )
    services.model_version_activate(version=version)
    staff = get_user_model().objects.create_user(
        username=STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True
    )
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="training",
            codename__in=["retrain_model", "view_trainingrun", "view_modelversion"],
        )
    )


@contextmanager
def _test_database(session: pytest.Session) -> Iterator[None]:
    """The test database: pytest-django's, or our own when no test of the run asked it for one
    (it creates databases only for tests that use them: marked django_db or using db)."""
    from pytest_django.fixtures import _get_databases_for_setup

    aliases, _ = _get_databases_for_setup(session.items)
    if "default" in aliases:
        yield
        return
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="package")
def site(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """The app over the tiny world, served on a free port until the package ends."""
    chromium_required()
    models_dir = tmp_path_factory.mktemp("browser-models")
    with (
        django_db_blocker.unblock(),
        _test_database(request.session),
        override_settings(MODELS_DIR=models_dir),
    ):
        _caches_clear()
        server: LiveServerThread | None = None
        try:
            _world_build(models_dir)
            server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
            server.daemon = True
            server.start()
            server.is_ready.wait()
            if server.error:
                raise server.error
            yield Site(url=f"http://127.0.0.1:{server.port}", models_dir=models_dir)
        finally:
            if server is not None:
                server.terminate()
            call_command("flush", interactive=False, verbosity=0)
            _caches_clear()


@pytest.fixture(scope="package")
def browser(site: Site) -> Iterator[Any]:
    """One headless Chromium for the package."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own ORM reads (of
    # what the pages stored) are plain synchronous code all the same.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(
    browser: Any, site: Site, request: pytest.FixtureRequest, django_db_blocker: Any
) -> Iterator[Any]:
    """A fresh browser context and page; a CSP violation or a request outside the app fails the
    test."""
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    # No network: every request a page makes goes to the app itself (no CDN, no font service).
    elsewhere: list[str] = []

    def outside(sent: Any) -> None:
        if not sent.url.startswith((site.url, "data:")):
            elsewhere.append(sent.url)

    tab.on("request", outside)
    with django_db_blocker.unblock():
        try:
            yield tab
        finally:
            snap(tab, request.node.name)
            context.close()
    blocked = [text for text in errors if "Content Security Policy" in text]
    assert not blocked, blocked
    assert not elsewhere, f"requests outside the app: {elsewhere}"


def snap(tab: Any, name: str) -> Path:
    """A full-page screenshot saved as a test artifact."""
    path = artifacts_dir() / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(tab: Any) -> list[str]:
    """axe-core's serious and critical violations on the current page (axe runs offline)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def persona_become(tab: Any, index: int = 0) -> str:
    """Sign in through the persona switcher as the index-th simulated person; their name."""
    tab.goto("/personas/")
    button = tab.get_by_role("button", name=re.compile(r"^Be ")).nth(index)
    name = button.inner_text().removeprefix("Be ").strip()
    button.click()
    tab.wait_for_url(re.compile(r"/$"))
    return name
