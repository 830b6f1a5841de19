"""Writes for training: create, queue and execute runs; register and activate model versions."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from foodapp.training.models import OPEN_STATES, ModelVersion, TrainingRun
from foodapp.training.params import clean_params
from foodapp.training.registry import (
    ExportedVersion,
    ProgressCallback,
    TrainingRequest,
    trainer_for,
)

logger = logging.getLogger(__name__)

VERSION_FOLDER_MISSING = "version folder {path} does not exist; retrain instead"
PROGRESS_SAVE_INTERVAL_SECONDS = 1.0
RUN_ALREADY_OPEN = "{model} is already running: run #{run_id} is {state}; wait for it or cancel it"
RUN_NOT_SENT = (
    "not sent: could not reach the training queue ({error}); start it again when the broker is back"
)


class TrainingRunAlreadyOpenError(RuntimeError):
    """The model already has a queued or running run (`run`); a second one is refused."""

    def __init__(self, run: TrainingRun) -> None:
        super().__init__(
            RUN_ALREADY_OPEN.format(model=run.model_name, run_id=run.pk, state=run.state)
        )
        self.run = run


def training_run_create(
    *,
    model_name: str,
    params: Mapping[str, Any] | None = None,
    requested_by: AbstractBaseUser | AnonymousUser | None = None,
) -> TrainingRun:
    """Validate and store a queued run.

    Args:
        model_name: a registered model name, e.g. "census".
        params: model_type, epochs, seed, max_rows; validated against the trainer.
        requested_by: the staff user who asked, if any.

    Returns:
        The new run, state "queued".

    Raises:
        UnknownModelError: no trainer for `model_name`.
        InvalidParamsError: a parameter is unusable (the message names it).
        TrainingRunAlreadyOpenError: the model has a queued or running run already (the
            database refuses a second one; the error carries the open run).
    """
    trainer = trainer_for(model_name)
    cleaned = clean_params(trainer=trainer, params=params or {})
    try:
        with transaction.atomic():
            return TrainingRun.objects.create(
                model_name=model_name,
                params=cleaned,
                requested_by_id=requested_by.pk if requested_by and requested_by.pk else None,
            )
    except IntegrityError:
        open_run = TrainingRun.objects.filter(model_name=model_name, state__in=OPEN_STATES).first()
        if open_run is None:
            raise
        raise TrainingRunAlreadyOpenError(open_run) from None


def training_run_start(
    *,
    model_name: str,
    params: Mapping[str, Any] | None = None,
    requested_by: AbstractBaseUser | AnonymousUser | None = None,
) -> TrainingRun:
    """Create a run and send it to the training queue once the transaction commits.

    When the broker cannot be reached, the run is marked failed with RUN_NOT_SENT (so it blocks
    no later trigger) and returned in that state instead of raising.

    Raises:
        TrainingRunAlreadyOpenError: see `training_run_create`.
    """
    with transaction.atomic():
        run = training_run_create(model_name=model_name, params=params, requested_by=requested_by)
        transaction.on_commit(lambda: _send(run.pk))
    run.refresh_from_db()
    return run


def _send(run_id: int) -> None:
    """Send a run to the training queue; if the broker is down, fail the run saying so."""
    from foodapp.training.tasks import train_model

    try:
        train_model.apply_async(kwargs={"run_id": run_id})
    except Exception as error:  # kombu's OperationalError, or the transport's own error
        logger.exception("training run not sent", extra={"run_id": run_id})
        TrainingRun.objects.filter(pk=run_id, state=TrainingRun.State.QUEUED).update(
            state=TrainingRun.State.FAILED,
            error=RUN_NOT_SENT.format(error=error),
            finished_at=timezone.now(),
        )


def _claim(run_id: int, task_id: str) -> bool:
    """Move a queued run to running; True only for the one process that wins."""
    claimed = TrainingRun.objects.filter(pk=run_id, state=TrainingRun.State.QUEUED).update(
        state=TrainingRun.State.RUNNING, started_at=timezone.now(), celery_task_id=task_id
    )
    return claimed == 1


class _ProgressRecorder:
    """Saves progress on the run at most once a second and forwards it to an optional callback."""

    def __init__(self, run_id: int, forward: ProgressCallback | None) -> None:
        self.run_id = run_id
        self.forward = forward
        self.last_saved = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self.last_saved >= PROGRESS_SAVE_INTERVAL_SECONDS or event.get("final"):
            TrainingRun.objects.filter(pk=self.run_id).update(progress=_json_safe(event))
            self.last_saved = now
        if self.forward is not None:
            self.forward(event)


def _json_safe(event: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-friendly copy: numpy scalars become floats, arrays and tuples become lists."""
    return {str(key): _json_value(value) for key, value in event.items()}


