"""Celery tasks for training: thin wrappers that take ids and call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from foodapp.training import services


@shared_task(
    bind=True,
    name="foodapp.training.tasks.train_model",
    time_limit=settings.TRAINING_TIME_LIMIT,
    soft_time_limit=settings.TRAINING_TIME_LIMIT - 60,
    acks_late=True,
)
def train_model(self: Any, *, run_id: int) -> dict[str, Any]:
    """Execute one training run on the training queue."""
    run = services.training_run_execute(run_id=run_id, task_id=str(self.request.id or ""))
    if run is None:
        return {"run_id": run_id, "state": "missing", "version": None}
    version = run.result_version.version if run.result_version else None
    return {"run_id": run.pk, "state": run.state, "version": version}


@shared_task(name="foodapp.training.tasks.fail_stale_runs")
def fail_stale_runs() -> int:
    """Periodic (beat, every minute): fail runs whose worker is lost, remove their half-written
    exports."""
    return services.training_runs_fail_stale()


@shared_task(name="foodapp.training.tasks.retrain_on_schedule")
def retrain_on_schedule(*, model_name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Periodic (beat, a PeriodicTask per model, editable in the admin): queue a run of the
    model, or record it skipped when no new events arrived since its last successful run."""
    run = services.training_run_start_scheduled(model_name=model_name, params=params)
    return {"run_id": run.pk, "state": run.state, "note": run.note}
