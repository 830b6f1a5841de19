"""Writes for training: create, queue and execute runs; register and activate model versions."""

from __future__ import annotations

import logging
import shutil
import time
import traceback
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from foodapp.training.heartbeat import ProgressRecorder, RunHeartbeat, json_safe
from foodapp.training.liveness import worker_identity, worker_is_gone
from foodapp.training.models import OPEN_STATES, ModelVersion, TrainingRun
from foodapp.training.params import InvalidParamsError, clean_params
from foodapp.training.registry import (
    ExportedVersion,
    ProgressCallback,
    TrainingCancelled,
    TrainingRequest,
    TrainingStopped,
    UnknownModelError,
    trainer_for,
)
from foodapp.training.run_status import start_note
from foodapp.training.store import (
    folder_checksum,
    model_names_on_disk,
    remove_half_written_exports,
    run_log_dir,
)
from foodapp.training.version_stamp import version_stamp_bump

logger = logging.getLogger(__name__)

VERSION_FOLDER_MISSING = "version folder {path} does not exist; retrain instead"
WORKER_LOST = "worker lost: no heartbeat since {since} (worker {worker})"
WORKER_LOST_TOO_OFTEN = (
    "worker lost: the run's worker died {attempts} times (killed, out of memory?); not retried"
)
DATA_WINDOW_BACKWARDS = "data_from: must be before data_until ({start} >= {end})"
NO_DATA_WINDOW = "{field}: model {model!r} trains on fixed files and takes no data window"
NOT_ACTIVATED_RUN = "not activated: its run #{run_id} is {state}, not succeeded"
NOT_ACTIVATED_CHANGED = (
    "not activated: its files changed since export (checksum {found}... is not the recorded "
    "{recorded}...); retrain"
)
NOT_ACTIVATED_LOAD = "not activated: it does not load ({error}); retrain"
NOT_ACTIVATED_SMOKE = "not activated: its smoke prediction failed: {error}"
RUN_NOT_OPEN = "{run} is already {state}: there is nothing to cancel"
RUN_INTERRUPTED = "interrupted: the training process was stopped (Ctrl-C or exit)"
# A run is trained at most this often: a redelivery after that many lost workers fails it.
MAX_ATTEMPTS = 2
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
    data_from: datetime | None = None,
    data_until: datetime | None = None,
) -> TrainingRun:
    """Validate and store a queued run.

    Args:
        model_name: a registered model name, e.g. "census".
        params: the parameters the model's trainer declares (census and food: model_type,
            epochs, seed, max_rows); validated by the trainer.
        requested_by: the staff user who asked, if any.
        data_from: train on data from this time (None: from the first event).
        data_until: train on data up to this time (None: up to the start of training).

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
    if not trainer.reads_data_window and (data_from is not None or data_until is not None):
        field = "data_from" if data_from is not None else "data_until"
        raise InvalidParamsError(NO_DATA_WINDOW.format(field=field, model=model_name))
    if data_from is not None and data_until is not None and data_from >= data_until:
        raise InvalidParamsError(DATA_WINDOW_BACKWARDS.format(start=data_from, end=data_until))
    try:
        with transaction.atomic():
            return TrainingRun.objects.create(
                model_name=model_name,
                params=cleaned,
                requested_by_id=requested_by.pk if requested_by and requested_by.pk else None,
                data_from=data_from,
                data_until=data_until,
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
    data_from: datetime | None = None,
    data_until: datetime | None = None,
) -> TrainingRun:
    """Create a run and send it to the training queue once the transaction commits.

    When the broker cannot be reached, the run is marked failed with RUN_NOT_SENT (so it blocks
    no later trigger) and returned in that state instead of raising.

    Raises:
        TrainingRunAlreadyOpenError: see `training_run_create`.
    """
    with transaction.atomic():
        run = training_run_create(
            model_name=model_name,
            params=params,
            requested_by=requested_by,
            data_from=data_from,
            data_until=data_until,
        )
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
    now = timezone.now()
    claimed = TrainingRun.objects.filter(pk=run_id, state=TrainingRun.State.QUEUED).update(
        state=TrainingRun.State.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=worker_identity(),
        celery_task_id=task_id,
        attempts=F("attempts") + 1,
        data_until=Coalesce(F("data_until"), Value(now)),
    )
    return claimed == 1


def _stale_after() -> timedelta:
    return timedelta(seconds=float(settings.TRAINING_HEARTBEAT_STALE_SECONDS))


def _last_sign_of_life(run: TrainingRun) -> datetime:
    return run.heartbeat_at or run.started_at or run.created_at


def _is_lost(run: TrainingRun, *, older_than: timedelta | None = None) -> bool:
    """The run's worker is gone: its local process has exited, or its heartbeat is stale."""
    cutoff = timezone.now() - (older_than or _stale_after())
    return _last_sign_of_life(run) < cutoff or worker_is_gone(run.worker)


