"""Reads of training runs and model versions."""

from __future__ import annotations

from django.db.models import QuerySet

from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import registered_model_names


def model_version_active(*, model_name: str) -> ModelVersion | None:
    """The version currently served for `model_name`, if any."""
    return ModelVersion.objects.filter(
        model_name=model_name, state=ModelVersion.State.ACTIVE
    ).first()


def model_version_get(*, model_name: str, version: int) -> ModelVersion | None:
    """One version of a model, whatever its state."""
    return ModelVersion.objects.filter(model_name=model_name, version=version).first()


def model_versions_list(*, model_name: str) -> QuerySet[ModelVersion]:
    """Every version of a model, newest first."""
    return ModelVersion.objects.filter(model_name=model_name).order_by("-version")


def model_names_without_active_version() -> list[str]:
    """Registered models that have nothing to serve yet."""
    active = set(
        ModelVersion.objects.filter(state=ModelVersion.State.ACTIVE).values_list(
            "model_name", flat=True
        )
    )
    return [name for name in registered_model_names() if name not in active]


def training_run_get(*, run_id: int) -> TrainingRun | None:
    """A training run by id."""
    return TrainingRun.objects.filter(pk=run_id).first()
