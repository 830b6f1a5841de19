"""Retraining from the admin end to end, in a real Celery worker (on whichever database and broker
the session runs: PostgreSQL + Redis, or the embedded SQLite + filesystem broker): staff with the
retrain permission submit the Retrain form, the worker trains a tiny food model, the version
becomes active and the prediction API answers from it; a second retrain warm-starts from it."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.smoke import smoke_instance
from recommender.datasets.food import MODEL_NAMES
from recommender.serving import load_predictor
from tests.foodapp.recommendations.conftest import simulated_history  # noqa: F401
from tests.foodapp.simulation.conftest import catalogue_in_db  # noqa: F401
from tests.foodapp.training.test_admin import VIEW_ONLY, staff_with
from tests.worker_process import celery_worker, database_url_for_workers, task_routed_to

MODEL = MODEL_NAMES["wide"]


def wait_for_the_end(run: TrainingRun, timeout: float = 300) -> TrainingRun:
    """Poll the run until it finished (or the time is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state not in ("queued", "running"):
            break
        time.sleep(0.5)
    return run


def retrain_through_the_admin(client: Client, **fields: str) -> TrainingRun:
    """Submit the Retrain form of MODEL and return the run it queued."""
    before = set(TrainingRun.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("admin:training_trainingrun_retrain", args=[MODEL]),
        {"model_type": "wide", "epochs": "1", "seed": "5", "max_rows": "1500", **fields},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return TrainingRun.objects.exclude(pk__in=before).get()


def predict(client: Client, instance: dict) -> float:
    """The served probability of one instance through the prediction API."""
    answer = client.post(
        f"/v1/models/{MODEL}:predict",
        data=json.dumps({"instances": [instance]}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return float(np.ravel(answer.json()["predictions"][0]["logistic"])[0])


@pytest.mark.slow
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_staff_retrain_from_the_admin_and_the_api_answers_from_the_new_version(
    tmp_path: Path,
    settings,
    client: Client,
    simulated_history: object,  # noqa: F811
) -> None:
    queue = f"training-test-{uuid.uuid4().hex[:8]}"
    models_dir = tmp_path / "models"
    settings.MODELS_DIR = models_dir
    worker_env = {
        "DATABASE_URL": database_url_for_workers(),
        "TEST_MODELS_DIR": str(models_dir),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
    }
    staff_with(client, "trainer", *VIEW_ONLY, "retrain_model", "activate_modelversion")
    with (
        task_routed_to("foodapp.training.tasks.train_model", queue),
        celery_worker(queue=queue, env=worker_env, log_path=tmp_path / "worker.log"),
    ):
        first = wait_for_the_end(retrain_through_the_admin(client))
        log = (tmp_path / "worker.log").read_text()
        assert first.state == TrainingRun.State.SUCCEEDED, first.error or log[-3000:]
        assert first.celery_task_id and first.celery_task_id in log
        version = first.result_version
        assert version is not None, log[-3000:]
        # the worker activates a model's first version right after marking its run succeeded
        deadline = time.monotonic() + 60
        while version.state == ModelVersion.State.CANDIDATE and time.monotonic() < deadline:
            time.sleep(0.5)
            version.refresh_from_db()
        assert version.state == ModelVersion.State.ACTIVE, version.activation_error
        assert (models_dir / "_logs" / MODEL / f"run-{first.pk}").is_dir()  # TensorBoard

        served = load_predictor(models_dir, MODEL, version.version)
        instance = smoke_instance(served.input_schema())
        expected = float(np.ravel(served.predict([instance])[0]["logistic"])[0])
        assert predict(client, instance) == pytest.approx(expected, abs=1e-6)
        metadata = client.get(f"/v1/models/{MODEL}/metadata").json()
        assert int(metadata["model_spec"]["version"]) == version.version

        second = wait_for_the_end(retrain_through_the_admin(client, warm_start="on"))
        assert second.state == TrainingRun.State.SUCCEEDED, second.error
        assert second.note == f"warm start from {MODEL} v{version.version}"
        newer = second.result_version
        assert newer is not None and newer.state == ModelVersion.State.CANDIDATE
        start = newer.metadata["start"]
        assert (start["warm_start"], start["from"]) == (True, f"{MODEL} v{version.version}")

    response = client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "activate_selected", "_selected_action": [newer.pk]},
        follow=True,
    )
    newer.refresh_from_db()
    assert newer.state == ModelVersion.State.ACTIVE, response.content.decode()[-2000:]
    metadata = client.get(f"/v1/models/{MODEL}/metadata").json()
    assert int(metadata["model_spec"]["version"]) == newer.version
    fresh = load_predictor(models_dir, MODEL, newer.version)
    expected = float(np.ravel(fresh.predict([instance])[0]["logistic"])[0])
    assert predict(client, instance) == pytest.approx(expected, abs=1e-6)