def _lost_snapshot(run: TrainingRun) -> TrainingRun | None:
    """Wait until a running run is known lost (return it as last seen) or alive (None).

    Alive means its heartbeat moves on (another worker is training it) or it stops running.
    The wait ends within the stale limit: a heartbeat that does not move goes stale.
    """
    seen = run.heartbeat_at
    interval = min(float(settings.TRAINING_HEARTBEAT_SECONDS), 1.0)
    deadline = time.monotonic() + _stale_after().total_seconds() + 2 * interval + 1
    while not _is_lost(run):
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)
        fresh = TrainingRun.objects.filter(pk=run.pk).first()
        if fresh is None or fresh.state != TrainingRun.State.RUNNING or fresh.heartbeat_at != seen:
            return None
        run = fresh
    return run


def _lost_run_filter(run: TrainingRun) -> QuerySet[TrainingRun]:
    """The run, only as it was last seen lost (a beat or a take-over in between changes it)."""
    return TrainingRun.objects.filter(
        pk=run.pk,
        state=TrainingRun.State.RUNNING,
        worker=run.worker,
        heartbeat_at=run.heartbeat_at,
    )


def _fail_lost(run: TrainingRun, error: str) -> bool:
    """Fail a lost run and remove its half-written exports; False if it moved on meanwhile."""
    failed = _lost_run_filter(run).update(
        state=TrainingRun.State.FAILED, error=error, finished_at=timezone.now()
    )
    if failed:
        logger.warning("training run failed: worker lost", extra={"run_id": run.pk})
        _remove_half_written_exports(run.model_name)
    return failed == 1


def _worker_lost_error(run: TrainingRun) -> str:
    return WORKER_LOST.format(
        since=_last_sign_of_life(run).isoformat(timespec="seconds"), worker=run.worker or "?"
    )


def _take_over(run_id: int, task_id: str) -> bool:
    """For a redelivered message: take over a running run whose worker is lost.

    A run lost MAX_ATTEMPTS times is failed instead (it may be what kills its workers).
    """
    run = TrainingRun.objects.filter(pk=run_id, state=TrainingRun.State.RUNNING).first()
    lost = _lost_snapshot(run) if run is not None else None
    if lost is None:
        return False
    if lost.attempts >= MAX_ATTEMPTS:
        _fail_lost(lost, WORKER_LOST_TOO_OFTEN.format(attempts=lost.attempts))
        return False
    now = timezone.now()
    taken = _lost_run_filter(lost).update(
        started_at=now,
        heartbeat_at=now,
        worker=worker_identity(),
        celery_task_id=task_id,
        attempts=F("attempts") + 1,
        progress={},
    )
    if taken:
        logger.warning(
            "training run taken over from a lost worker",
            extra={"run_id": run_id, "lost_worker": lost.worker},
        )
        _remove_half_written_exports(lost.model_name)
    return taken == 1


def _remove_half_written_exports(model_name: str, *, idle_seconds: float = 0.0) -> None:
    """Remove a model's temporary export folders when no other process may be writing them:
    no run of the model is open, or the open one is this process's (it just took it over)."""
    others_open = (
        TrainingRun.objects.filter(model_name=model_name, state__in=OPEN_STATES)
        .exclude(worker=worker_identity())
        .exists()
    )
    if not others_open:
        remove_half_written_exports(
            Path(settings.MODELS_DIR), model_name, idle_seconds=idle_seconds
        )