def _json_value(value: Any) -> Any:
    """One value made JSON-friendly (see `_json_safe`)."""
    if isinstance(value, Mapping):
        return _json_safe(value)
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if hasattr(value, "tolist"):
        return _json_value(value.tolist())
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def training_run_execute(
    *, run_id: int, task_id: str = "", progress: ProgressCallback | None = None
) -> TrainingRun | None:
    """Claim a queued run, train, register the exported version; idempotent for a run id.

    The first version of a model is activated at once, so the app has something to serve;
    later versions stay "ready" until someone activates them.

    Args:
        run_id: the run to execute.
        task_id: the Celery task id, when run by a worker.
        progress: called with each progress event, besides saving it on the run.

    Returns:
        The run as it ended (or as it was, when another process had claimed it); None when
        there is no such run (deleted after it was queued).
    """
    if not _claim(run_id, task_id):
        logger.info("training run not claimed", extra={"run_id": run_id})
        return TrainingRun.objects.filter(pk=run_id).first()
    run = TrainingRun.objects.get(pk=run_id)
    logger.info("training run started", extra={"run_id": run_id, "model_name": run.model_name})
    try:
        trainer = trainer_for(run.model_name)
        models_dir = Path(settings.MODELS_DIR)
        models_dir.mkdir(parents=True, exist_ok=True)
        request = TrainingRequest(
            models_dir=models_dir,
            params=run.params,
            progress=_ProgressRecorder(run_id, progress),
            log_dir=models_dir / "_logs" / run.model_name / f"run-{run_id}",
        )
        exported = trainer.train(request)
        with transaction.atomic():
            version = model_version_register(
                model_name=run.model_name,
                exported=exported,
                model_type=str(run.params.get("model_type", "")),
            )
            if not ModelVersion.objects.filter(
                model_name=run.model_name, state=ModelVersion.State.ACTIVE
            ).exists():
                version = model_version_activate(version=version)
            run.state = TrainingRun.State.SUCCEEDED
            run.result_version = version
            run.finished_at = timezone.now()
            run.save(update_fields=["state", "result_version", "finished_at"])
    except Exception as error:
        logger.exception("training run failed", extra={"run_id": run_id})
        TrainingRun.objects.filter(pk=run_id).update(
            state=TrainingRun.State.FAILED,
            error=f"{type(error).__name__}: {error}\n\n{traceback.format_exc(limit=8)}",
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
    logger.info(
        "training run succeeded",
        extra={"run_id": run_id, "model_name": run.model_name, "version": version.version},
    )
    run.refresh_from_db()
    return run


def model_version_register(
    *, model_name: str, exported: ExportedVersion, model_type: str = ""
) -> ModelVersion:
    """Record an exported version folder (state "ready")."""
    version, _ = ModelVersion.objects.update_or_create(
        model_name=model_name,
        version=exported.version,
        defaults={
            "path": str(exported.path),
            "model_type": model_type,
            "metrics": _json_safe(exported.metrics),
            "metadata": _json_safe(exported.metadata),
        },
    )
    return version


def model_version_activate(*, version: ModelVersion) -> ModelVersion:
    """Serve `version` from now on; the previously active version becomes "ready".

    Raises:
        FileNotFoundError: the version's folder is gone (it could not be served).
    """
    if not Path(version.path).is_dir():
        raise FileNotFoundError(VERSION_FOLDER_MISSING.format(path=version.path))
    with transaction.atomic():
        ModelVersion.objects.select_for_update().filter(
            model_name=version.model_name, state=ModelVersion.State.ACTIVE
        ).exclude(pk=version.pk).update(state=ModelVersion.State.READY)
        version.state = ModelVersion.State.ACTIVE
        version.activated_at = timezone.now()
        version.save(update_fields=["state", "activated_at"])
    return version


def training_runs_fail_stale(*, older_than: timedelta | None = None) -> int:
    """Mark runs stuck in "running" past the training time limit as failed; return how many."""
    limit = older_than or timedelta(seconds=settings.TRAINING_TIME_LIMIT + 600)
    cutoff = timezone.now() - limit
    return TrainingRun.objects.filter(
        state=TrainingRun.State.RUNNING, started_at__lt=cutoff
    ).update(
        state=TrainingRun.State.FAILED,
        error="the run exceeded the training time limit without finishing (worker lost?)",
        finished_at=timezone.now(),
    )
