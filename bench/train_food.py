"""Benchmark food training at scale: a million logged examples streamed from the database.

Run from the repository root:
    python bench/train_food.py [--users 2000] [--sessions 125000] [--seed 7] [--start 2026-09-01]
        [--model-type wide_deep] [--epochs N] [--postgres]

Simulates a history into a throwaway database (see scratch_db.py; the default 125,000 sessions
give a little over a million examples in the train split), then times the two stages the food
trainer runs: extraction (`food_data_load`: the three time splits streamed from the event log,
with the fixed negatives of validation and test, and the dish pool) and training one model
(`recommender.datasets.food.train_and_export`, as `manage.py train food` calls it, into a
temporary model store). Prints the example counts, each stage's wall time and the process's
resident memory before it and its peak during it (Linux: the peak is reset through
/proc/self/clear_refs before each stage). Target: extraction and training together in <= 5
minutes and <= 3 GiB.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from import_interactions import memory_kib, mib, peak_reset  # noqa: E402
from machine_info import load_average, machine_summary  # noqa: E402
from options import positive  # noqa: E402
from scratch_db import database_prepare, scratch_database  # noqa: E402

TARGET_SECONDS = 300
TARGET_GIB = 3.0


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=positive, default=2000)
    parser.add_argument("--sessions", type=positive, default=125_000)
    parser.add_argument("--seed", type=int, default=7, help="simulation seed")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 9, 1))
    parser.add_argument("--model-type", choices=("wide", "deep", "wide_deep"), default="wide_deep")
    parser.add_argument("--epochs", type=positive, default=None, help="default: the trainer's")
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    return parser.parse_args()


class Stage:
    """Times one stage and records the resident memory before and the peak during it."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds = 0.0
        self.before: int | None = None
        self.peak: int | None = None
        self.reset = False
        self.began = 0.0

    def __enter__(self) -> Stage:
        self.reset = peak_reset()
        self.before = memory_kib("VmRSS")
        self.began = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.began
        self.peak = memory_kib("VmHWM") if self.reset else None
        print(
            f"{self.label:<11} {self.seconds:7.1f}s  resident {mib(self.before)} before, "
            f"peak {mib(self.peak)} during  (load {load_average()})",
            flush=True,
        )


def main() -> None:
    """Simulate, extract, train; print the figures and the machine."""
    options = arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")  # as deployed
    folder, drop = scratch_database(postgres=options.postgres, prefix="bench-train-food-")
    import django

    django.setup()
    from django.db import connection

    from foodapp.interactions.models import Event
    from foodapp.recommendations.training_data import food_data_load
    from foodapp.simulation.services import simulation_run
    from recommender.datasets import food

    dishes = database_prepare()
    start = datetime(options.start.year, options.start.month, options.start.day, tzinfo=UTC)
    print(f"backend     {connection.vendor}, {dishes} dishes", flush=True)
    with Stage("simulate"):
        simulation_run(
            users=options.users, sessions=options.sessions, seed=options.seed, start=start
        )
    print(f"events      {Event.objects.count():,}", flush=True)
    with Stage("extraction") as extraction:
        data = food_data_load(seed=42)
    counts = {
        "train": food.columns_length(data.train),
        "validation": food.columns_length(data.validation),
        "test": food.columns_length(data.test),
    }
    print(
        "examples    "
        + ", ".join(f"{name} {count:,}" for name, count in counts.items())
        + f" (train positives {int(data.train[food.LABEL].sum()):,})",
        flush=True,
    )
    with Stage("training") as training:
        result = food.train_and_export(
            models_dir=folder / "models",
            model_type=options.model_type,
            train=data.train,
            validation=data.validation,
            test=data.test,
            pool=data.pool,
            epochs=options.epochs,
            seed=42,
            data_summary={"dataset": "benchmark", **data.summary()},
        )
    history = result.metadata["training"]
    print(
        f"model       {result.name} v{result.version}: {history['epochs_run']} epochs (best "
        f"{history['best_epoch']}), test AUC {result.metrics['roc_auc']:.4f}, nDCG@10 "
        f"{result.metrics.get('ndcg@10', float('nan')):.4f}"
    )
    total = extraction.seconds + training.seconds
    peak = max(extraction.peak or 0, training.peak or 0) / 2**20
    print(
        f"total       {total:.1f}s and peak {peak:.2f} GiB for extraction + training "
        f"(target <= {TARGET_SECONDS}s and <= {TARGET_GIB:g} GiB)"
    )
    import tensorflow as tf

    print(f"machine     {machine_summary()}")
    print(f"python      {platform.python_version()}, tensorflow {tf.__version__}")
    print(f"date        {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC, load {load_average()}")
    drop()


if __name__ == "__main__":
    main()
