"""What this process serves: a snapshot of the model versions (and running A/B tests), reloaded
only when the version stamp in the shared cache moves, and the stamp read at most once a second.

So a newly active version is picked up within about a second (plus its loading time) by every
web process, without a restart and without a database query per request. A request holds the
predictor it started with; a swap only changes what the next request gets.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

STAMP_READ_SECONDS = 1.0


@dataclass(frozen=True)
class ServedVersion:
    """One registered version: enough to load it without asking the database."""

    model_name: str
    version: int
    path: str
    checksum: str = ""


@dataclass(frozen=True)
class ServedExperiment:
    """A running A/B test: people covered by it get the treatment with `treatment_share`."""

    experiment_id: int
    model_name: str
    control: ServedVersion
    treatment: ServedVersion
    treatment_share: float


@dataclass(frozen=True)
class Snapshot:
    """Every version by (model, number), the active one of each model, and running A/B tests."""

    stamp: str | None
    versions: Mapping[tuple[str, int], ServedVersion] = field(default_factory=dict)
    active: Mapping[str, ServedVersion] = field(default_factory=dict)
    experiments: Mapping[str, ServedExperiment] = field(default_factory=dict)
    # The newest version of each model when it is newer than the active one: the likely next
    # to be activated, loaded ahead so that its activation is only a swap.
    upcoming: Mapping[str, ServedVersion] = field(default_factory=dict)


def snapshot_load(stamp: str | None) -> Snapshot:
    """Read the versions and the running A/B tests from the database (one query each)."""
    from foodapp.training.experiments import experiments_running_served
    from foodapp.training.models import ModelVersion

    versions: dict[tuple[str, int], ServedVersion] = {}
    active: dict[str, ServedVersion] = {}
    rows = ModelVersion.objects.values_list("model_name", "version", "path", "checksum", "state")
    for model_name, number, path, checksum, state in rows:
        served = ServedVersion(model_name, number, path, checksum)
        versions[(model_name, number)] = served
        if state == ModelVersion.State.ACTIVE:
            active[model_name] = served
    newest: dict[str, ServedVersion] = {}
    for served in versions.values():
        best = newest.get(served.model_name)
        if best is None or served.version > best.version:
            newest[served.model_name] = served
    upcoming = {
        name: served
        for name, served in newest.items()
        if name in active and served.version > active[name].version
    }
    return Snapshot(
        stamp=stamp,
        versions=versions,
        active=active,
        experiments=experiments_running_served(versions=versions),
        upcoming=upcoming,
    )


class ServedVersions:
    """The process's snapshot, checked against the stamp at most every `interval` seconds.

    Args:
        load: reads a fresh snapshot for a stamp (the database).
        read_stamp: the shared stamp, None when it cannot be read (then the snapshot is reloaded
            at every check, i.e. at most once per interval).
        clock: monotonic seconds (a test passes a fake one).
        interval: the most often the stamp is read.
        warm: called with a new snapshot before it is published (loads its predictors), so
            that requests keep the old snapshot until the new one is ready; its errors are
            logged, not raised (the request that needs the version then gets the error).
    """

    def __init__(
        self,
        *,
        load: Callable[[str | None], Snapshot] = snapshot_load,
        read_stamp: Callable[[], str | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        interval: float = STAMP_READ_SECONDS,
        warm: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self._load = load
        self._warm = warm
        self._read_stamp = read_stamp
        self._clock = clock
        self._interval = interval
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._checked_at = -math.inf

    def _stamp(self) -> str | None:
        if self._read_stamp is not None:
            return self._read_stamp()
        from foodapp.training.version_stamp import version_stamp_read

        return version_stamp_read()

    def current(self) -> Snapshot:
        """The snapshot to serve from now (reloaded if the stamp moved since it was read).

        Raises:
            django.db.Error: the database is needed (first use, or the stamp moved) and is down.
        """
        snapshot = self._snapshot
        if snapshot is not None and self._clock() - self._checked_at < self._interval:
            return snapshot
        # One thread refreshes; while it does (loading a new version can take seconds), the
        # others go on with the snapshot they have. Without one, they wait for it.
        if not self._lock.acquire(blocking=snapshot is None):
            return snapshot  # type: ignore[return-value]  # not None: blocking otherwise
        try:
            snapshot = self._snapshot
            now = self._clock()
            if snapshot is not None and now - self._checked_at < self._interval:
                return snapshot
            stamp = self._stamp()
            if snapshot is None or stamp is None or stamp != snapshot.stamp:
                fresh = self._load(stamp)
                if snapshot is not None and self._warm is not None:
                    self._warm_quietly(fresh)
                snapshot = self._snapshot = fresh
            self._checked_at = now
            return snapshot
        finally:
            self._lock.release()

    def _warm_quietly(self, snapshot: Snapshot) -> None:
        """Run the warm hook; a version that does not load is logged and served as an error."""
        try:
            self._warm(snapshot)  # type: ignore[misc]
        except Exception:
            logger.warning("served versions: warming a new snapshot failed", exc_info=True)

    def invalidate(self) -> None:
        """Forget the snapshot: the next request reloads (after this process changed it)."""
        with self._lock:
            self._snapshot = None
            self._checked_at = -math.inf


def _predictors_warm(snapshot: Snapshot) -> None:
    """Load the predictors a snapshot serves by default (active versions, A/B arms) and each
    model's upcoming version (a new candidate: its activation then needs no load), and warm each
    up as its trainer says (the first ranking calls trace and compile for seconds)."""
    from foodapp.training.predictors import predictor_for_version
    from foodapp.training.registry import UnknownModelError, trainer_for

    for served in (*served_by_default(snapshot), *snapshot.upcoming.values()):
        predictor = predictor_for_version(served)
        try:
            warm_up = trainer_for(served.model_name).warm_up
        except UnknownModelError:
            continue
        if warm_up is not None:
            warm_up(predictor)


def served_versions_warm() -> None:
    """Load and warm up now what this process will serve (a web worker, before its first
    request: see gunicorn.conf.py), so that no request pays the loading and compiling."""
    _predictors_warm(SERVED.current())


def served_by_default(snapshot: Snapshot) -> list[ServedVersion]:
    """The versions a snapshot answers requests with when no version is asked for."""
    found = dict.fromkeys(snapshot.active.values())
    for experiment in snapshot.experiments.values():
        found.update(dict.fromkeys((experiment.control, experiment.treatment)))
    return list(found)


SERVED = ServedVersions(warm=_predictors_warm)