def training_run_execute(
    *, run_id: int, task_id: str = "", progress: ProgressCallback | None = None
) -> TrainingRun | None:
    """Claim a queued run, train, register the exported version; idempotent for a run id.

    The first version of a model is activated at once (if it passes the checks of
    `model_version_activate_safely`), so the app has something to serve; later versions stay
    candidates until someone activates them. A message delivered again for
    a run that is already running (its worker was killed and the broker redelivered) takes the
    run over once that worker is known lost (its process gone, or its heartbeat stale) and
    trains it again; while the other worker still beats, it leaves the run alone.

    Args:
        run_id: the run to execute.
        task_id: the Celery task id, when run by a worker.
        progress: called with each progress event, besides saving it on the run.

    Returns:
        The run as it ended (or as it was, when another process had it); None when there is no
        such run (deleted after it was queued).
    """
    if not _claim(run_id, task_id) and not _take_over(run_id, task_id):
        logger.info("training run not claimed", extra={"run_id": run_id})
        return TrainingRun.objects.filter(pk=run_id).first()
    run = TrainingRun.objects.get(pk=run_id)
    logger.info("training run started", extra={"run_id": run_id, "model_name": run.model_name})
    heartbeat = RunHeartbeat(run_id=run_id, worker=run.worker)
    heartbeat.start()
    exported: ExportedVersion | None = None
    try:
        trainer = trainer_for(run.model_name)
        models_dir = Path(settings.MODELS_DIR)
        models_dir.mkdir(parents=True, exist_ok=True)
        request = TrainingRequest(
            models_dir=models_dir,
            params=run.params,
            progress=ProgressRecorder(heartbeat, progress),
            log_dir=run_log_dir(models_dir, run.model_name, run_id),
            data_from=run.data_from,
            data_until=run.data_until,
        )
        exported = trainer.train(request)
        with transaction.atomic():
            mine = TrainingRun.objects.filter(pk=run_id)
            list(mine.select_for_update())  # a cancel or a reaper waits until this commits
            heartbeat.check_now()
            version = model_version_register(
                model_name=run.model_name,
                exported=exported,
                model_type=str(run.params.get("model_type", "")),
                run=run,
            )
            mine.update(
                state=TrainingRun.State.SUCCEEDED,
                result_version=version,
                note=start_note(exported.metadata),
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
    except TrainingCancelled:
        _finish_cancelled(run, exported)
        return TrainingRun.objects.filter(pk=run_id).first()
    except TrainingStopped as stop:
        logger.warning("training run stopped", extra={"run_id": run_id, "reason": str(stop)})
        if exported is not None:
            shutil.rmtree(exported.path, ignore_errors=True)
        return TrainingRun.objects.filter(pk=run_id).first()
    except Exception as error:
        logger.exception("training run failed", extra={"run_id": run_id})
        TrainingRun.objects.filter(pk=run_id, worker=run.worker).update(
            state=TrainingRun.State.FAILED,
            error=f"{type(error).__name__}: {error}\n\n{traceback.format_exc(limit=8)}",
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        return run
    except BaseException:  # Ctrl-C in `manage.py train`, SystemExit: do not leave it running
        TrainingRun.objects.filter(pk=run_id, worker=run.worker).update(
            state=TrainingRun.State.FAILED, error=RUN_INTERRUPTED, finished_at=timezone.now()
        )
        raise
    finally:
        heartbeat.stop()
    logger.info(
        "training run succeeded",
        extra={"run_id": run_id, "model_name": run.model_name, "version": version.version},
    )
    if not ModelVersion.objects.filter(
        model_name=run.model_name, state=ModelVersion.State.ACTIVE
    ).exists():
        try:
            model_version_activate_safely(version=version)
        except ActivationRefusedError:
            logger.warning("first version not activated", extra={"run_id": run_id}, exc_info=True)
    run.refresh_from_db()
    return run


def _finish_cancelled(run: TrainingRun, exported: ExportedVersion | None) -> None:
    """The worker's side of a cancel: remove what the run wrote, then mark it cancelled."""
    models_dir = Path(settings.MODELS_DIR)
    if exported is not None:
        shutil.rmtree(exported.path, ignore_errors=True)
    remove_half_written_exports(models_dir, run.model_name)  # the model's open run is this one
    shutil.rmtree(run_log_dir(models_dir, run.model_name, run.pk), ignore_errors=True)
    TrainingRun.objects.filter(pk=run.pk, worker=run.worker).update(
        state=TrainingRun.State.CANCELLED, finished_at=timezone.now(), progress={}
    )
    logger.info("training run cancelled", extra={"run_id": run.pk})


class TrainingRunNotOpenError(RuntimeError):
    """The run has finished already: there is nothing to cancel."""


def training_run_cancel(*, run: TrainingRun) -> TrainingRun:
    """Cancel a queued run at once, or ask a running one to stop.

    A running run's worker sees the request within a second or two of its next progress event,
    stops between two training steps, removes its half-written export and logs, and marks the
    run cancelled; a run whose worker is lost is cancelled (and cleaned up) here.

    Returns:
        The run as it is now ("cancelled", or "running" with `cancel_requested_at` set).

    Raises:
        TrainingRunNotOpenError: the run had finished already.
    """
    now = timezone.now()
    queued = TrainingRun.objects.filter(pk=run.pk, state=TrainingRun.State.QUEUED)
    if not queued.update(
        state=TrainingRun.State.CANCELLED, cancel_requested_at=now, finished_at=now
    ):
        TrainingRun.objects.filter(
            pk=run.pk, state=TrainingRun.State.RUNNING, cancel_requested_at__isnull=True
        ).update(cancel_requested_at=now)
    run.refresh_from_db()
    if run.state not in OPEN_STATES and run.state != TrainingRun.State.CANCELLED:
        raise TrainingRunNotOpenError(RUN_NOT_OPEN.format(run=run, state=run.state))
    if run.state == TrainingRun.State.RUNNING and _is_lost(run):
        cancelled = _lost_run_filter(run).update(
            state=TrainingRun.State.CANCELLED, finished_at=timezone.now()
        )
        if cancelled:
            _remove_half_written_exports(run.model_name)
        run.refresh_from_db()
    logger.info("training run cancel requested", extra={"run_id": run.pk, "state": run.state})
    return run


def model_version_register(
    *,
    model_name: str,
    exported: ExportedVersion,
    model_type: str = "",
    run: TrainingRun | None = None,
) -> ModelVersion:
    """Record an exported version folder as a candidate, with the checksum of its files and the
    run that made it (if any)."""
    path = Path(exported.path)
    version, _ = ModelVersion.objects.update_or_create(
        model_name=model_name,
        version=exported.version,
        defaults={
            "path": str(path),
            "model_type": model_type,
            "metrics": json_safe(exported.metrics),
            "metadata": json_safe(exported.metadata),
            "training_run": run,
            "checksum": folder_checksum(path) if path.is_dir() else "",
        },
    )
    version_stamp_bump()
    return version


def model_version_activate(*, version: ModelVersion) -> ModelVersion:
    """Serve `version` from now on (all of the model's traffic); the previously active version
    is retired.

    Raises:
        FileNotFoundError: the version's folder is gone (it could not be served).
    """
    if not Path(version.path).is_dir():
        raise FileNotFoundError(VERSION_FOLDER_MISSING.format(path=version.path))
    with transaction.atomic():
        others = ModelVersion.objects.select_for_update().filter(model_name=version.model_name)
        others = others.exclude(pk=version.pk)
        others.filter(state=ModelVersion.State.ACTIVE).update(state=ModelVersion.State.RETIRED)
        others.exclude(traffic_share=0).update(traffic_share=0.0)
        version.state = ModelVersion.State.ACTIVE
        version.activated_at = timezone.now()
        version.traffic_share = 1.0
        version.save(update_fields=["state", "activated_at", "traffic_share"])
        version_stamp_bump()
    return version


class ActivationRefusedError(RuntimeError):
    """The version may not be served; the message (also stored on the version) says why."""


def activation_refusal(version: ModelVersion, *, margin: bool = True) -> str:
    """Why `version` may not be served, or "" when it may (`margin`: apply the margin rule)."""
    return _activation_refusal(version, margin=margin)


def _activation_refusal(version: ModelVersion, *, margin: bool = True) -> str:
    """Why `version` may not be served, or "" when it may."""
    from foodapp.training.smoke import VersionDoesNotLoadError, predictor_smoke_check

    if version.training_run_id is not None:
        state = (
            TrainingRun.objects.filter(pk=version.training_run_id)
            .values_list("state", flat=True)
            .first()
        )
        if state is not None and state != TrainingRun.State.SUCCEEDED:
            return NOT_ACTIVATED_RUN.format(run_id=version.training_run_id, state=state)
    path = Path(version.path)
    if not path.is_dir():
        return VERSION_FOLDER_MISSING.format(path=version.path)
    if version.checksum:  # versions registered before checksums existed have none
        found = folder_checksum(path)
        if found != version.checksum:
            return NOT_ACTIVATED_CHANGED.format(found=found[:12], recorded=version.checksum[:12])
    behind = _margin_refusal(version) if margin else ""
    if behind:
        return behind
    try:
        trainer = trainer_for(version.model_name)
    except UnknownModelError:
        trainer = None
    try:
        if trainer is not None and trainer.smoke_check is not None:
            trainer.smoke_check(path)
        else:
            predictor_smoke_check(version)
    except VersionDoesNotLoadError as error:
        return NOT_ACTIVATED_LOAD.format(error=error)
    except Exception as error:
        return NOT_ACTIVATED_SMOKE.format(error=f"{type(error).__name__}: {error}")
    return ""


def _margin_refusal(version: ModelVersion) -> str:
    """Why `version` falls too far behind the active version (the margin rule), or ""."""
    from foodapp.training.activation_policy import margin_policy_for, margin_refusal

    policy = margin_policy_for(version.model_name)
    if policy is None:
        return ""
    active = (
        ModelVersion.objects.filter(model_name=version.model_name, state=ModelVersion.State.ACTIVE)
        .exclude(pk=version.pk)
        .first()
    )
    if active is None:
        return ""
    return margin_refusal(
        policy=policy,
        candidate_metrics=version.metrics,
        active_metrics=active.metrics,
        active_version=active.version,
    )


def model_version_activate_safely(*, version: ModelVersion, margin: bool = True) -> ModelVersion:
    """Serve `version` only if its run succeeded, its files match their checksum, it does not
    fall behind the active version by more than the margin policy allows
    (`activation_policy`, setting TRAINING_ACTIVATION_POLICIES; skipped when `margin` is False),
    it loads and it answers a smoke prediction; otherwise it stays as it was and the reason is
    recorded in `activation_error`.

    Raises:
        ActivationRefusedError: one of the checks failed (the message says which and why).
    """
    reason = _activation_refusal(version, margin=margin)
    if reason:
        ModelVersion.objects.filter(pk=version.pk).update(activation_error=reason)
        version.activation_error = reason
        logger.warning(
            "model version not activated",
            extra={"model_name": version.model_name, "version": version.version, "reason": reason},
        )
        raise ActivationRefusedError(reason)
    try:
        version = model_version_activate(version=version)
    except FileNotFoundError as error:  # removed since the checks
        raise ActivationRefusedError(str(error)) from error
    if version.activation_error:
        version.activation_error = ""
        version.save(update_fields=["activation_error"])
    return version


def training_runs_fail_stale(*, older_than: timedelta | None = None) -> int:
    """The reaper (beat, every minute): fail running runs whose worker is lost; return how many.

    Lost means no heartbeat for `older_than` (default TRAINING_HEARTBEAT_STALE_SECONDS), or a
    worker process of this host that has exited. Their half-written export folders are removed,
    and so are any other model's that nobody touched for that long while no run of it is open.
    """
    limit = older_than or _stale_after()
    failed = 0
    for run in TrainingRun.objects.filter(state=TrainingRun.State.RUNNING):
        if _is_lost(run, older_than=limit) and _fail_lost(run, _worker_lost_error(run)):
            failed += 1
    for model_name in model_names_on_disk(Path(settings.MODELS_DIR)):
        _remove_half_written_exports(model_name, idle_seconds=limit.total_seconds())
    return failed


NO_PREVIOUS_VERSION = "{model} has no earlier served version to roll back to"


def model_version_rollback(*, model_name: str) -> ModelVersion:
    """Serve again the version that was active before the current one, through the safe path.

    The previous version is the retired one activated most recently before the active one. The
    margin rule does not apply: going back is the operator's call (the active version may be the
    one that looked better on validation and does worse in serving); every other check does.

    Returns:
        The version served now.

    Raises:
        ActivationRefusedError: there is no such version, or it fails the safe-activation checks
            (the message says why; the active version keeps serving).
    """
    active = ModelVersion.objects.filter(
        model_name=model_name, state=ModelVersion.State.ACTIVE
    ).first()
    earlier = ModelVersion.objects.filter(
        model_name=model_name, state=ModelVersion.State.RETIRED, activated_at__isnull=False
    )
    if active is not None and active.activated_at is not None:
        earlier = earlier.filter(activated_at__lt=active.activated_at)
    previous = earlier.order_by("-activated_at", "-version").first()
    if previous is None:
        raise ActivationRefusedError(NO_PREVIOUS_VERSION.format(model=model_name))
    return model_version_activate_safely(version=previous, margin=False)


SKIPPED_NO_NEW_DATA = (
    "skipped: no new events since run #{run_id}'s data window ended ({until}); nothing to retrain"
)
SKIPPED_ALREADY_OPEN = "skipped: run #{run_id} of this model is still {state}"


def training_run_start_scheduled(
    *, model_name: str, params: Mapping[str, Any] | None = None
) -> TrainingRun:
    """What a retraining schedule does: queue a run, unless nothing new arrived.

    When the model's trainer can tell the time of its newest data (`Trainer.newest_data_at`) and
    that is not after the end of the data window of the model's last successful run, a "skipped"
    run is recorded instead, its note saying why; so is one when a run is still open.

    Args:
        model_name: a registered model name.
        params: training parameters (validated by the trainer), as for any run.

    Returns:
        The queued run (or failed, when the broker is down), or the skipped one.

    Raises:
        UnknownModelError: no trainer for `model_name`.
        InvalidParamsError: unusable parameters.
    """
    trainer = trainer_for(model_name)
    last = (
        TrainingRun.objects.filter(
            model_name=model_name, state=TrainingRun.State.SUCCEEDED, data_until__isnull=False
        )
        .order_by("-data_until")
        .first()
    )
    if last is not None and last.data_until is not None and trainer.newest_data_at is not None:
        newest = trainer.newest_data_at()
        if newest is None or newest <= last.data_until:
            until = last.data_until.isoformat(timespec="seconds")
            return _skipped_run(
                model_name, params, SKIPPED_NO_NEW_DATA.format(run_id=last.pk, until=until)
            )
    try:
        return training_run_start(model_name=model_name, params=params)
    except TrainingRunAlreadyOpenError as error:
        note = SKIPPED_ALREADY_OPEN.format(run_id=error.run.pk, state=error.run.state)
        return _skipped_run(model_name, params, note)


def _skipped_run(model_name: str, params: Mapping[str, Any] | None, note: str) -> TrainingRun:
    """Record a scheduled run that did not train, with why."""
    now = timezone.now()
    run = TrainingRun.objects.create(
        model_name=model_name,
        params=clean_params(trainer=trainer_for(model_name), params=params or {}),
        state=TrainingRun.State.SKIPPED,
        note=note,
        finished_at=now,
    )
    logger.info("scheduled training run skipped", extra={"run_id": run.pk, "note": note})
    return run
