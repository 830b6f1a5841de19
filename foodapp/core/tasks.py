"""Small tasks that prove the worker plumbing end to end."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="foodapp.core.tasks.echo")
def echo(*, message: str) -> dict[str, str]:
    """Log and return the message with the worker's task id, so a test can see it ran there."""
    from celery import current_task

    task_id = str(current_task.request.id) if current_task else ""
    logger.info("echo", extra={"echo_message": message})
    return {"message": message, "task_id": task_id}
