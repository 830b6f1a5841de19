"""Which models this app can train: each app registers a trainer for its model name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

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
    """Everything a trainer gets: where to export, its parameters and a progress callback."""

    models_dir: Path
    params: Mapping[str, Any]
    progress: ProgressCallback
    log_dir: Path | None = None


@dataclass(frozen=True)
class Trainer:
    """A trainable model: its name, the function that trains it and the parameters it accepts."""

    model_name: str
    train: Callable[[TrainingRequest], ExportedVersion]
    description: str = ""
    model_types: tuple[str, ...] = ("wide", "deep", "wide_deep")
    default_params: Mapping[str, Any] = field(default_factory=dict)


class UnknownModelError(LookupError):
    """No trainer is registered under that model name."""


_TRAINERS: dict[str, Trainer] = {}


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
