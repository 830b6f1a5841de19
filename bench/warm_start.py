"""Benchmark warm start: epochs and time a new food version needs to reach a cold start's quality.

Run from the repository root:
    python bench/warm_start.py [--users 500] [--sessions 25000] [--seed 7]
        [--model-type wide_deep] [--epochs 6] [--earlier-share 0.75] [--postgres]

Simulates a history into a throwaway database (scratch_db.py) and reads its three time splits as
the food trainer does. "Last night's" version is trained (cold) on the oldest `--earlier-share`
of the train split; "tonight's" is trained on the whole train split twice, cold and warm-started
from last night's (recommender.warm_start: same spec fingerprint, its vocabularies and weights),
each for `--epochs` epochs without early stopping, with the same validation split. Prints each
epoch's monitored validation metric and the time since training began, then the epoch and time
at which the warm run first reaches the cold run's best, and both runs' test metrics.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from machine_info import load_average, machine_summary  # noqa: E402
from options import positive  # noqa: E402
from scratch_db import database_prepare, scratch_database  # noqa: E402

START = datetime(2026, 9, 1, tzinfo=UTC)


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=positive, default=500)
    parser.add_argument("--sessions", type=positive, default=25_000)
    parser.add_argument("--seed", type=int, default=7, help="simulation seed")
    parser.add_argument("--model-type", choices=("wide", "deep", "wide_deep"), default="wide_deep")
    parser.add_argument("--epochs", type=positive, default=6)
    parser.add_argument("--earlier-share", type=float, default=0.75)
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    return parser.parse_args()


class EpochClock:
    """A progress callback recording the time at the end of each epoch."""

    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.ends: dict[int, float] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("step") == event.get("steps") and event.get("epoch") is not None:
            self.ends[int(event["epoch"])] = time.perf_counter() - self.began


def train(label: str, *, columns: Any, data: Any, options: Any, store: Path, warm: Any) -> Any:
    """Train one version; print its per-epoch validation metric and times."""
    from recommender.datasets import food

    settings = replace(food.FOOD_TRAINING, epochs=options.epochs, patience=0)
    clock = EpochClock()
    result = food.train_and_export(
        models_dir=store,
        model_type=options.model_type,
        train=columns,
        validation=data.validation,
        test=data.test,
        pool=data.pool,
        name=f"bench_{label}",
        settings=settings,
        seed=42,
        progress=clock,
        warm_start=warm,
    )
    monitor = result.metadata["data"]["monitor"]
    history = result.metadata["training"]["history"]
    curve = [
        (row["epoch"], float(row[monitor]), clock.ends.get(row["epoch"], 0.0)) for row in history
    ]
    start = result.metadata.get("start", {})
    print(
        f"{label:<9} {monitor} by epoch: "
        + ", ".join(f"{e}: {v:.4f} ({s:.0f}s)" for e, v, s in curve)
        + f"  [start: {start}]",
        flush=True,
    )
    return result, monitor, curve


def main() -> None:
    """Simulate, train last night's version, then tonight's cold and warm; print the figures."""
    options = arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    folder, drop = scratch_database(postgres=options.postgres, prefix="bench-warm-start-")
    import django

    django.setup()
    import numpy as np

    from foodapp.recommendations.training_data import food_data_load
    from foodapp.simulation.services import simulation_run
    from recommender.datasets import food

    database_prepare()
    simulation_run(users=options.users, sessions=options.sessions, seed=options.seed, start=START)
    data = food_data_load(seed=42)
    order = np.argsort(data.train["timestamp"], kind="stable")
    earlier_rows = order[: int(len(order) * options.earlier_share)]
    earlier_columns = food.columns_take(data.train, np.sort(earlier_rows))
    print(
        f"examples  train {food.columns_length(data.train):,} (last night's "
        f"{food.columns_length(earlier_columns):,}), validation "
        f"{food.columns_length(data.validation):,}, test {food.columns_length(data.test):,}",
        flush=True,
    )
    store = folder / "models"
    last_night, _, _ = train(
        "earlier", columns=earlier_columns, data=data, options=options, store=store, warm=None
    )
    cold, monitor, cold_curve = train(
        "cold", columns=data.train, data=data, options=options, store=store, warm=None
    )
    warm, _, warm_curve = train(
        "warm", columns=data.train, data=data, options=options, store=store, warm=last_night.path
    )
    load = float(warm.metadata["start"].get("load_seconds", 0.0))
    print(f"warm      loading last night's weights took {load:.1f}s (in its epoch-1 time)")
    best_epoch, best, best_seconds = max(cold_curve, key=lambda row: row[1])
    reached = next(((e, s) for e, v, s in warm_curve if v >= best), None)
    print(f"cold best {monitor} {best:.4f} at epoch {best_epoch} ({best_seconds:.0f}s)")
    if reached is None:
        print(
            f"warm      never reached it in {options.epochs} epochs "
            f"(best {max(v for _, v, _ in warm_curve):.4f})"
        )
    else:
        print(
            f"warm      reached it at epoch {reached[0]} ({reached[1]:.0f}s): "
            f"{best_epoch - reached[0]} epochs and {best_seconds - reached[1]:.0f}s fewer"
        )
    for label, result in (("cold", cold), ("warm", warm)):
        metrics, seconds = result.metrics, result.metadata["training_seconds"]
        print(
            f"test      {label}: AUC {metrics['roc_auc']:.4f}, nDCG@10 "
            f"{metrics.get('ndcg@10', float('nan')):.4f}, training {seconds:.0f}s"
        )
    import tensorflow as tf

    print(f"machine   {machine_summary()}")
    print(f"python    {platform.python_version()}, tensorflow {tf.__version__}")
    print(f"date      {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC, load {load_average()}")
    drop()


if __name__ == "__main__":
    main()
