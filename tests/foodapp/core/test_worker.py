"""A task sent from Django runs in a real worker process and its result is stored.

Once with the disk (filesystem) broker of the embedded default, and once with Redis; the result
backend is the test database (SQLite or PostgreSQL, whichever this session runs on).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from celery.result import AsyncResult
from django.conf import settings
from django_celery_results.models import TaskResult
from kombu import Connection

from foodapp.celery import app
from foodapp.core.tasks import echo
from foodapp.training import tasks as training_tasks
from tests.conftest import skip_or_fail
from tests.worker_process import celery_worker, database_url_for_workers


def filesystem_options(var_dir: Path) -> dict[str, object]:
    """The transport options the worker derives from VAR_DIR (see settings.base)."""
    queue = var_dir / "broker" / "queue"
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(var_dir / "broker" / "processed"),
        "control_folder": str(var_dir / "broker" / "control"),
        "store_processed": False,
    }


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_task_sent_from_django_runs_in_a_worker_and_its_result_is_stored(
    broker: str, tmp_path: Path
) -> None:
    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker_env = {"DATABASE_URL": database_url_for_workers(), "VAR_DIR": str(tmp_path / "var")}
    if broker == "redis":
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            skip_or_fail("REDIS_URL is not set")
        worker_env["REDIS_URL"] = redis_url
        connection = Connection(redis_url)
    else:
        worker_env["REDIS_URL"] = ""  # force the embedded disk broker in the worker
        for folder in ("queue", "processed", "control"):
            (tmp_path / "var" / "broker" / folder).mkdir(parents=True)
        connection = Connection(
            "filesystem://localhost//", transport_options=filesystem_options(tmp_path / "var")
        )

    with celery_worker(queue=queue, env=worker_env, log_path=tmp_path / "worker.log"):
        with connection, connection.Producer() as producer:
            sent = echo.apply_async(
                kwargs={"message": f"via {broker}"}, queue=queue, producer=producer
            )
        result = AsyncResult(sent.id, app=app).get(timeout=60)

    log = (tmp_path / "worker.log").read_text()
    assert result == {"message": f"via {broker}", "task_id": sent.id}
    stored = TaskResult.objects.get(task_id=sent.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "foodapp.core.tasks.echo"
    assert f'"task_id": "{sent.id}"' in log  # the worker's own JSON log line names the task


def test_training_tasks_go_to_the_training_queue_and_others_to_default() -> None:
    router = app.amqp.router
    assert router.route({}, "foodapp.training.tasks.train_model")["queue"].name == "training"
    assert router.route({}, "foodapp.core.tasks.echo")["queue"].name == "default"
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert training_tasks.train_model.time_limit >= 60 * 60
