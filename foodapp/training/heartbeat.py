"""What the process executing a run writes while it trains: heartbeat and progress.

A timer thread writes `heartbeat_at` every TRAINING_HEARTBEAT_SECONDS, so a long step without
progress events (loading data, exporting) still beats; progress events write it too. Each write
is conditional on the run still being this worker's, running and not cancelled: when it is not
(cancelled, failed by the reaper, taken over by another worker), the next progress event raises
TrainingCancelled or TrainingStopped, so the trainer stops between two steps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from foodapp.training.models import TrainingRun
from foodapp.training.registry import ProgressCallback, TrainingCancelled, TrainingStopped

logger = logging.getLogger(__name__)

PROGRESS_SAVE_INTERVAL_SECONDS = 1.0
RUN_NO_LONGER_RUNNING = "stopped: the run is {state} now"
RUN_TAKEN_OVER = "stopped: another worker ({worker}) took the run over"
RUN_CANCELLED = "cancelled"


class RunHeartbeat:
    """Beats for one run from a daemon thread between `start()` and `stop()`."""

    def __init__(self, *, run_id: int, worker: str) -> None:
        self.run_id = run_id
        self.worker = worker
        self.interval = float(settings.TRAINING_HEARTBEAT_SECONDS)
        self.stopped_reason = ""
        self.cancelled = False
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"training-heartbeat-{run_id}", daemon=True
        )

    def start(self) -> None:
        """Start beating (the claim wrote the first heartbeat)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and wait for the thread."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        try:
            while not self._done.wait(self.interval):
                self.beat()
        finally:
            connections.close_all()  # this thread's own connections

    def _mine(self) -> Any:
        """The run, only while it is running and this worker's."""
        return TrainingRun.objects.filter(
            pk=self.run_id,
            state=TrainingRun.State.RUNNING,
            worker=self.worker,
            cancel_requested_at__isnull=True,
        )

    def beat(self, **fields: Any) -> None:
        """Write the heartbeat (and `fields`); note when the run is no longer this worker's."""
        try:
            if not self._mine().update(heartbeat_at=timezone.now(), **fields):
                self._note_why_not_mine()
        except DatabaseError:
            logger.warning("training heartbeat not written", exc_info=True)

    def _note_why_not_mine(self) -> None:
        row = (
            TrainingRun.objects.filter(pk=self.run_id)
            .values("state", "worker", "cancel_requested_at")
            .first()
        )
        if row is None:
            return  # not visible to this connection (an uncommitted test row): keep going
        if row["cancel_requested_at"] is not None and row["worker"] == self.worker:
            self.cancelled = True
            self.stopped_reason = RUN_CANCELLED
        elif row["state"] != TrainingRun.State.RUNNING:
            self.stopped_reason = RUN_NO_LONGER_RUNNING.format(state=row["state"])
        elif row["worker"] != self.worker:
            self.stopped_reason = RUN_TAKEN_OVER.format(worker=row["worker"])

    def check_now(self) -> None:
        """Look at the run at once (not at the next beat) and raise if it must stop."""
        if not self.stopped_reason and not self._mine().exists():
            self._note_why_not_mine()
        self.raise_if_stopped()

    def raise_if_stopped(self) -> None:
        """Raise TrainingCancelled once the run is cancelled, TrainingStopped once it is no
        longer this worker's to train."""
        if self.cancelled:
            raise TrainingCancelled(self.stopped_reason)
        if self.stopped_reason:
            raise TrainingStopped(self.stopped_reason)


class ProgressRecorder:
    """The progress callback given to trainers: saves progress with a heartbeat at most once a
    second, forwards each event to an optional callback, and stops a run that is no longer ours.
    """

    def __init__(self, heartbeat: RunHeartbeat, forward: ProgressCallback | None) -> None:
        self.heartbeat = heartbeat
        self.forward = forward
        self.last_saved = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        self.heartbeat.raise_if_stopped()
        now = time.monotonic()
        if now - self.last_saved >= PROGRESS_SAVE_INTERVAL_SECONDS or event.get("final"):
            self.heartbeat.beat(progress=json_safe(event))
            self.last_saved = now
            self.heartbeat.raise_if_stopped()
        if self.forward is not None:
            self.forward(event)


def json_safe(event: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-friendly copy: numpy scalars become floats, arrays and tuples become lists."""
    return {str(key): _json_value(value) for key, value in event.items()}


def _json_value(value: Any) -> Any:
    """One value made JSON-friendly (see `json_safe`)."""
    if isinstance(value, Mapping):
        return json_safe(value)
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
