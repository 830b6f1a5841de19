"""Heartbeats while a run trains; the reaper fails runs whose worker is gone; redelivery."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from foodapp.training import services
from foodapp.training.liveness import worker_identity
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer, TrainingRequest, register_trainer, unregister_trainer
from tests.foodapp.training.conftest import ToyExport
from tests.foodapp.training.factories import ModelVersionFactory, TrainingRunFactory

pytestmark = pytest.mark.django_db


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def a_dead_worker_on_this_host() -> str:
    """The identity a worker process had here, once that process has exited."""
    code = "from foodapp.training.liveness import worker_identity; print(worker_identity())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_reaper_schedule_runs_every_minute() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["training-fail-stale-runs"]
    assert entry["task"] == "foodapp.training.tasks.fail_stale_runs"
    assert entry["schedule"] == 60
    assert django_settings.TRAINING_HEARTBEAT_SECONDS <= 10
    assert django_settings.TRAINING_HEARTBEAT_STALE_SECONDS == 60


def test_progress_writes_the_heartbeat_and_the_worker(toy_trainer: Trainer) -> None:
    run = services.training_run_create(model_name="toy")
    before = timezone.now()
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.SUCCEEDED
    assert run.heartbeat_at is not None and run.heartbeat_at >= before
    assert run.worker == worker_identity()


@pytest.fixture
def slow_trainer(models_dir: Path, settings) -> Iterator[list]:
    """A trainer that reports no progress for 1.2 s and records the heartbeats it sees."""
    settings.TRAINING_HEARTBEAT_SECONDS = 0.2
    seen: list = []

    def train(request: TrainingRequest) -> ToyExport:
        run = TrainingRun.objects.get(model_name="slow", state=TrainingRun.State.RUNNING)
        for _ in range(6):
            time.sleep(0.2)
            seen.append(TrainingRun.objects.get(pk=run.pk).heartbeat_at)
        folder = request.models_dir / "slow" / "1"
        folder.mkdir(parents=True)
        return ToyExport(1, folder)

    register_trainer(Trainer(model_name="slow", train=train))
    yield seen
    unregister_trainer("slow")


@pytest.mark.django_db(transaction=True)
def test_a_long_step_without_progress_still_beats(slow_trainer: list) -> None:
    run = services.training_run_create(model_name="slow")
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.SUCCEEDED, run.error
    assert len(set(slow_trainer)) >= 3  # the timer thread kept writing during the silent step
    assert slow_trainer == sorted(slow_trainer)


def test_the_reaper_fails_runs_whose_heartbeat_is_older_than_a_minute(toy_trainer: Trainer) -> None:
    lost = TrainingRunFactory(
        model_name="a", state="running", started_at=ago(600), heartbeat_at=ago(61)
    )
    never_beat = TrainingRunFactory(model_name="b", state="running", started_at=ago(90))
    alive = TrainingRunFactory(
        model_name="c", state="running", started_at=ago(600), heartbeat_at=ago(20)
    )
    waiting = TrainingRunFactory(model_name="d", state="queued")
    assert services.training_runs_fail_stale() == 2
    for run in (lost, never_beat, alive, waiting):
        run.refresh_from_db()
    assert (lost.state, never_beat.state) == ("failed", "failed")
    assert lost.error.startswith("worker lost") and lost.finished_at is not None
    assert (alive.state, waiting.state) == ("running", "queued")


def test_the_reaper_fails_at_once_a_run_whose_local_worker_process_is_gone() -> None:
    run = TrainingRunFactory(
        state="running", started_at=ago(5), heartbeat_at=ago(1), worker=a_dead_worker_on_this_host()
    )
    mine = TrainingRunFactory(
        model_name="mine", state="running", heartbeat_at=ago(1), worker=worker_identity()
    )
    assert services.training_runs_fail_stale() == 1
    run.refresh_from_db()
    mine.refresh_from_db()
    assert run.state == "failed" and run.error.startswith("worker lost")
    assert mine.state == "running"


def test_the_reaper_removes_half_written_exports_of_dead_runs_only(
    toy_trainer: Trainer, models_dir: Path
) -> None:
    served = models_dir / "toy" / "1"
    (served / "variables").mkdir(parents=True)
    ModelVersionFactory(model_name="toy", version=1, path=str(served), state="active")
    half = models_dir / "toy" / ".tmp-0123abcd"
    (half / "variables").mkdir(parents=True)
    (half / "saved_model.pb").write_bytes(b"half")
    other = models_dir / "other" / ".tmp-4567"
    other.mkdir(parents=True)
    TrainingRunFactory(state="running", heartbeat_at=ago(120))
    TrainingRunFactory(model_name="other", state="running", heartbeat_at=ago(2))

    services.training_runs_fail_stale()
    assert not half.exists()
    assert other.exists()  # its run is alive
    assert served.is_dir()
    assert ModelVersion.objects.get(model_name="toy").state == "active"


def test_a_redelivered_run_whose_worker_died_is_run_again(
    toy_trainer: Trainer, models_dir: Path
) -> None:
    half = models_dir / "toy" / ".tmp-dead"
    half.mkdir(parents=True)
    run = TrainingRunFactory(
        state="running",
        attempts=1,
        started_at=ago(300),
        heartbeat_at=ago(90),
        worker="elsewhere:pid:[1]:7",
    )
    again = services.training_run_execute(run_id=run.pk, task_id="redelivered")
    assert again.state == TrainingRun.State.SUCCEEDED, again.error
    assert again.result_version is not None and again.result_version.version == 1
    assert again.attempts == 2 and again.worker == worker_identity()
    assert not half.exists()


def test_a_redelivered_run_whose_local_worker_was_killed_is_run_again_at_once(
    toy_trainer: Trainer,
) -> None:
    run = TrainingRunFactory(
        state="running", started_at=ago(3), heartbeat_at=ago(1), worker=a_dead_worker_on_this_host()
    )
    started = time.monotonic()
    again = services.training_run_execute(run_id=run.pk)
    assert again.state == TrainingRun.State.SUCCEEDED, again.error
    assert time.monotonic() - started < 5


def test_a_run_whose_worker_died_twice_is_failed_not_run_a_third_time(
    toy_trainer: Trainer, models_dir: Path
) -> None:
    run = TrainingRunFactory(
        state="running", attempts=2, heartbeat_at=ago(90), worker="elsewhere:pid:[1]:7"
    )
    again = services.training_run_execute(run_id=run.pk)
    assert again.state == TrainingRun.State.FAILED
    assert again.error.startswith("worker lost")
    assert not (models_dir / "toy").exists() or not any((models_dir / "toy").iterdir())


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_message_leaves_a_run_alone_while_its_worker_beats(
    toy_trainer: Trainer, settings
) -> None:
    settings.TRAINING_HEARTBEAT_SECONDS = 0.2
    run = TrainingRunFactory(state="running", heartbeat_at=timezone.now(), worker="elsewhere:x:7")
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(0.1):
            TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
        connection.close()

    beater = threading.Thread(target=beat)
    beater.start()
    try:
        again = services.training_run_execute(run_id=run.pk, task_id="duplicate")
    finally:
        stop.set()
        beater.join()
    assert again.state == TrainingRun.State.RUNNING
    assert again.worker == "elsewhere:x:7" and again.result_version is None


def test_a_second_delivery_of_a_finished_run_changes_nothing(toy_trainer: Trainer) -> None:
    run = services.training_run_create(model_name="toy")
    first = services.training_run_execute(run_id=run.pk)
    again = services.training_run_execute(run_id=run.pk)
    assert (again.state, again.result_version, again.attempts) == (
        "succeeded",
        first.result_version,
        1,
    )


def test_the_store_spells_the_exporters_temporary_prefix() -> None:
    from foodapp.training.store import TEMP_PREFIX
    from recommender.export import TEMP_PREFIX as EXPORT_TEMP_PREFIX

    assert TEMP_PREFIX == EXPORT_TEMP_PREFIX


@pytest.fixture
def reaped_midway(models_dir: Path) -> Iterator[None]:
    """A trainer whose run the reaper fails while it trains (a worker paused past the limit)."""

    def train(request: TrainingRequest) -> ToyExport:
        TrainingRun.objects.filter(model_name="paused").update(
            state="failed", error="worker lost: test"
        )
        for step in range(3):
            request.progress({"epoch": 1, "step": step, "steps": 3, "final": step == 2})
        raise AssertionError("training went on after its run was failed")

    register_trainer(Trainer(model_name="paused", train=train))
    yield
    unregister_trainer("paused")


def test_a_worker_whose_run_was_reaped_stops_and_records_nothing(reaped_midway: None) -> None:
    run = services.training_run_create(model_name="paused")
    run = services.training_run_execute(run_id=run.pk)
    assert (run.state, run.error) == ("failed", "worker lost: test")
    assert not ModelVersion.objects.exists()


@pytest.fixture
def interrupted_trainer(models_dir: Path) -> Iterator[None]:
    def train(request: TrainingRequest) -> ToyExport:
        raise KeyboardInterrupt

    register_trainer(Trainer(model_name="ctrl_c", train=train))
    yield
    unregister_trainer("ctrl_c")


def test_ctrl_c_during_training_fails_the_run_instead_of_leaving_it_running(
    interrupted_trainer: None,
) -> None:
    run = services.training_run_create(model_name="ctrl_c")
    with pytest.raises(KeyboardInterrupt):
        services.training_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == "failed" and run.error.startswith("interrupted")


def test_the_train_command_first_fails_a_run_left_by_a_killed_process(
    toy_trainer: Trainer,
) -> None:
    import io

    from django.core.management import call_command

    dead = TrainingRunFactory(
        state="running", heartbeat_at=ago(2), worker=a_dead_worker_on_this_host()
    )
    call_command("train", "toy", stdout=io.StringIO(), stderr=io.StringIO())
    dead.refresh_from_db()
    assert dead.state == "failed" and dead.error.startswith("worker lost")
    assert TrainingRun.objects.filter(state="succeeded").count() == 1
