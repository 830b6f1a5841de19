"""Safe activation: only a version whose run succeeded, whose files match their checksum, which
loads and answers a smoke prediction becomes active; otherwise it stays a candidate, saying why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer
from tests.foodapp.training.conftest import BROKEN_SEED

pytestmark = pytest.mark.django_db


def trained(params: dict | None = None) -> TrainingRun:
    run = services.training_run_create(model_name="toy", params=params or {})
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.SUCCEEDED, run.error
    return run


def assert_refused(version: ModelVersion, reason: str, served: ModelVersion | None) -> None:
    with pytest.raises(services.ActivationRefusedError, match=reason):
        services.model_version_activate_safely(version=version)
    version.refresh_from_db()
    assert version.state == ModelVersion.State.CANDIDATE
    assert reason in version.activation_error
    if served is not None:
        served.refresh_from_db()
        assert served.state == ModelVersion.State.ACTIVE


def test_a_sound_version_is_activated_and_its_last_refusal_forgotten(toy_trainer: Trainer) -> None:
    first, second = trained().result_version, trained().result_version
    ModelVersion.objects.filter(pk=second.pk).update(activation_error="an earlier refusal")
    second.refresh_from_db()
    services.model_version_activate_safely(version=second)
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.state, second.activation_error) == (ModelVersion.State.ACTIVE, "")
    assert first.state == ModelVersion.State.RETIRED


def test_a_version_whose_run_did_not_succeed_is_refused(toy_trainer: Trainer) -> None:
    served, candidate = trained().result_version, trained().result_version
    TrainingRun.objects.filter(pk=candidate.training_run_id).update(state="failed")
    assert_refused(candidate, "is failed, not succeeded", served)


def test_a_version_whose_files_changed_is_refused(toy_trainer: Trainer) -> None:
    served, candidate = trained().result_version, trained().result_version
    (Path(candidate.path) / "weights.txt").write_text("0.9")
    assert_refused(candidate, "its files changed since export", served)


def test_a_version_whose_folder_is_gone_is_refused(toy_trainer: Trainer) -> None:
    served, candidate = trained().result_version, trained().result_version
    shutil.rmtree(candidate.path)
    assert_refused(candidate, "retrain instead", served)


def test_a_candidate_that_fails_its_smoke_prediction_is_not_activated(
    toy_trainer: Trainer,
) -> None:
    served = trained().result_version
    candidate = trained({"seed": BROKEN_SEED}).result_version
    assert_refused(candidate, "smoke prediction failed: ValueError: the prediction is NaN", served)


def test_a_first_version_that_fails_its_smoke_prediction_is_not_served(
    toy_trainer: Trainer,
) -> None:
    run = trained({"seed": BROKEN_SEED})
    version = run.result_version
    assert version.state == ModelVersion.State.CANDIDATE
    assert "smoke prediction failed" in version.activation_error
    assert not ModelVersion.objects.filter(state=ModelVersion.State.ACTIVE).exists()


def test_the_admin_says_why_a_version_stays_a_candidate(client: Client, toy_trainer) -> None:
    client.force_login(get_user_model().objects.create_superuser(username="boss", password="pw"))
    served = trained().result_version
    candidate = trained({"seed": BROKEN_SEED}).result_version
    response = client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "activate_selected", "_selected_action": [candidate.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "not activated" in page and "the prediction is NaN" in page
    served.refresh_from_db()
    assert served.state == ModelVersion.State.ACTIVE
    listing = client.get(reverse("admin:training_modelversion_changelist")).content.decode()
    assert "the prediction is NaN" in listing


@pytest.fixture
def census_store(census_export: Any, tmp_path: Path, settings) -> Path:
    """The session's real census model copied into this test's store as version 1."""
    store = tmp_path / "models"
    shutil.copytree(census_export.path, store / "census" / "1")
    settings.MODELS_DIR = store
    return store


def register_census(store: Path, census_export: Any, version: int) -> ModelVersion:
    folder = store / "census" / str(version)
    if not folder.exists():
        shutil.copytree(census_export.path, folder)
    exported = type(census_export)(
        name="census",
        version=version,
        path=folder,
        metrics=census_export.metrics,
        metadata=census_export.metadata,
    )
    return services.model_version_register(model_name="census", exported=exported)


@pytest.mark.slow
def test_a_real_census_version_loads_answers_and_is_activated(
    census_store: Path, census_export: Any
) -> None:
    version = register_census(census_store, census_export, 1)
    services.model_version_activate_safely(version=version)
    version.refresh_from_db()
    assert version.state == ModelVersion.State.ACTIVE


@pytest.mark.slow
def test_a_real_census_version_that_does_not_load_stays_a_candidate(
    census_store: Path, census_export: Any
) -> None:
    served = register_census(census_store, census_export, 1)
    services.model_version_activate_safely(version=served)
    broken = census_store / "census" / "2"
    shutil.copytree(census_export.path, broken)
    metadata = json.loads((broken / "metadata.json").read_text())
    metadata["inputs"]["shoe_size"] = {"dtype": "float", "kind": "numeric", "vocabulary": None}
    (broken / "metadata.json").write_text(json.dumps(metadata))
    candidate = register_census(census_store, census_export, 2)  # checksum of the broken files
    assert_refused(candidate, "it does not load", served)
