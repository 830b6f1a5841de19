"""Logs are JSON lines carrying the request id on web requests and the task id in tasks."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from foodapp.core.log_context import ContextFilter
from foodapp.core.tasks import echo


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Capture root logging through the project's own JSON formatter and context filter."""
    from pythonjsonlogger.json import JsonFormatter

    formatter_config = settings.LOGGING["formatters"]["json"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter(formatter_config["fmt"], rename_fields=formatter_config["rename_fields"])
    )
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_web_request_logs_one_json_line_with_its_request_id(
    client: Client, json_lines: io.StringIO
) -> None:
    response = client.get("/healthz")
    lines = [r for r in records(json_lines) if r["message"] == "request finished"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["path"] == "/healthz" and line["status"] == 200
    assert {"time", "level", "logger"} <= set(line)


def test_a_task_logs_its_task_id(json_lines: io.StringIO) -> None:
    result = echo.apply(kwargs={"message": "hello"})
    lines = [r for r in records(json_lines) if r["message"] == "echo"]
    assert len(lines) == 1
    assert lines[0]["task_id"] == result.id
    assert lines[0]["task_name"] == "foodapp.core.tasks.echo"
    assert lines[0]["request_id"] is None


def test_outside_requests_and_tasks_the_ids_are_null(json_lines: io.StringIO) -> None:
    logging.getLogger("foodapp.test").warning("plain")
    line = records(json_lines)[-1]
    assert line["request_id"] is None and line["task_id"] is None
