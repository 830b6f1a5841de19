"""Command-line option types the benchmarks share."""

from __future__ import annotations

import argparse


def positive(raw: str) -> int:
    """An argparse type for integers >= 1."""
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
