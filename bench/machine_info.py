"""What every benchmark prints about the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_summary() -> str:
    """CPU model, core count and platform on one line."""
    return f"{cpu_model()}, {os.cpu_count()} cores, {platform.platform()}"


def load_average(*, all_three: bool = False) -> str:
    """The 1-minute load average, or the 1-, 5- and 15-minute ones (the machine is shared)."""
    try:
        loads = os.getloadavg()
    except OSError:
        return "unknown"
    return " ".join(f"{value:.2f}" for value in (loads if all_three else loads[:1]))
