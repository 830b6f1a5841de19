"""Retraining end to end: a run started from Django trains the census model in a real worker."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from tests.worker_process import celery_worker, database_url_for_workers, task_routed_to


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_started_run_is_trained_by_the_training_worker(tmp_path: Path, settings) -> None:
    queue = f"training-test-{uuid.uuid4().hex[:8]}"
    models_dir = tmp_path / "models"
    settings.MODELS_DIR = models_dir
    worker_env = {
        "DATABASE_URL": database_url_for_workers(),
        "TEST_MODELS_DIR": str(models_dir),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    with (
        task_routed_to("foodapp.training.tasks.train_model", queue),
        celery_worker(queue=queue, env=worker_env, log_path=tmp_path / "worker.log"),
    ):
        run = services.training_run_start(
            model_name="census", params={"epochs": 1, "max_rows": 1500, "seed": 3}
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.state in (TrainingRun.State.SUCCEEDED, TrainingRun.State.FAILED):
                break
            time.sleep(1)

    log = (tmp_path / "worker.log").read_text()
    assert run.state == TrainingRun.State.SUCCEEDED, run.error or log[-3000:]
    assert run.celery_task_id and f'"task_id": "{run.celery_task_id}"' in log
    assert run.progress.get("epoch") == 1
    version = run.result_version
    assert version is not None and version.state == ModelVersion.State.ACTIVE
    assert (models_dir / "census" / str(version.version) / "saved_model.pb").exists()
    assert version.metrics["accuracy"] > 0.7
