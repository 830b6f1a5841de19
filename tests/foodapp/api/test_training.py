"""Training runs and model versions through the API: staff read; retrain and activate need the
admin's permissions; everyone else gets 403 and nothing is queued or served."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer
from tests.foodapp.api.conftest import grant, token_client
from tests.foodapp.people.factories import UserFactory
from tests.foodapp.training.conftest import toy_trainer  # noqa: F401 (a fixture)
from tests.foodapp.training.factories import ModelVersionFactory, TrainingRunFactory

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/training/runs/"
VERSIONS = "/api/v1/training/versions/"


def staff_with(*permissions: str) -> APIClient:
    user = grant(UserFactory(is_staff=True), *permissions)
    client = APIClient()
    client.force_login(user)
    return client


def test_staff_read_runs_and_versions_others_get_403(staff_client: APIClient, alice: Any) -> None:
    run = TrainingRunFactory(state="succeeded")
    version = ModelVersionFactory(training_run=run)
    assert [r["id"] for r in staff_client.get(RUNS).json()["results"]] == [run.pk]
    assert staff_client.get(f"{RUNS}{run.pk}/").json()["state"] == "succeeded"
    assert staff_client.get(VERSIONS).json()["results"][0]["id"] == version.pk
    assert staff_client.get(f"{VERSIONS}{version.pk}/").json()["training_run"] == run.pk
    person = token_client(alice.user)
    for url in (RUNS, f"{RUNS}{run.pk}/", VERSIONS, f"{VERSIONS}{version.pk}/"):
        assert person.get(url).status_code == 403, url
        assert APIClient().get(url).status_code == 401, url


def test_retrain_needs_the_retrain_permission_and_nothing_is_queued_without_it(
    toy_trainer: Trainer,  # noqa: F811
    staff_client: APIClient,
    alice: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = {"model_name": "toy", "params": {"epochs": 2}}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refused = staff_client.post(RUNS, body, format="json")
        by_person = token_client(grant(alice.user, "training.retrain_model")).post(
            RUNS, body, format="json"
        )
    assert refused.status_code == 403 and "training.retrain_model" in refused.json()["error"]
    assert by_person.status_code == 403  # the permission without staff, as in the admin
    assert not TrainingRun.objects.exists() and not callbacks

    allowed = staff_with("training.retrain_model")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = allowed.post(RUNS, body, format="json")
    assert queued.status_code == 201, queued.json()
    run = TrainingRun.objects.get()
    assert queued.json()["id"] == run.pk and run.state == "queued" and len(callbacks) == 1
    assert run.requested_by is not None and run.params["epochs"] == 2

    again = allowed.post(RUNS, body, format="json")
    assert again.status_code == 409 and "already running" in again.json()["error"]


def test_retrain_with_bad_input_is_a_400_naming_it(
    toy_trainer: Trainer,  # noqa: F811
) -> None:
    allowed = staff_with("training.retrain_model")
    unknown = allowed.post(RUNS, {"model_name": "nope"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["error"].startswith("model_name: ")
    bad = allowed.post(RUNS, {"model_name": "toy", "params": {"epochs": -3}}, format="json")
    assert bad.status_code == 400 and "epochs" in bad.json()["error"]
    assert not TrainingRun.objects.exists()


def test_activation_needs_the_activate_permission_and_the_safety_checks(
    toy_trainer: Trainer,  # noqa: F811
    staff_client: APIClient,
    tmp_path: Path,
) -> None:
    (tmp_path / "weights.txt").write_text("0.5")
    old = ModelVersionFactory(model_name="toy", path=str(tmp_path), state="active")
    new = ModelVersionFactory(model_name="toy", path=str(tmp_path))
    url = f"{VERSIONS}{new.pk}/activate/"

    refused = staff_client.post(url)
    assert (
        refused.status_code == 403 and "training.activate_modelversion" in refused.json()["error"]
    )
    new.refresh_from_db()
    assert new.state == "candidate"

    allowed = staff_with("training.activate_modelversion")
    activated = allowed.post(url)
    assert activated.status_code == 200 and activated.json()["state"] == "active"
    old.refresh_from_db()
    assert old.state == ModelVersion.State.RETIRED

    broken = ModelVersionFactory(model_name="toy")  # its folder does not exist
    answer = allowed.post(f"{VERSIONS}{broken.pk}/activate/")
    assert answer.status_code == 409 and "does not exist" in answer.json()["error"]
    assert allowed.post(f"{VERSIONS}999999/activate/").status_code == 404
