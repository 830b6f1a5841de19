"""Training in the foreground for management commands, through the same service as the task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.management.base import CommandError

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.params import InvalidParamsError
from foodapp.training.progress_bar import TrainingProgressBar
from foodapp.training.registry import UnknownModelError


def train_in_foreground(
    *, model_name: str, params: Mapping[str, Any] | None = None, announce: Any = None
) -> ModelVersion:
    """Create a run, execute it here with a progress bar, and return the exported version.

    Args:
        model_name: a registered model name.
        params: training parameters (validated like every other way in).
        announce: called with one line of text once the run exists (e.g. stdout.write).

    Returns:
        The registered version (active when it is the model's first).

    Raises:
        CommandError: bad name or parameters (naming the field), the model is already running,
            a failed run, or a model left with nothing to serve (its first version was refused).
    """
    services.training_runs_fail_stale()  # e.g. the run of an earlier `make run` stopped midway
    try:
        run = services.training_run_create(model_name=model_name, params=params or {})
    except (UnknownModelError, InvalidParamsError, services.TrainingRunAlreadyOpenError) as error:
        raise CommandError(str(error.args[0] if error.args else error)) from None
    if announce is not None:
        announce(f"Training {model_name} (run #{run.pk}, {run.params})")
    bar = TrainingProgressBar(model_name)
    try:
        finished = services.training_run_execute(run_id=run.pk, progress=bar)
    finally:
        bar.close()
    if finished is None or finished.state != TrainingRun.State.SUCCEEDED:
        reason = finished.error.splitlines()[0] if finished and finished.error else "unknown error"
        raise CommandError(f"training {model_name} failed: {reason}")
    version = finished.result_version
    if version is None:
        raise CommandError(f"training {model_name} finished without a version")
    if (
        version.state != ModelVersion.State.ACTIVE
        and not ModelVersion.objects.filter(
            model_name=model_name, state=ModelVersion.State.ACTIVE
        ).exists()
    ):
        raise CommandError(f"{model_name} v{version.version}: {version.activation_error}")
    return version
