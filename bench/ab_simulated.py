"""Benchmark an A/B test of v4 against v2 in the simulator, through the real assignment and log.

Run from the repository root, on a store with a simulated history and the three food models
trained on it (e.g. the default history: `simulate --users 2000 --sessions 100000 --seed 7
--start 2026-09-01`, then `train food --model-type all`):
    VAR_DIR=/path/to/store python bench/ab_simulated.py [--sessions 4000] [--days 7]
        [--seed 2016] [--share 0.5]

The store is not changed: its SQLite database is copied into a temporary folder (the model
files are read where they are). On the copy it starts an A/B test of the active wide & deep
version (control) against the active wide one (treatment), serves `--sessions` fresh online
sessions through it (`foodapp.recommendations.ab_simulation.ab_simulate`: each person is ranked
by their sticky arm, every slate is logged as impressions and every simulated order as an order
with the arm's version), and reads the per-arm figures back from the event log. Prints them, the
A/B difference with its 95% interval, the paired online difference of the same two rankers over
the same sessions (what `evaluate food` reports as v2's gain against v4, negated), whether the
A/B interval covers it, the machine and the wall time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from machine_info import load_average, machine_summary  # noqa: E402
from options import positive  # noqa: E402


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=positive, default=4000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--seed", type=int, default=2016, help="online seed (evaluate's default)")
    parser.add_argument("--share", type=float, default=0.5, help="treatment share")
    return parser.parse_args()


def store_copy() -> Path:
    """A temporary VAR_DIR holding a copy of the store's database; the models stay in place."""
    store = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    database = store / "db.sqlite3"
    if not database.is_file():
        sys.exit(f"VAR_DIR: no SQLite database at {database}")
    scratch = Path(tempfile.mkdtemp(prefix="ab-bench-"))
    shutil.copy2(database, scratch / "db.sqlite3")
    os.environ["MODELS_DIR"] = str(store / "models")
    os.environ["VAR_DIR"] = str(scratch)
    return scratch


def django_setup() -> None:
    """Set up Django on the copy, as deployed (DEBUG off)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)  # the copy may predate the experiments table


def main() -> None:
    """Run the A/B test on a copy of the store and print what it found."""
    options = arguments()
    scratch = store_copy()
    try:
        django_setup()
        from foodapp.recommendations.ab_simulation import ab_simulate
        from foodapp.recommendations.evaluation import evaluation_setup
        from foodapp.training.experiments import experiment_start
        from foodapp.training.models import ModelVersion

        def active(model_name: str) -> ModelVersion:
            return ModelVersion.objects.get(model_name=model_name, state=ModelVersion.State.ACTIVE)

        load_before = load_average()
        started = time.perf_counter()
        setup = evaluation_setup()
        control, treatment = active("food_wide_deep"), active("food_wide")
        experiment = experiment_start(
            control=control, treatment=treatment, treatment_share=options.share
        )
        found = ab_simulate(
            setup=setup,
            experiment=experiment,
            sessions=options.sessions,
            days=options.days,
            seed=options.seed,
        )
        seconds = time.perf_counter() - started
        report, offline = found.report, found.offline_difference
        print(f"history    {setup.run}")
        print(
            f"test       control {report.control.version} (v4) vs treatment "
            f"{report.treatment.version} (v2), share {options.share:.0%}, "
            f"{options.sessions:,} sessions over {options.days:g} days, seed {options.seed}"
        )
        for name, arm in (("control", report.control), ("treatment", report.treatment)):
            low, high = arm.order_rate_ci95 or (float("nan"), float("nan"))
            rate = float("nan") if arm.order_rate is None else arm.order_rate
            print(
                f"{name:<10} people {arm.people:,}  sessions {arm.sessions:,}  impressions "
                f"{arm.impressions:,}  orders {arm.orders:,}  orders/session "
                f"{rate:.3f} [{low:.3f}, {high:.3f}]"
            )
        if report.difference is None or report.difference_ci95 is None:
            print("A/B        no difference (an arm has no sessions)")
            return
        low, high = report.difference_ci95
        print(
            f"A/B        treatment - control {report.difference:+.3f} [{low:+.3f}, {high:+.3f}]"
            f"  verdict: {report.verdict or 'none (the interval includes 0)'}"
        )
        covered = low <= offline.mean <= high
        print(
            f"paired     v2 - v4 over the same sessions {offline.mean:+.3f} "
            f"[{offline.low:+.3f}, {offline.high:+.3f}]: "
            f"{'inside' if covered else 'OUTSIDE'} the A/B interval"
        )
        print(f"machine    {machine_summary()}")
        print(f"python     {platform.python_version()}")
        loads = f"load {load_before} at the start, {load_average()} at the end"
        print(f"time       {seconds:.0f} s, {loads}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
