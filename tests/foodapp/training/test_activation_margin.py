"""Safe activation's margin rule: a version that falls behind the active one on the validation
metric by more than the configured margin stays a candidate, and activation_error says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from foodapp.training import services
from foodapp.training.activation_policy import margin_policy_for
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer

pytestmark = pytest.mark.django_db


def trained_with(metrics: dict[str, Any]) -> ModelVersion:
    """A toy version whose recorded metrics are `metrics`."""
    run = services.training_run_create(model_name="toy", params={})
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.SUCCEEDED, run.error
    ModelVersion.objects.filter(pk=run.result_version_id).update(metrics=metrics)
    return ModelVersion.objects.get(pk=run.result_version_id)


def auc(value: float) -> dict[str, Any]:
    return {"validation": {"auc": value, "logloss": 1 - value}}


@pytest.fixture
def margin_on(settings: Any) -> None:
    settings.TRAINING_ACTIVATION_POLICIES = {"*": {"metric": "validation.auc", "margin": 0.01}}


def test_a_version_too_far_behind_the_active_one_stays_a_candidate(
    toy_trainer: Trainer, margin_on: None
) -> None:
    served = trained_with(auc(0.80))  # the first version is activated on its own
    assert served.state == ModelVersion.State.ACTIVE
    worse = trained_with(auc(0.785))
    with pytest.raises(services.ActivationRefusedError, match="falls behind the active v"):
        services.model_version_activate_safely(version=worse)
    worse.refresh_from_db()
    served.refresh_from_db()
    assert worse.state == ModelVersion.State.CANDIDATE
    assert worse.activation_error == (
        f"not activated: its validation.auc 0.7850 falls behind the active v{served.version} "
        "(0.8000) by 0.0150, more than the allowed margin 0.0100"
    )
    assert served.state == ModelVersion.State.ACTIVE


def test_a_version_within_the_margin_is_activated(toy_trainer: Trainer, margin_on: None) -> None:
    served = trained_with(auc(0.80))
    close = trained_with(auc(0.7905))  # 0.0095 behind: within 0.01
    services.model_version_activate_safely(version=close)
    close.refresh_from_db()
    served.refresh_from_db()
    assert (close.state, served.state) == (ModelVersion.State.ACTIVE, ModelVersion.State.RETIRED)


def test_a_loss_metric_is_better_lower(toy_trainer: Trainer, settings: Any) -> None:
    settings.TRAINING_ACTIVATION_POLICIES = {
        "toy": {"metric": "validation.logloss", "margin": 0.05}
    }
    trained_with(auc(0.80))  # log loss 0.20
    lower_auc_lower_loss = trained_with({"validation": {"auc": 0.5, "logloss": 0.24}})
    services.model_version_activate_safely(version=lower_auc_lower_loss)
    much_higher_loss = trained_with({"validation": {"auc": 0.9, "logloss": 0.30}})
    with pytest.raises(services.ActivationRefusedError, match=r"validation\.logloss 0\.3000"):
        services.model_version_activate_safely(version=much_higher_loss)


def test_without_a_policy_a_worse_version_is_activated(toy_trainer: Trainer, settings: Any) -> None:
    settings.TRAINING_ACTIVATION_POLICIES = {
        "*": {"metric": "validation.auc", "margin": 0.0},
        "toy": None,
    }
    trained_with(auc(0.80))
    worse = trained_with(auc(0.60))
    services.model_version_activate_safely(version=worse)
    worse.refresh_from_db()
    assert worse.state == ModelVersion.State.ACTIVE


def test_a_version_without_the_metric_is_not_judged_by_the_margin(
    toy_trainer: Trainer, margin_on: None
) -> None:
    trained_with(auc(0.80))
    unmeasured = trained_with({"accuracy": 0.1})
    services.model_version_activate_safely(version=unmeasured)
    unmeasured.refresh_from_db()
    assert unmeasured.state == ModelVersion.State.ACTIVE


@pytest.mark.parametrize(
    "entry",
    [
        {"metric": "validation.auc"},
        {"metric": "", "margin": 0.1},
        {"metric": "x", "margin": -1},
        "validation.auc",
    ],
)
def test_a_malformed_policy_names_the_setting(settings: Any, entry: Any) -> None:
    settings.TRAINING_ACTIVATION_POLICIES = {"census": entry}
    with pytest.raises(ImproperlyConfigured, match=r"TRAINING_ACTIVATION_POLICIES\['census'\]"):
        margin_policy_for("census")


def test_a_rollback_is_not_stopped_by_the_margin(toy_trainer: Trainer, margin_on: None) -> None:
    older = trained_with(auc(0.78))
    newer = trained_with(auc(0.80))
    services.model_version_activate_safely(version=newer)
    served = services.model_version_rollback(model_name="toy")
    newer.refresh_from_db()
    assert served.pk == older.pk and served.state == ModelVersion.State.ACTIVE
    assert newer.state == ModelVersion.State.RETIRED
