"""Staff retrain and activate from the Django admin; every admin page renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer
from tests.foodapp.training.factories import ModelVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    user = get_user_model().objects.create_superuser(username="boss", password="pw-boss-123")
    client.force_login(user)
    return client


def test_every_registered_admin_changelist_renders(staff_client: Client) -> None:
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff_client.get(url).status_code == 200, url


def test_retrain_action_queues_a_run_after_commit(
    staff_client: Client, toy_trainer: Trainer, django_capture_on_commit_callbacks
) -> None:
    version = ModelVersionFactory(model_name="toy", model_type="wide")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            reverse("admin:training_modelversion_changelist"),
            {"action": "retrain_selected", "_selected_action": [version.pk]},
            follow=True,
        )
    assert response.status_code == 200
    run = TrainingRun.objects.get()
    assert (run.model_name, run.state, run.params["model_type"]) == ("toy", "queued", "wide")
    assert run.requested_by is not None and run.requested_by.username == "boss"
    assert len(callbacks) == 1


def test_activate_action_switches_the_served_version(
    staff_client: Client, toy_trainer: Trainer, tmp_path: Path
) -> None:
    old = ModelVersionFactory(model_name="toy", path=str(tmp_path), state=ModelVersion.State.ACTIVE)
    new = ModelVersionFactory(model_name="toy", path=str(tmp_path))
    staff_client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "activate_selected", "_selected_action": [new.pk]},
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.state, new.state) == (ModelVersion.State.READY, ModelVersion.State.ACTIVE)


def test_activating_a_version_without_files_shows_the_error(
    staff_client: Client, toy_trainer: Trainer
) -> None:
    missing = ModelVersionFactory(model_name="toy")
    response = staff_client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "activate_selected", "_selected_action": [missing.pk]},
        follow=True,
    )
    assert "retrain instead" in response.content.decode()
    missing.refresh_from_db()
    assert missing.state == ModelVersion.State.READY
