"""Settings come from the environment; bad values stop start-up with the variable's name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from foodapp.settings.environment import (
    database_from_env,
    env_bool,
    env_int,
    redis_url_from_env,
)

ROOT = Path(__file__).resolve().parents[3]


def run_django(
    settings_module: str, extra_env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a clean environment (no DATABASE_URL/REDIS_URL unless given)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": settings_module, **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_database_url_means_sqlite_under_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_from_env(default_sqlite_path=tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "db.sqlite3")
    # Connections are kept between requests (and checked before reuse), as on PostgreSQL.
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"] is True


def test_postgres_url_is_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://alice:secret@db.example:5433/food")
    config = database_from_env(default_sqlite_path=tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"], config["USER"]) == (
        "food",
        "db.example",
        5433,
        "alice",
    )


@pytest.mark.parametrize("value", ["mysql://x/y", "not a url", "postgres://host-only"])
def test_bad_database_url_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_env(default_sqlite_path=tmp_path / "db.sqlite3")


@pytest.mark.parametrize("value", ["http://localhost:6379", "redis://", "redis://host:notaport/0"])
def test_bad_redis_url_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("REDIS_URL", value)
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_url_from_env()


def test_typed_helpers_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_FLAG", "maybe")
    monkeypatch.setenv("SOME_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_start_up_fails_with_a_message_naming_a_bad_variable() -> None:
    result = run_django("foodapp.settings.local", {"REDIS_URL": "http://nope"}, "check")
    assert result.returncode != 0
    assert "REDIS_URL must look like redis://" in result.stderr


def test_production_requires_secret_key_and_hosts() -> None:
    result = run_django("foodapp.settings.production", {}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_check_deploy_prints_no_warning() -> None:
    result = run_django(
        "foodapp.settings.production",
        {
            "DJANGO_SECRET_KEY": "a-long-random-production-secret-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c",
            "DJANGO_ALLOWED_HOSTS": "food.example.com",
        },
        "check",
        "--deploy",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr
