"""Loaded predictors for serving, cached per process by (model, version, folder)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from foodapp.training.models import ModelVersion
from foodapp.training.selectors import model_version_active, model_version_get

if TYPE_CHECKING:
    from recommender.serving import Predictor

NO_ACTIVE_VERSION = "model {name!r} has no active version yet; train one first"
NO_SUCH_VERSION = "model {name!r} has no version {version}"


class ModelNotAvailableError(LookupError):
    """There is nothing to serve for the requested model or version."""


@lru_cache(maxsize=8)
def _load(models_dir: str, name: str, version: int) -> Predictor:
    from recommender.serving import load_predictor

    return load_predictor(Path(models_dir), name, version)


def predictor_for_version(version: ModelVersion) -> Predictor:
    """The predictor of one registered version (loaded once per process)."""
    return _load(str(Path(version.path).parent.parent), version.model_name, version.version)


def predictor_for(*, model_name: str, version: int | None = None) -> Predictor:
    """The active predictor of `model_name`, or the given version.

    Raises:
        ModelNotAvailableError: no active version, or no such version.
    """
    if version is None:
        row = model_version_active(model_name=model_name)
        if row is None:
            raise ModelNotAvailableError(NO_ACTIVE_VERSION.format(name=model_name))
    else:
        row = model_version_get(model_name=model_name, version=version)
        if row is None:
            raise ModelNotAvailableError(NO_SUCH_VERSION.format(name=model_name, version=version))
    return predictor_for_version(row)
