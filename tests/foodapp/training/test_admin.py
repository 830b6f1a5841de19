"""Staff retrain and activate from the Django admin; every admin page renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from foodapp.training import services
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
    (tmp_path / "weights.txt").write_text("0.5")  # the toy's smoke check predicts from it
    old = ModelVersionFactory(model_name="toy", path=str(tmp_path), state=ModelVersion.State.ACTIVE)
    new = ModelVersionFactory(model_name="toy", path=str(tmp_path))
    staff_client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": "activate_selected", "_selected_action": [new.pk]},
    )
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.state, new.state) == (ModelVersion.State.RETIRED, ModelVersion.State.ACTIVE)


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
    assert missing.state == ModelVersion.State.CANDIDATE


def staff_with(client: Client, username: str, *codenames: str) -> Client:
    """A logged-in staff member holding only the given training permissions."""
    user = get_user_model().objects.create_user(username=username, password="pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="training", codename__in=codenames)
    )
    client.force_login(user)
    return client


def post_action(client: Client, action: str, version: ModelVersion, **extra) -> HttpResponse:
    return client.post(
        reverse("admin:training_modelversion_changelist"),
        {"action": action, "_selected_action": [version.pk]},
        **extra,
    )


VIEW_ONLY = ("view_modelversion", "view_trainingrun")


def test_view_only_staff_get_403_for_retrain_and_nothing_is_queued(
    client: Client, toy_trainer: Trainer, django_capture_on_commit_callbacks
) -> None:
    version = ModelVersionFactory(model_name="toy", model_type="wide")
    staff_with(client, "viewer", *VIEW_ONLY)
    changelist = client.get(reverse("admin:training_modelversion_changelist"))
    assert changelist.status_code == 200
    assert b"retrain_selected" not in changelist.content
    assert b"activate_selected" not in changelist.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_action(client, "retrain_selected", version)
    assert response.status_code == 403
    assert not TrainingRun.objects.exists()
    assert callbacks == []


def test_view_only_staff_get_403_for_activate_and_nothing_changes(
    client: Client, toy_trainer: Trainer, tmp_path: Path
) -> None:
    old = ModelVersionFactory(model_name="toy", path=str(tmp_path), state=ModelVersion.State.ACTIVE)
    new = ModelVersionFactory(model_name="toy", path=str(tmp_path))
    staff_with(client, "viewer", *VIEW_ONLY, "change_modelversion")
    assert post_action(client, "activate_selected", new).status_code == 403
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.state, new.state) == (ModelVersion.State.ACTIVE, ModelVersion.State.CANDIDATE)


def test_non_staff_cannot_retrain(client: Client, toy_trainer: Trainer) -> None:
    version = ModelVersionFactory(model_name="toy")
    user = get_user_model().objects.create_user(username="eater", password="pw")
    client.force_login(user)
    response = post_action(client, "retrain_selected", version)
    assert response.status_code in (302, 403)
    assert "/admin/login/" in response.get("Location", "/admin/login/")
    assert not TrainingRun.objects.exists()


def test_staff_with_the_retrain_permission_can_retrain_but_not_activate(
    client: Client, toy_trainer: Trainer, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    version = ModelVersionFactory(model_name="toy", model_type="wide", path=str(tmp_path))
    staff_with(client, "trainer", *VIEW_ONLY, "retrain_model")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_action(client, "retrain_selected", version, follow=True)
    assert response.status_code == 200
    assert TrainingRun.objects.get().state == TrainingRun.State.QUEUED
    assert len(callbacks) == 1
    assert post_action(client, "activate_selected", version).status_code == 403
    version.refresh_from_db()
    assert version.state == ModelVersion.State.CANDIDATE


def test_staff_with_the_activate_permission_can_activate(
    client: Client, toy_trainer: Trainer, tmp_path: Path
) -> None:
    (tmp_path / "weights.txt").write_text("0.5")
    version = ModelVersionFactory(model_name="toy", path=str(tmp_path))
    staff_with(client, "operator", *VIEW_ONLY, "activate_modelversion")
    assert post_action(client, "activate_selected", version, follow=True).status_code == 200
    version.refresh_from_db()
    assert version.state == ModelVersion.State.ACTIVE


@pytest.mark.django_db(transaction=True)
def test_retrain_with_the_broker_down_says_so_and_does_not_block_the_next_one(
    staff_client: Client, toy_trainer: Trainer, broker_down: None
) -> None:
    version = ModelVersionFactory(model_name="toy", model_type="wide")
    response = post_action(staff_client, "retrain_selected", version, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not reach the training queue" in page
    run = TrainingRun.objects.get()
    assert run.state == TrainingRun.State.FAILED
    assert run.error.startswith(services.RUN_NOT_SENT.split("{")[0])
    assert run.finished_at is not None
    services.training_run_create(model_name="toy")  # the failed send blocks nothing
    assert TrainingRun.objects.count() == 2


def test_retrain_twice_answers_already_running_and_links_the_run(
    staff_client: Client, toy_trainer: Trainer
) -> None:
    version = ModelVersionFactory(model_name="toy", model_type="wide")
    post_action(staff_client, "retrain_selected", version, follow=True)
    for _ in range(4):
        response = post_action(staff_client, "retrain_selected", version, follow=True)
    run = TrainingRun.objects.get()
    page = response.content.decode()
    assert "already running" in page
    assert reverse("admin:training_trainingrun_change", args=[run.pk]) in page


def test_a_run_page_and_a_version_page_show_their_records(
    staff_client: Client, toy_trainer: Trainer
) -> None:
    run = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    version = run.result_version
    page = staff_client.get(reverse("admin:training_trainingrun_change", args=[run.pk]))
    assert page.status_code == 200 and run.worker in page.content.decode()
    page = staff_client.get(reverse("admin:training_modelversion_change", args=[version.pk]))
    assert page.status_code == 200 and version.checksum in page.content.decode()
