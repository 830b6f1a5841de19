"""Cancelling a run: a queued one at once, a running one between two training steps."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer, TrainingRequest, register_trainer, unregister_trainer
from tests.foodapp.training.conftest import ToyExport
from tests.foodapp.training.factories import TrainingRunFactory

pytestmark = pytest.mark.django_db

STEP_SECONDS = 0.02


@pytest.fixture
def long_trainer(models_dir: Path) -> Iterator[dict]:
    """Writes a half export and a log file, then trains for up to 10 s in small steps; at step
    5 someone cancels the run (through the service, as the admin does)."""
    seen: dict = {"steps_after_cancel": 0, "cancelled_at": None}

    def train(request: TrainingRequest) -> ToyExport:
        half = request.models_dir / "long" / ".tmp-inprogress"
        half.mkdir(parents=True)
        assert request.log_dir is not None
        request.log_dir.mkdir(parents=True)
        (request.log_dir / "events.out").write_text("log")
        for step in range(1, 500):
            if step == 5:
                run = TrainingRun.objects.get(model_name="long", state="running")
                services.training_run_cancel(run=run)
                seen["cancelled_at"] = time.monotonic()
            elif step > 5:
                seen["steps_after_cancel"] += 1
            time.sleep(STEP_SECONDS)
            request.progress({"epoch": 1, "epochs": 1, "step": step, "steps": 500})
        raise AssertionError("the trainer was never stopped")

    register_trainer(Trainer(model_name="long", train=train))
    yield seen
    unregister_trainer("long")


def test_cancelling_a_running_run_stops_it_and_removes_what_it_wrote(
    long_trainer: dict, models_dir: Path
) -> None:
    run = services.training_run_create(model_name="long")
    run = services.training_run_execute(run_id=run.pk)
    stopped = time.monotonic()
    assert run.state == TrainingRun.State.CANCELLED, run.error
    assert run.finished_at is not None and run.cancel_requested_at is not None
    assert stopped - long_trainer["cancelled_at"] < 3  # the flag is read at least once a second
    assert not list((models_dir / "long").glob(".tmp-*"))
    assert not (models_dir / "_logs" / "long" / f"run-{run.pk}").exists()
    assert not ModelVersion.objects.exists()
    assert services.training_run_create(model_name="long").state == "queued"  # not blocking


def test_cancelling_a_queued_run_means_it_never_trains(toy_trainer: Trainer, models_dir) -> None:
    run = services.training_run_create(model_name="toy")
    cancelled = services.training_run_cancel(run=run)
    assert cancelled.state == TrainingRun.State.CANCELLED and cancelled.finished_at is not None
    again = services.training_run_execute(run_id=run.pk)  # the message arrives afterwards
    assert again.state == TrainingRun.State.CANCELLED
    assert not (models_dir / "toy").exists()
    assert services.training_run_create(model_name="toy").state == "queued"


def test_cancelling_a_run_whose_worker_is_lost_cancels_it_at_once(
    toy_trainer: Trainer, models_dir: Path
) -> None:
    half = models_dir / "toy" / ".tmp-x"
    half.mkdir(parents=True)
    run = TrainingRunFactory(
        state="running", heartbeat_at=timezone.now() - timedelta(minutes=5), worker="gone:x:1"
    )
    assert services.training_run_cancel(run=run).state == TrainingRun.State.CANCELLED
    assert not half.exists()


def test_a_finished_run_cannot_be_cancelled(toy_trainer: Trainer) -> None:
    run = TrainingRunFactory(state="succeeded")
    with pytest.raises(services.TrainingRunNotOpenError, match="already succeeded"):
        services.training_run_cancel(run=run)


def cancel_action(client: Client, *runs: TrainingRun, **extra):
    return client.post(
        reverse("admin:training_trainingrun_changelist"),
        {"action": "cancel_selected", "_selected_action": [run.pk for run in runs]},
        **extra,
    )


def test_staff_with_the_retrain_permission_cancel_from_the_admin(
    client: Client, toy_trainer: Trainer
) -> None:
    user = get_user_model().objects.create_user(username="ops", password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_trainingrun", "retrain_model"])
    )
    client.force_login(user)
    queued = TrainingRunFactory(state="queued")
    running = TrainingRunFactory(
        model_name="other", state="running", heartbeat_at=timezone.now(), worker="w:x:1"
    )
    done = TrainingRunFactory(model_name="done", state="failed")
    page = cancel_action(client, queued, running, done, follow=True).content.decode()
    for run in (queued, running, done):
        run.refresh_from_db()
    assert queued.state == "cancelled"
    assert running.state == "running" and running.cancel_requested_at is not None
    assert "stops at its next training step" in page and "already failed" in page


def test_view_only_staff_get_403_for_cancel(client: Client, toy_trainer: Trainer) -> None:
    user = get_user_model().objects.create_user(username="viewer", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_trainingrun"))
    client.force_login(user)
    queued = TrainingRunFactory(state="queued")
    assert cancel_action(client, queued).status_code == 403
    queued.refresh_from_db()
    assert queued.state == "queued"
