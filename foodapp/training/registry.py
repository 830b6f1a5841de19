"""Which models this app can train: each app registers a trainer for its model name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from foodapp.training.params import STANDARD_PARAMETERS, Param, clean_declared

ProgressCallback = Callable[[dict[str, Any]], None]


class ExportedVersion(Protocol):
    """What a trainer returns: recommender's ExportResult satisfies it."""

    @property
    def version(self) -> int: ...

    @property
    def path(self) -> Path: ...

    @property
    def metrics(self) -> Mapping[str, Any]: ...

    @property
    def metadata(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class TrainingRequest:
    """Everything a trainer gets: where to export, its parameters, a progress callback, and the
    window of data to train on (None: from the first event / up to the run's start)."""

    models_dir: Path
    params: Mapping[str, Any]
    progress: ProgressCallback
    log_dir: Path | None = None
    data_from: datetime | None = None
    data_until: datetime | None = None


@dataclass(frozen=True)
class Trainer:
    """A trainable model: its name, the function that trains it and the parameters it accepts.

    `model_type` is always accepted (one of `model_types`); the other parameters are the ones in
    `parameters` (by default epochs, seed and max_rows), each validated by its declaration.
    `smoke_check`, given a version folder, loads it and makes one prediction, raising when that
    fails; None (the default) predicts through recommender's Predictor, as serving does.
    """

    model_name: str
    train: Callable[[TrainingRequest], ExportedVersion]
    description: str = ""
    model_types: tuple[str, ...] = ("wide", "deep", "wide_deep")
    default_params: Mapping[str, Any] = field(default_factory=dict)
    parameters: tuple[Param, ...] = STANDARD_PARAMETERS
    smoke_check: Callable[[Path], None] | None = None
    # The ranker this model is evaluated as in a stored evaluation (metadata["evaluation"]),
    # e.g. "v4"; "" when it has none. The version list shows that ranker's figures.
    evaluation_ranker: str = ""
    # The time of the newest data the model would train on (e.g. the latest logged event), so
    # that a scheduled retrain with nothing new is skipped; None: always retrain.
    newest_data_at: Callable[[], datetime | None] | None = None
    # Whether the trainer honours a run's data window (data_from / data_until); one that trains
    # on fixed files (the census) takes none, and asking it for one is an error.
    reads_data_window: bool = True
    # Given a loaded predictor of one of the model's versions, makes the first calls serving
    # will make (tracing, compiling), so that a web process that loads a version ahead of its
    # activation spares its first requests those seconds; None: nothing to warm.
    warm_up: Callable[[Any], None] | None = None

    def declared_parameters(self) -> tuple[Param, ...]:
        """Every parameter this trainer accepts, model_type first."""
        model_type = Param("model_type", str, choices=self.model_types, help="model type")
        return (model_type, *(p for p in self.parameters if p.name != "model_type"))

    def clean_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters with this trainer's defaults filled in (model_type always set).

        Raises:
            InvalidParamsError: an unknown or unusable parameter (the message names it).
        """
        defaults = {"model_type": self.model_types[-1], **self.default_params}
        return clean_declared(
            parameters=self.declared_parameters(), defaults=defaults, params=params
        )


class UnknownModelError(LookupError):
    """No trainer is registered under that model name."""


class TrainingStopped(Exception):  # noqa: N818 (a stop, not a fault)
    """Raised by the progress callback: stop training now (the run is no longer this worker's).

    Trainers let it propagate; the training service cleans up after it.
    """


class TrainingCancelled(TrainingStopped):
    """Raised by the progress callback once someone cancelled the run."""


_TRAINERS: dict[str, Trainer] = {}
# A name for several models trained alike, e.g. "food" -> {"wide": "food_wide", ...}.
_GROUPS: dict[str, dict[str, str]] = {}
ALL_TYPES = "all"


def register_trainer(trainer: Trainer) -> None:
    """Register (or replace) the trainer for `trainer.model_name`."""
    _TRAINERS[trainer.model_name] = trainer


def unregister_trainer(model_name: str) -> None:
    """Remove a trainer; used by tests that register their own."""
    _TRAINERS.pop(model_name, None)


def trainer_for(model_name: str) -> Trainer:
    """Return the trainer registered for `model_name`.

    Raises:
        UnknownModelError: when none is registered.
    """
    try:
        return _TRAINERS[model_name]
    except KeyError:
        known = ", ".join(sorted(_TRAINERS)) or "none"
        raise UnknownModelError(f"unknown model {model_name!r} (known: {known})") from None


def registered_model_names() -> list[str]:
    """Names of every trainable model, sorted."""
    return sorted(_TRAINERS)


def register_group(name: str, members: Mapping[str, str]) -> None:
    """Register a group name for models that differ by model type (model type -> model name)."""
    _GROUPS[name] = dict(members)


def group_members(name: str, model_type: str | None) -> list[str] | None:
    """The model names a group stands for: all of them for None or "all", else the one of
    `model_type`; None when `name` is not a group.

    Raises:
        UnknownModelError: the group has no model of that type.
    """
    members = _GROUPS.get(name)
    if members is None:
        return None
    if model_type in (None, ALL_TYPES):
        return list(members.values())
    if model_type not in members:
        known = ", ".join([*members, ALL_TYPES])
        raise UnknownModelError(f"model_type: {name} has {known}, not {model_type!r}")
    return [members[model_type]]


def registered_group_names() -> list[str]:
    """Names of every group, sorted."""
    return sorted(_GROUPS)
