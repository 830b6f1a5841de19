"""Context carried into every log line: the web request id and the Celery task id."""

from __future__ import annotations

import logging
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_task_fields() -> tuple[str | None, str | None]:
    """Return (task id, task name) of the Celery task running in this thread, if any."""
    from celery import current_task

    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.id is None:
        return None, None
    return task.request.id, task.name


class ContextFilter(logging.Filter):
    """Add `request_id`, `task_id` and `task_name` to each record (None when not in one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id, record.task_name = current_task_fields()
        return True
