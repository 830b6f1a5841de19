"""docker-compose.yml cannot run here (no Docker engine), so check that it points at real things."""

from __future__ import annotations

import importlib
import re
import runpy
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import get_commands

from foodapp.training.store import LOGS_DIR_NAME

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = [name for name, service in SERVICES.items() if "build" in service]


def requirement_names() -> set[str]:
    names = set()
    for line in (ROOT / "requirements" / "base.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(re.split(r"[\[=<>]", line)[0].lower())
    return names


def test_every_part_of_the_deployment_is_there() -> None:
    assert {"postgres", "redis", "web", "worker", "beat", "tensorboard", "tfserving"} <= set(
        SERVICES
    )


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_long_running_service_has_a_health_check(name: str) -> None:
    service = SERVICES[name]
    if service.get("restart") == "no":
        return  # one-shot job (migrate)
    assert "healthcheck" in service, f"{name} has no healthcheck"
    assert service["healthcheck"]["test"]


def test_named_volumes_are_declared() -> None:
    declared = set(COMPOSE.get("volumes", {}))
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_the_image_is_built_from_a_dockerfile_whose_copied_paths_exist() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY\s+(\S+)\s+\S+", dockerfile, flags=re.MULTILINE):
        assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    assert "requirements/lock.txt" in dockerfile


def check_command(words: list[str]) -> None:
    """Assert that a container command points at a module, app or command in this project."""
    program = words[0]
    if program.endswith("gunicorn"):
        # The app and the worker sizes come from gunicorn.conf.py, the one home of both.
        config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        module = str(config["wsgi_app"]).split(":")[0]
        assert (ROOT / (module.replace(".", "/") + ".py")).exists(), module
        assert not {"--workers", "-w", "--threads", "--config", "-c"} & set(words)
        assert "gunicorn" in requirement_names()
    elif program == "celery":
        app_module = words[words.index("-A") + 1]
        assert (ROOT / app_module / "celery.py").exists()
        assert "celery" in requirement_names()
        if "--scheduler" in words:
            module, _, attribute = words[words.index("--scheduler") + 1].partition(":")
            assert hasattr(importlib.import_module(module), attribute)
        if "--queues" in words:
            for queue in words[words.index("--queues") + 1].split(","):
                assert queue in ("default", "training")
    elif program == "tensorboard":
        assert "tensorboard" in requirement_names()
        # the runs' log folders (foodapp.training.store.run_log_dir), as the Procfile serves them
        models_dir = SERVICES["tensorboard"]["environment"]["MODELS_DIR"]
        assert words[words.index("--logdir") + 1] == f"{models_dir}/{LOGS_DIR_NAME}"
    elif program == "python":
        assert words[1] == "manage.py" and (ROOT / "manage.py").exists()
        assert words[2] in get_commands(), f"no management command {words[2]}"
    elif program == "sh":
        for part in words[2].split("&&"):
            check_command(shlex.split(part.strip()))
    else:
        pytest.fail(f"unexpected program {program!r}")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_app_service_command_points_at_something_that_exists(name: str) -> None:
    command = SERVICES[name]["command"]
    check_command(command if isinstance(command, list) else shlex.split(command))


def test_app_services_use_postgres_and_redis_from_the_compose_network() -> None:
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379")
        assert environment["DJANGO_SETTINGS_MODULE"] == "foodapp.settings.production"


def test_make_run_serves_tensorboard_on_the_runs_log_folders_too() -> None:
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    words = shlex.split(processes["tensorboard"])
    assert words[0] == ".venv/bin/tensorboard"
    assert words[words.index("--logdir") + 1].endswith(f"/models}}/{LOGS_DIR_NAME}")


def test_tensorflow_serving_reads_the_config_the_app_writes_on_the_shared_models_volume() -> None:
    from foodapp.training.tfserving_config import CONFIG_FILE_NAME

    serving = SERVICES["tfserving"]
    assert serving["image"].startswith("tensorflow/serving:")
    mounts = dict(volume.split(":")[:2] for volume in serving["volumes"])
    app = SERVICES["web"]
    app_models = app["environment"]["MODELS_DIR"]
    [app_volume] = [v.split(":")[0] for v in app["volumes"] if v.split(":")[1] == app_models]
    server_models = mounts[app_volume]
    assert app["environment"]["TFSERVING_MODELS_BASE_PATH"] == server_models
    flags = dict(flag.lstrip("-").split("=", 1) for flag in serving["command"])
    assert flags["model_config_file"] == f"{server_models}/{CONFIG_FILE_NAME}"
    assert int(flags["model_config_file_poll_wait_seconds"]) > 0
    port = flags["rest_api_port"]
    assert app["environment"]["TFSERVING_URL"] == f"http://tfserving:{port}"
    # The file exists before the server starts: migrate writes it.
    assert "manage.py tfserving_config" in SERVICES["migrate"]["command"][-1]
    assert serving["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_workers_can_be_scaled_out() -> None:
    for name in ("worker", "trainer"):
        assert "container_name" not in SERVICES[name]  # --scale needs generated names
        assert "ports" not in SERVICES[name]
        assert SERVICES[name]["environment"]["REDIS_URL"].startswith("redis://redis:6379")


def test_make_run_serves_the_app_with_the_shared_gunicorn_settings() -> None:
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    check_command(shlex.split(processes["web"].strip()))
