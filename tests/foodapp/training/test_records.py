"""What a run and a version record: per-trainer parameters, data window, run, checksum, status."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.params import InvalidParamsError, Param, clean_params
from foodapp.training.registry import (
    Trainer,
    TrainingRequest,
    register_trainer,
    trainer_for,
    unregister_trainer,
)
from tests.foodapp.training.conftest import ToyExport, train_toy
from tests.foodapp.training.factories import ModelVersionFactory

pytestmark = pytest.mark.django_db


def test_a_trainer_declares_and_validates_its_own_parameters() -> None:
    trainer = Trainer(
        model_name="tuned",
        train=train_toy,
        parameters=(
            Param("learning_rate", float, minimum=0.0001, maximum=1.0),
            Param("optimizer", str, choices=("adam", "adagrad")),
            Param("epochs", int, minimum=1, maximum=50),
        ),
        default_params={"optimizer": "adam"},
    )
    assert trainer.clean_params({"learning_rate": 0.2, "epochs": 3}) == {
        "model_type": "wide_deep",
        "optimizer": "adam",
        "learning_rate": 0.2,
        "epochs": 3,
    }
    assert trainer.clean_params({"learning_rate": 1})["learning_rate"] == 1.0
    for params, message in [
        ({"learning_rate": 2.0}, "learning_rate: must be at most 1.0"),
        ({"learning_rate": "fast"}, "learning_rate: must be a number"),
        ({"optimizer": "sgd"}, "optimizer: must be one of adam, adagrad"),
        ({"epochs": 51}, "epochs: must be at most 50"),
        ({"seed": 1}, "seed: unknown parameter (allowed: model_type, learning_rate, optimizer"),
    ]:
        with pytest.raises(InvalidParamsError, match=f"^{re.escape(message)}"):
            trainer.clean_params(params)


def test_the_food_trainer_constructor_keeps_working() -> None:
    trainer = Trainer(
        model_name="food_x",
        train=train_toy,
        model_types=("wide",),
        default_params={"model_type": "wide"},
    )
    assert trainer.clean_params({}) == {"model_type": "wide"}
    assert trainer.clean_params({"epochs": 2, "seed": 0, "max_rows": 9}) == {
        "model_type": "wide",
        "epochs": 2,
        "seed": 0,
        "max_rows": 9,
    }
    with pytest.raises(InvalidParamsError, match=r"^model_type: must be one of wide, got 'deep'"):
        trainer.clean_params({"model_type": "deep"})


@pytest.mark.parametrize("model_name", ["census", "food_wide", "food_deep", "food_wide_deep"])
def test_the_registered_trainers_accept_the_standard_parameters(model_name: str) -> None:
    trainer = trainer_for(model_name)
    model_type = trainer.model_types[-1]
    params = {"model_type": model_type, "epochs": 2, "seed": 1, "max_rows": 100}
    assert clean_params(trainer=trainer, params=params).items() >= params.items()
    with pytest.raises(InvalidParamsError, match=r"^learning_rate: unknown parameter"):
        clean_params(trainer=trainer, params={"learning_rate": 0.1})


@pytest.fixture
def window_trainer(models_dir: Path) -> Iterator[list[TrainingRequest]]:
    seen: list[TrainingRequest] = []

    def train(request: TrainingRequest) -> ToyExport:
        seen.append(request)
        return train_toy(request)

    register_trainer(Trainer(model_name="toy", train=train))
    yield seen
    unregister_trainer("toy")


def test_a_run_records_its_data_window_and_the_trainer_gets_it(
    window_trainer: list[TrainingRequest],
) -> None:
    start, end = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    run = services.training_run_create(model_name="toy", data_from=start, data_until=end)
    run = services.training_run_execute(run_id=run.pk)
    assert (run.data_from, run.data_until) == (start, end)
    assert (window_trainer[0].data_from, window_trainer[0].data_until) == (start, end)


def test_without_a_window_a_run_records_all_data_up_to_its_start(
    window_trainer: list[TrainingRequest],
) -> None:
    before = timezone.now()
    run = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    assert run.data_from is None
    assert run.data_until is not None and before <= run.data_until <= run.started_at
    assert window_trainer[0].data_until == run.data_until


def test_a_backwards_data_window_is_refused(window_trainer: list[TrainingRequest]) -> None:
    end = datetime(2026, 9, 1, tzinfo=UTC)
    with pytest.raises(InvalidParamsError, match=r"^data_from: must be before data_until"):
        services.training_run_create(model_name="toy", data_from=end, data_until=end)
    assert not TrainingRun.objects.exists()


def folder_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}\0{path.stat().st_size}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_version_records_the_run_that_made_it_its_checksum_and_status(
    toy_trainer: Trainer,
) -> None:
    first = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    second = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    v1, v2 = first.result_version, second.result_version
    assert (v1.training_run, v2.training_run) == (first, second)
    assert (v1.state, v1.traffic_share) == (ModelVersion.State.ACTIVE, 1.0)
    assert (v2.state, v2.traffic_share) == (ModelVersion.State.CANDIDATE, 0.0)
    assert len(v2.checksum) == 64 and v2.checksum == folder_sha256(Path(v2.path))

    services.model_version_activate(version=v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.state, v1.traffic_share) == (ModelVersion.State.RETIRED, 0.0)
    assert (v2.state, v2.traffic_share) == (ModelVersion.State.ACTIVE, 1.0)


def test_the_traffic_share_is_a_fraction() -> None:
    for share in (-0.1, 1.5):
        with pytest.raises(IntegrityError), transaction.atomic():
            ModelVersionFactory(traffic_share=share)


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_ready_versions_into_candidates() -> None:
    before, after = ("training", "0003_heartbeat_and_cancelled"), ("training", "0004_records")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("training", "ModelVersion")
    old.objects.create(model_name="x", version=1, path="/x", state="ready")
    old.objects.create(model_name="x", version=2, path="/x", state="active")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([after])
        states = dict(ModelVersion.objects.values_list("version", "state"))
        assert states == {1: "candidate", 2: "active"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("training"))
