"""The training admin's own pages: the "Retrain" form, the run list's live status, a run's page
(metrics, TensorBoard, version), the version list's metrics side by side and "roll back"."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer
from tests.foodapp.training.factories import ModelVersionFactory, TrainingRunFactory
from tests.foodapp.training.test_admin import VIEW_ONLY, post_action, staff_with

pytestmark = pytest.mark.django_db


def retrain_url(model_name: str = "toy") -> str:
    return reverse("admin:training_trainingrun_retrain", args=[model_name])


@pytest.fixture
def trainer_client(client: Client) -> Client:
    return staff_with(client, "trainer", *VIEW_ONLY, "retrain_model")


def test_the_retrain_form_has_a_field_for_each_parameter_the_trainer_declares(
    trainer_client: Client, toy_trainer: Trainer
) -> None:
    page = trainer_client.get(retrain_url())
    assert page.status_code == 200
    inputs = re.findall(r'<(?:input|select)[^>]* name="([a-z_]+)"', page.content.decode())
    fields = set(inputs) - {"csrfmiddlewaretoken"}
    declared = {param.name for param in toy_trainer.declared_parameters()}
    assert fields == declared | {"data_from", "data_until"}


def test_the_retrain_form_queues_a_run_with_its_parameters_and_data_window(
    trainer_client: Client, toy_trainer: Trainer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = trainer_client.post(
            retrain_url(),
            {
                "model_type": "deep",
                "epochs": "3",
                "seed": "",
                "data_from": "2026-01-01 00:00",
                "data_until": "2026-02-01 00:00",
            },
        )
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    assert (run.state, run.params["model_type"], run.params["epochs"]) == ("queued", "deep", 3)
    assert "seed" not in run.params  # left empty: the trainer's default applies
    assert run.data_from is not None and run.data_until is not None
    assert (run.data_until - run.data_from) == timedelta(days=31)
    assert run.requested_by is not None and run.requested_by.username == "trainer"
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"model_type": "wide", "epochs": "0"}, "epochs", "epochs: must be a positive"),
        ({"model_type": "linear"}, "model_type", "Select a valid choice"),
        ({"model_type": "wide", "epochs": "many"}, "epochs", "Enter a whole number"),
        (
            {"model_type": "wide", "data_from": "2026-02-01", "data_until": "2026-01-01"},
            "data_from",
            "must be before the end of the window",
        ),
    ],
)
def test_bad_retrain_input_is_a_form_error_naming_the_field_and_queues_nothing(
    trainer_client: Client, toy_trainer: Trainer, data: dict, field: str, message: str
) -> None:
    response = trainer_client.post(retrain_url(), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TrainingRun.objects.exists()


def test_the_retrain_form_is_403_without_the_permission_and_queues_nothing(
    client: Client, toy_trainer: Trainer
) -> None:
    staff_with(client, "viewer", *VIEW_ONLY)
    assert client.get(retrain_url()).status_code == 403
    assert client.post(retrain_url(), {"model_type": "wide"}).status_code == 403
    assert not TrainingRun.objects.exists()
    changelist = client.get(reverse("admin:training_trainingrun_changelist")).content.decode()
    assert retrain_url() not in changelist


def test_non_staff_are_sent_to_the_login_page_by_the_retrain_form(
    client: Client, toy_trainer: Trainer
) -> None:
    client.force_login(get_user_model().objects.create_user(username="eater", password="pw"))
    response = client.post(retrain_url(), {"model_type": "wide"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not TrainingRun.objects.exists()


def test_an_unknown_model_has_no_retrain_form(trainer_client: Client, toy_trainer: Trainer) -> None:
    assert trainer_client.get(retrain_url("nope")).status_code == 404


def test_the_run_list_links_a_retrain_form_for_each_model(
    trainer_client: Client, toy_trainer: Trainer
) -> None:
    page = trainer_client.get(reverse("admin:training_trainingrun_changelist")).content.decode()
    assert retrain_url("toy") in page and retrain_url("census") in page


def test_a_second_trigger_answers_already_running_and_links_the_run(
    trainer_client: Client, toy_trainer: Trainer
) -> None:
    trainer_client.post(retrain_url(), {"model_type": "wide"})
    run = TrainingRun.objects.get()
    run_url = reverse("admin:training_trainingrun_change", args=[run.pk])
    form = trainer_client.get(retrain_url()).content.decode()
    assert "already running" in form and run_url in form
    response = trainer_client.post(retrain_url(), {"model_type": "wide"}, follow=True)
    page = response.content.decode()
    assert "already running" in page and run_url in page
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_retrain_form_with_the_broker_down_says_so(
    trainer_client: Client, toy_trainer: Trainer, broker_down: None
) -> None:
    response = trainer_client.post(retrain_url(), {"model_type": "wide"}, follow=True)
    assert "could not reach the training queue" in response.content.decode()
    assert TrainingRun.objects.get().state == TrainingRun.State.FAILED


def test_the_status_endpoint_reports_state_and_progress(
    trainer_client: Client, toy_trainer: Trainer
) -> None:
    running = TrainingRunFactory(
        state=TrainingRun.State.RUNNING,
        progress={"epoch": 2, "epochs": 4, "step": 5, "steps": 10, "metrics": {"loss": 0.5}},
    )
    skipped = TrainingRunFactory(model_name="other", state="skipped", note="no new events")
    url = reverse("admin:training_trainingrun_status")
    response = trainer_client.get(url, {"ids": f"{running.pk},{skipped.pk}"})
    assert response.status_code == 200
    runs = {entry["id"]: entry for entry in response.json()["runs"]}
    assert runs[running.pk]["percent"] == 38  # (1 + 5/10) / 4
    assert runs[running.pk]["open"] is True
    assert "epoch 2/4" in runs[running.pk]["text"] and "loss 0.5000" in runs[running.pk]["text"]
    assert (runs[skipped.pk]["state"], runs[skipped.pk]["note"]) == ("skipped", "no new events")
    assert runs[skipped.pk]["open"] is False
    assert trainer_client.get(url, {"ids": "1,x"}).status_code == 400


def test_a_run_past_its_last_step_is_at_99_percent_until_it_succeeded(
    trainer_client: Client,
) -> None:
    last_step = {"epoch": 3, "epochs": 3, "step": 10, "steps": 10}
    exporting = TrainingRunFactory(state=TrainingRun.State.RUNNING, progress=last_step)
    done = TrainingRunFactory(model_name="other", state="succeeded", progress=last_step)
    url = reverse("admin:training_trainingrun_status")
    runs = trainer_client.get(url, {"ids": f"{exporting.pk},{done.pk}"}).json()["runs"]
    assert {run["id"]: run["percent"] for run in runs} == {exporting.pk: 99, done.pk: 100}


def test_the_status_endpoint_is_for_staff_who_may_view_runs(client: Client) -> None:
    run = TrainingRunFactory()
    url = reverse("admin:training_trainingrun_status")
    staff_with(client, "nobody")
    assert client.get(url, {"ids": run.pk}).status_code == 403


def test_the_run_list_has_live_cells_and_the_polling_script(
    trainer_client: Client, toy_trainer: Trainer
) -> None:
    running = TrainingRunFactory(state=TrainingRun.State.RUNNING)
    done = TrainingRunFactory(model_name="other", state=TrainingRun.State.SUCCEEDED)
    page = trainer_client.get(reverse("admin:training_trainingrun_changelist")).content.decode()
    assert f'data-training-run="{running.pk}" data-open="true"' in page
    assert f'data-training-run="{done.pk}" data-open="false"' in page
    assert reverse("admin:training_trainingrun_status") in page
    assert "js/training-runs.js" in page
    script = Path(__file__).resolve().parents[3] / "static" / "js" / "training-runs.js"
    assert "data-open" in script.read_text()


def test_a_run_page_shows_metrics_tensorboard_and_the_version_it_made(
    trainer_client: Client, toy_trainer: Trainer, settings
) -> None:
    settings.TENSORBOARD_URL = "http://tb.example:6006/"
    run = services.training_run_execute(run_id=services.training_run_create(model_name="toy").pk)
    assert run is not None and run.result_version is not None
    page = trainer_client.get(reverse("admin:training_trainingrun_change", args=[run.pk]))
    html = page.content.decode()
    folder = Path(settings.MODELS_DIR) / "_logs" / "toy" / f"run-{run.pk}"
    assert f"tensorboard --logdir {folder}" in html
    assert f"http://tb.example:6006/?runFilter=%5Etoy%2Frun-{run.pk}%24#timeseries" in html
    version_url = reverse("admin:training_modelversion_change", args=[run.result_version.pk])
    assert version_url in html
    accuracy = run.result_version.metrics["accuracy"]
    assert f"<th>accuracy</th><td>{accuracy:.4f}</td>" in html


def test_the_version_list_shows_test_and_evaluation_metrics_side_by_side(
    trainer_client: Client,
) -> None:
    ModelVersionFactory(
        model_name="food_wide_deep",
        metrics={"roc_auc": 0.81234, "ndcg@10": 0.4321},
        metadata={
            "evaluation": {
                "rankers": {
                    "v4": {"auc": 0.7777, "ndcg@10": 0.3333, "online_order_rate": 0.2468},
                    "v2": {"auc": 0.1111, "online_order_rate": 0.1357},
                }
            }
        },
    )
    page = trainer_client.get(reverse("admin:training_modelversion_changelist")).content.decode()
    for shown in ("0.8123", "0.4321", "0.7777", "0.3333", "0.2468"):
        assert shown in page
    assert "0.1357" not in page  # v2's figures belong to food_wide
    assert "eval orders/session" in page.lower()


def test_rollback_serves_the_previously_active_version_again(
    client: Client, toy_trainer: Trainer, tmp_path: Path
) -> None:
    (tmp_path / "weights.txt").write_text("0.5")
    now = timezone.now()
    first = ModelVersionFactory(
        path=str(tmp_path), state=ModelVersion.State.RETIRED, activated_at=now - timedelta(days=2)
    )
    second = ModelVersionFactory(
        path=str(tmp_path), state=ModelVersion.State.RETIRED, activated_at=now - timedelta(days=1)
    )
    current = ModelVersionFactory(
        path=str(tmp_path), state=ModelVersion.State.ACTIVE, activated_at=now
    )
    staff_with(client, "viewer", *VIEW_ONLY)
    assert post_action(client, "rollback_selected", current).status_code == 403
    staff_with(client, "operator", *VIEW_ONLY, "activate_modelversion")
    response = post_action(client, "rollback_selected", current, follow=True)
    assert "Rolled back" in response.content.decode()
    states = {v.pk: v.state for v in ModelVersion.objects.all()}
    assert states == {first.pk: "retired", second.pk: "active", current.pk: "retired"}


def test_rollback_without_an_earlier_version_says_so(
    trainer_client: Client, toy_trainer: Trainer
) -> None:
    with pytest.raises(services.ActivationRefusedError, match="no earlier served version"):
        services.model_version_rollback(model_name="toy")


def test_a_trainer_without_a_data_window_asks_for_none(trainer_client: Client) -> None:
    page = trainer_client.get(retrain_url("census"))
    assert page.status_code == 200
    inputs = set(re.findall(r'<(?:input|select)[^>]* name="([a-z_]+)"', page.content.decode()))
    assert "model_type" in inputs and not inputs & {"data_from", "data_until"}
    with pytest.raises(services.InvalidParamsError, match=r"^data_from: model 'census' trains"):
        services.training_run_create(model_name="census", data_from=timezone.now())
    assert not TrainingRun.objects.exists()
