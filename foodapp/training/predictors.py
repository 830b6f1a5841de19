"""Loaded predictors for serving, cached per process by (model, version, folder, checksum).

Which version is served comes from the process's snapshot (`foodapp.training.served`), so a
request asks the database nothing once the snapshot is loaded; a newly activated version is
picked up when the version stamp moves. A predictor that is swapped out stays alive as long as a
request still holds it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from foodapp.training.models import ModelVersion
from foodapp.training.served import SERVED, ServedVersion

if TYPE_CHECKING:
    from recommender.serving import Predictor

NO_ACTIVE_VERSION = "model {name!r} has no active version yet; train one first"
NO_SUCH_VERSION = "model {name!r} has no version {version}"
# Loaded predictors kept per process (the served ones, an A/B treatment, a few asked-for ones).
CACHED_PREDICTORS = 8

_Key = tuple[str, str, int, str, str]  # models dir, name, version, checksum, backend


class ModelNotAvailableError(LookupError):
    """There is nothing to serve for the requested model or version."""


class _PredictorCache:
    """Least recently used predictors; one load per key even when many threads ask at once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.loaded: OrderedDict[_Key, Predictor] = OrderedDict()
        self.loading: dict[_Key, threading.Lock] = {}

    def get(self, key: _Key) -> Predictor:
        with self.lock:
            if key in self.loaded:
                self.loaded.move_to_end(key)
                return self.loaded[key]
            key_lock = self.loading.setdefault(key, threading.Lock())
        with key_lock:
            with self.lock:
                if key in self.loaded:
                    return self.loaded[key]
            predictor = _load(key)
            with self.lock:
                self.loaded[key] = predictor
                self.loading.pop(key, None)
                while len(self.loaded) > self.size:
                    self.loaded.popitem(last=False)
            return predictor

    def clear(self) -> None:
        with self.lock:
            self.loaded.clear()


_CACHE = _PredictorCache(CACHED_PREDICTORS)


def _load(key: _Key) -> Predictor:
    """Load one version in process, or point at it in TensorFlow Serving (PREDICTOR_BACKEND)."""
    models_dir, name, version, _checksum, backend = key
    if backend == "tfserving":
        from foodapp.training.remote_predictor import RemotePredictor

        remote = RemotePredictor(
            base_url=settings.TFSERVING_URL,
            name=name,
            version=version,
            path=Path(models_dir) / name / str(version),
            timeout=float(settings.TFSERVING_TIMEOUT_SECONDS),
        )
        return remote  # type: ignore[return-value]  # the part of Predictor serving uses
    from recommender.serving import load_predictor

    return load_predictor(Path(models_dir), name, version)


def _predictor(model_name: str, version: int, path: str, checksum: str) -> Predictor:
    models_dir = str(Path(path).parent.parent)
    return _CACHE.get((models_dir, model_name, version, checksum, settings.PREDICTOR_BACKEND))


def predictor_for_version(version: ModelVersion | ServedVersion) -> Predictor:
    """The predictor of one registered version (loaded once per process)."""
    return _predictor(version.model_name, version.version, version.path, version.checksum)


def served_version_for(*, model_name: str, version: int | None = None) -> ServedVersion:
    """The active version of `model_name`, or the given one, from the process's snapshot.

    Raises:
        ModelNotAvailableError: no active version, or no such version.
    """
    snapshot = SERVED.current()
    if version is None:
        found = snapshot.active.get(model_name)
        if found is None:
            raise ModelNotAvailableError(NO_ACTIVE_VERSION.format(name=model_name))
        return found
    found = snapshot.versions.get((model_name, version))
    if found is None:
        raise ModelNotAvailableError(NO_SUCH_VERSION.format(name=model_name, version=version))
    return found


def predictor_for(*, model_name: str, version: int | None = None) -> Predictor:
    """The active predictor of `model_name`, or the given version.

    Raises:
        ModelNotAvailableError: no active version, or no such version.
    """
    return predictor_for_version(served_version_for(model_name=model_name, version=version))


def predictors_forget() -> None:
    """Drop this process's snapshot and loaded predictors (tests; a store wiped under us)."""
    SERVED.invalidate()
    _CACHE.clear()
