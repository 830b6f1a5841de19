"""Training runs: validation, claiming, progress, versions and activation."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.params import InvalidParamsError
from foodapp.training.registry import Trainer, UnknownModelError
from foodapp.training.selectors import model_names_without_active_version, model_version_active
from tests.foodapp.training.factories import ModelVersionFactory, TrainingRunFactory

pytestmark = pytest.mark.django_db


def test_unknown_model_is_refused(toy_trainer: Trainer) -> None:
    with pytest.raises(UnknownModelError, match=r"'nope'.*toy"):
        services.training_run_create(model_name="nope")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model_type": "forest"}, "model_type"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": "5"}, "epochs"),
        ({"epochs": 5000}, "epochs"),
        ({"seed": -1}, "seed"),
        ({"learning_rate": 0.1}, "learning_rate"),
    ],
)
def test_bad_params_are_refused_naming_the_field(
    toy_trainer: Trainer, params: dict, field: str
) -> None:
    with pytest.raises(InvalidParamsError, match=f"^{field}:"):
        services.training_run_create(model_name="toy", params=params)
    assert TrainingRun.objects.count() == 0


def test_first_run_trains_records_progress_and_activates(
    toy_trainer: Trainer, models_dir: Path
) -> None:
    seen: list[dict] = []
    run = services.training_run_create(model_name="toy", params={"epochs": 2})
    run = services.training_run_execute(run_id=run.pk, progress=seen.append)
    assert run.state == TrainingRun.State.SUCCEEDED
    assert [event["epoch"] for event in seen] == [1, 2]
    assert run.progress["epoch"] == 2 and run.progress["metrics"]["loss"] == 0.5
    version = run.result_version
    assert version is not None and version.version == 1
    assert version.state == ModelVersion.State.ACTIVE
    assert Path(version.path) == models_dir / "toy" / "1"
    assert model_names_without_active_version() == [
        name for name in model_names_without_active_version() if name != "toy"
    ]


def test_later_versions_wait_until_activated(toy_trainer: Trainer) -> None:
    first = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    second = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    assert second.result_version is not None and first.result_version is not None
    assert second.result_version.state == ModelVersion.State.CANDIDATE
    assert model_version_active(model_name="toy") == first.result_version
    services.model_version_activate(version=second.result_version)
    first.result_version.refresh_from_db()
    assert first.result_version.state == ModelVersion.State.RETIRED
    assert model_version_active(model_name="toy") == second.result_version


def test_a_run_executes_once_even_if_delivered_twice(
    toy_trainer: Trainer, models_dir: Path
) -> None:
    run = services.training_run_create(model_name="toy")
    services.training_run_execute(run_id=run.pk)
    again = services.training_run_execute(run_id=run.pk)
    assert again.state == TrainingRun.State.SUCCEEDED
    assert sorted(p.name for p in (models_dir / "toy").iterdir()) == ["1"]
    assert ModelVersion.objects.filter(model_name="toy").count() == 1


def test_a_failing_trainer_marks_the_run_failed_with_the_reason(toy_trainer: Trainer) -> None:
    run = services.training_run_create(model_name="toy", params={"epochs": 13})
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.FAILED
    assert run.error.startswith("RuntimeError: unlucky number of epochs")
    assert run.finished_at is not None
    assert not ModelVersion.objects.exists()


def test_activating_a_version_whose_folder_is_gone_is_refused(toy_trainer: Trainer) -> None:
    version = ModelVersionFactory()
    with pytest.raises(FileNotFoundError, match="retrain"):
        services.model_version_activate(version=version)
    version.refresh_from_db()
    assert version.state == ModelVersion.State.CANDIDATE


def test_stale_running_runs_are_failed(toy_trainer: Trainer) -> None:
    stale = TrainingRunFactory(
        state=TrainingRun.State.RUNNING, started_at=timezone.now() - timedelta(days=1)
    )
    fresh = TrainingRunFactory(
        model_name="other", state=TrainingRun.State.RUNNING, started_at=timezone.now()
    )
    assert services.training_runs_fail_stale() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == TrainingRun.State.FAILED
    assert fresh.state == TrainingRun.State.RUNNING


def test_start_queues_the_task_only_after_commit(
    toy_trainer: Trainer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.training_run_start(model_name="toy")
    assert run.state == TrainingRun.State.QUEUED
    assert len(callbacks) == 1


def test_metrics_with_plot_points_are_stored_as_json(toy_trainer: Trainer) -> None:
    import numpy as np

    from tests.foodapp.training.conftest import ToyExport

    exported = ToyExport(
        7,
        Path("/tmp/toy/7"),
        {
            "accuracy": np.float32(0.75),
            "roc_curve": [[0.0, 0.0], (0.5, np.float64(0.9))],
            "calibration": [{"count": np.int64(3)}],
            "curve": np.array([1.0, 2.0]),
        },
    )
    version = services.model_version_register(model_name="toy", exported=exported)
    version.refresh_from_db()
    assert version.metrics == {
        "accuracy": 0.75,
        "roc_curve": [[0.0, 0.0], [0.5, 0.9]],
        "calibration": [{"count": 3}],
        "curve": [1.0, 2.0],
    }


def test_one_open_run_per_model_is_enforced_by_the_database(toy_trainer: Trainer) -> None:
    TrainingRunFactory(state=TrainingRun.State.SUCCEEDED)
    TrainingRunFactory(state=TrainingRun.State.FAILED)
    TrainingRunFactory(state=TrainingRun.State.QUEUED)
    TrainingRunFactory(model_name="other", state=TrainingRun.State.RUNNING)
    for state in (TrainingRun.State.QUEUED, TrainingRun.State.RUNNING):
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingRun.objects.create(model_name="toy", state=state)
    assert TrainingRun.objects.filter(model_name="toy").count() == 3


def test_a_second_start_answers_already_running_with_the_open_run(
    toy_trainer: Trainer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.training_run_start(model_name="toy")
        with pytest.raises(services.TrainingRunAlreadyOpenError, match="already running") as caught:
            services.training_run_start(model_name="toy", params={"epochs": 3})
    assert caught.value.run == first
    assert len(callbacks) == 1
    assert TrainingRun.objects.get() == first


@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_starts_make_one_run(toy_trainer: Trainer, monkeypatch) -> None:
    from foodapp.training import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.train_model, "apply_async", lambda kwargs: sent.append(kwargs))
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def trigger() -> None:
        try:
            barrier.wait()
            services.training_run_start(model_name="toy")
            outcomes.append("queued")
        except services.TrainingRunAlreadyOpenError as error:
            outcomes.append(f"refused: {error.run.pk}")
        finally:
            connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run = TrainingRun.objects.get()
    assert sorted(outcomes) == ["queued", *[f"refused: {run.pk}"] * 4]
    assert len(sent) == 1


@pytest.mark.django_db(transaction=True)
def test_start_with_the_broker_down_marks_the_run_not_sent(
    toy_trainer: Trainer, broker_down: None
) -> None:
    run = services.training_run_start(model_name="toy")
    assert run.state == TrainingRun.State.FAILED
    assert run.error.startswith("not sent: could not reach the training queue")
    assert "Connection refused" in run.error
    assert services.training_run_create(model_name="toy").state == TrainingRun.State.QUEUED
