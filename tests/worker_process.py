"""Start a real Celery worker process against the test database, for tests that need one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url_for_workers() -> str:
    """A DATABASE_URL for the database this test session runs on (pytest-django's test copy)."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(config['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        user = config.get("USER") or ""
        password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
        credentials = f"{user}{password}@" if user else ""
        host = config.get("HOST") or "127.0.0.1"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        return f"postgres://{credentials}{host}{port}/{config['NAME']}"
    raise RuntimeError(f"no worker support for {connection.vendor}")


@contextmanager
def celery_worker(
    *, queue: str, env: dict[str, str], log_path: Path, ready_timeout: float = 60.0
) -> Iterator[subprocess.Popen[Any]]:
    """Run `celery worker -Q queue` as a child process until the block ends."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "foodapp.settings.test", **env}
    for key, value in env.items():
        if value == "":
            full_env.pop(key, None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "foodapp",
        "worker",
        "--queues",
        queue,
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        "--hostname",
        f"test-{uuid.uuid4().hex[:8]}@%h",
        "--loglevel",
        "INFO",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + ready_timeout
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(f"worker exited early:\n{log_path.read_text()}")
                if " ready." in log_path.read_text():
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError(f"worker not ready in {ready_timeout}s:\n{log_path.read_text()}")
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def task_routed_to(task_name: str, queue: str) -> Iterator[None]:
    """Send `task_name` to `queue` inside the block (Celery caches its router; swap it too)."""
    from foodapp.celery import app

    previous_routes, previous_router = app.conf.task_routes, app.amqp.router
    app.conf.task_routes = {task_name: {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()
    try:
        yield
    finally:
        app.conf.task_routes = previous_routes
        app.amqp.flush_routes()
        app.amqp.router = previous_router
