"""A terminal progress bar fed by training progress events."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


class TrainingProgressBar:
    """Shows one bar per epoch (steps) with the latest metrics; callable as a progress callback."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: tqdm[Any] | None = None
        self.epoch: int | None = None

    def __call__(self, event: dict[str, Any]) -> None:
        epoch = event.get("epoch")
        steps = event.get("steps")
        if epoch != self.epoch:
            self.close()
            self.epoch = epoch
            epochs = event.get("epochs")
            description = f"{self.label} epoch {epoch}/{epochs}" if epochs else self.label
            self.bar = tqdm(total=steps, desc=description, file=sys.stderr, leave=True)
        if self.bar is None:
            return
        step = event.get("step")
        if isinstance(step, int) and step > self.bar.n:
            self.bar.update(step - self.bar.n)
        metrics = event.get("metrics") or {}
        if metrics:
            shown = {key: f"{value:.4f}" for key, value in metrics.items() if _is_number(value)}
            self.bar.set_postfix(shown, refresh=False)

    def close(self) -> None:
        """Finish the current bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
