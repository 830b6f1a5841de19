"""A training run's state and progress as the run list shows them (and polls them as JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from foodapp.training.models import OPEN_STATES, TrainingRun


def _number(value: Any) -> float | None:
    """A plain number, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def run_progress_percent(run: TrainingRun) -> int | None:
    """How far a run is, 0-100, from its last progress event (epoch, epochs, step, steps);
    100 only once it succeeded, None when nothing is known."""
    if run.state == TrainingRun.State.SUCCEEDED:
        return 100
    progress = run.progress or {}
    epoch, epochs = _number(progress.get("epoch")), _number(progress.get("epochs"))
    step, steps = _number(progress.get("step")), _number(progress.get("steps"))
    if epoch is None or not epochs:
        return 0 if run.state in OPEN_STATES else None
    within = step / steps if step is not None and steps else 1.0
    done = (epoch - 1 + min(max(within, 0.0), 1.0)) / epochs
    # 100 means done: a run past its last step is still exporting and checking its version
    return min(round(100 * min(max(done, 0.0), 1.0)), 99)


def run_progress_text(run: TrainingRun) -> str:
    """One line: the state, epoch and step, and the latest loss."""
    progress = run.progress or {}
    parts = [run.get_state_display()]
    if progress.get("epoch") is not None and progress.get("epochs"):
        parts.append(f"epoch {progress['epoch']}/{progress['epochs']}")
    if progress.get("step") is not None and progress.get("steps"):
        parts.append(f"step {progress['step']}/{progress['steps']}")
    loss = _number((progress.get("metrics") or {}).get("loss"))
    if loss is not None:
        parts.append(f"loss {loss:.4f}")
    if run.cancel_requested_at is not None and run.state in OPEN_STATES:
        parts.append("cancel requested")
    return ", ".join(parts)


def training_run_status(run: TrainingRun) -> dict[str, Any]:
    """What the run list polls for one run."""
    return {
        "id": run.pk,
        "state": run.state,
        "state_label": run.get_state_display(),
        "open": run.state in OPEN_STATES,
        "percent": run_progress_percent(run),
        "text": run_progress_text(run),
        "note": run.note,
        "error": run.error.splitlines()[0] if run.error else "",
        "version": run.result_version.version if run.result_version else None,
    }


def start_note(metadata: Mapping[str, Any]) -> str:
    """How an exported version started, for its run's note: warm from which version, or cold
    and why ("" when no warm start was asked for)."""
    start = metadata.get("start") or {}
    if start.get("warm_start"):
        return f"warm start from {start.get('from', 'the active version')}"
    if start.get("cold_start_reason"):
        return f"cold start: {start['cold_start_reason']}"
    return ""
