"""Retraining end to end in a real worker: a started run trains the census model; a killed
worker leaves a failed run, no half-written folder and the old version serving."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from foodapp.census.examples import STORY_EXAMPLES
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


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_export_leaves_a_failed_run_and_no_half_written_folder(
    tmp_path: Path, settings, census_export, client
) -> None:
    models_dir = tmp_path / "models"
    served = models_dir / "census" / "1"
    shutil.copytree(census_export.path, served)
    settings.MODELS_DIR = models_dir
    old = services.model_version_activate(
        version=ModelVersion.objects.create(model_name="census", version=1, path=str(served))
    )
    queue = f"training-test-{uuid.uuid4().hex[:8]}"
    worker_env = {
        "DATABASE_URL": database_url_for_workers(),
        "TEST_MODELS_DIR": str(models_dir),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    half_written: list[Path] = []
    with (
        task_routed_to("foodapp.training.tasks.train_model", queue),
        celery_worker(queue=queue, env=worker_env, log_path=tmp_path / "worker.log") as worker,
    ):
        run = services.training_run_start(
            model_name="census", params={"epochs": 1, "max_rows": 1500, "seed": 3}
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not half_written:
            half_written = list((models_dir / "census").glob(".tmp-*"))
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)  # the whole worker, mid-export: nothing redelivers
        worker.wait()
        log = (tmp_path / "worker.log").read_text()
        assert half_written, f"the export was never seen in progress:\n{log[-3000:]}"
        run.refresh_from_db()
        assert run.state == TrainingRun.State.RUNNING
        time.sleep(1.1)
        assert services.training_runs_fail_stale(older_than=timedelta(seconds=1)) == 1

    run.refresh_from_db()
    assert run.state == TrainingRun.State.FAILED
    assert run.error.startswith("worker lost"), run.error
    assert not list((models_dir / "census").glob(".tmp-*"))
    assert sorted(p.name for p in (models_dir / "census").iterdir()) == ["1"]
    old.refresh_from_db()
    assert old.state == ModelVersion.State.ACTIVE
    answer = client.post(
        "/v1/models/census:predict",
        data=json.dumps({"instances": [STORY_EXAMPLES[0]]}),
        content_type="application/json",
    )
    assert answer.status_code == 200 and len(answer.json()["predictions"]) == 1
    assert services.training_run_create(model_name="census").state == TrainingRun.State.QUEUED


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_run_cancelled_while_the_worker_trains_stops_within_30_seconds(
    tmp_path: Path, settings
) -> None:
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
            model_name="census", params={"epochs": 200, "max_rows": 3000, "seed": 3}
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not run.progress.get("step"):
            time.sleep(0.2)
            run.refresh_from_db()
        assert run.state == TrainingRun.State.RUNNING and run.progress.get("step"), run.error
        cancelled_at = time.monotonic()
        services.training_run_cancel(run=run)
        while time.monotonic() < cancelled_at + 60 and run.state == TrainingRun.State.RUNNING:
            time.sleep(0.2)
            run.refresh_from_db()
        stopped_after = time.monotonic() - cancelled_at

    log = (tmp_path / "worker.log").read_text()
    assert run.state == TrainingRun.State.CANCELLED, run.error or log[-3000:]
    assert stopped_after < 30
    census_dir = models_dir / "census"
    assert not census_dir.exists() or not any(census_dir.iterdir())  # no version, no .tmp-
    assert not (models_dir / "_logs" / "census" / f"run-{run.pk}").exists()
    assert not ModelVersion.objects.exists()
