"""The A/B admin: "start A/B test" on the version list, the per-arm page, ending it keeping the
chosen version; each only for staff with the permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from foodapp.training import services
from foodapp.training.experiment_admin import ERROR_KEEP
from foodapp.training.experiments import VERDICT_NONE
from foodapp.training.models import Experiment, ModelVersion, TrainingRun
from foodapp.training.registry import Trainer

pytestmark = pytest.mark.django_db
VERSIONS = "admin:training_modelversion_changelist"


def trained() -> ModelVersion:
    run = services.training_run_create(model_name="toy", params={})
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.SUCCEEDED, run.error
    return run.result_version


def staff(client: Client, *codenames: str) -> None:
    user = get_user_model().objects.create_user(username="staff", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_modelversion", "view_experiment", *codenames]
        )
    )
    client.force_login(user)


def start(client: Client, *versions: ModelVersion, action: str = "start_ab_test_10") -> str:
    response = client.post(
        reverse(VERSIONS),
        {"action": action, "_selected_action": [v.pk for v in versions]},
        follow=True,
    )
    return response.content.decode() if response.status_code == 200 else str(response.status_code)


def test_start_from_the_version_list_then_end_keeping_the_treatment(
    client: Client, toy_trainer: Trainer
) -> None:
    staff(client, "run_experiment", "activate_modelversion")
    control, treatment = trained(), trained()
    page = start(client, treatment, control)
    assert "Started" in page
    experiment = Experiment.objects.get()
    assert (experiment.control_id, experiment.treatment_id) == (control.pk, treatment.pk)
    assert experiment.treatment_share == pytest.approx(0.1)

    detail = client.get(reverse("admin:training_experiment_change", args=[experiment.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert (
        "Orders per session" in html and VERDICT_NONE in html and "End: keep the treatment" in html
    )

    response = client.post(
        reverse("admin:training_experiment_end", args=[experiment.pk]),
        {"keep": "treatment"},
        follow=True,
    )
    assert "is served" in response.content.decode()
    treatment.refresh_from_db()
    experiment.refresh_from_db()
    assert treatment.state == ModelVersion.State.ACTIVE and experiment.chosen_id == treatment.pk


def test_starting_needs_two_versions_one_of_them_active(
    client: Client, toy_trainer: Trainer
) -> None:
    staff(client, "run_experiment")
    active, first, second = trained(), trained(), trained()
    assert "Select two versions" in start(client, active)
    assert "Neither selected version is active" in start(client, first, second)
    assert not Experiment.objects.exists()
    assert "Started" in start(client, active, second, action="start_ab_test_50")
    assert Experiment.objects.get().treatment_share == pytest.approx(0.5)


def test_without_the_permission_starting_and_ending_answer_403(
    client: Client, toy_trainer: Trainer
) -> None:
    staff(client, "activate_modelversion")
    control, treatment = trained(), trained()
    assert start(client, control, treatment) == "403"
    assert not Experiment.objects.exists()
    experiment = Experiment.objects.create(
        model_name="toy", control=control, treatment=treatment, started_at=control.created_at
    )
    page = client.get(reverse("admin:training_experiment_change", args=[experiment.pk]))
    assert page.status_code == 200 and "End: keep" not in page.content.decode()
    ended = client.post(
        reverse("admin:training_experiment_end", args=[experiment.pk]), {"keep": "treatment"}
    )
    assert ended.status_code == 403
    experiment.refresh_from_db()
    assert experiment.ended_at is None


def test_a_bad_keep_is_a_message_not_an_error(client: Client, toy_trainer: Trainer) -> None:
    staff(client, "run_experiment", "activate_modelversion")
    control, treatment = trained(), trained()
    start(client, control, treatment)
    experiment = Experiment.objects.get()
    response = client.post(
        reverse("admin:training_experiment_end", args=[experiment.pk]),
        {"keep": "both"},
        follow=True,
    )
    assert ERROR_KEEP.lower() in response.content.decode().lower()  # the admin capitalises it
    experiment.refresh_from_db()
    assert experiment.ended_at is None
