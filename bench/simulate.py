"""Benchmark `simulate`: events written per second into a throwaway database.

Run from the repository root:
    python bench/simulate.py [--users 2000] [--sessions 100000] [--seed 7] [--postgres]

SQLite uses a temporary file; --postgres creates (and drops afterwards) a scratch database on the
server of DATABASE_URL (default: the local PostgreSQL), so no existing data is touched
(see scratch_db.py).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from machine_info import machine_summary  # noqa: E402
from options import positive  # noqa: E402
from scratch_db import database_prepare, scratch_database  # noqa: E402


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=positive, default=2000)
    parser.add_argument("--sessions", type=positive, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument(
        "--profile", action="store_true", help="also print where the time goes (cProfile)"
    )
    return parser.parse_args()


def main() -> None:
    """Set up the database, simulate, print the figures and the machine."""
    options = arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    # Measured as deployed: DEBUG off (its query log alone costs SQLite a few percent).
    os.environ.setdefault("DJANGO_DEBUG", "0")
    _, drop = scratch_database(postgres=options.postgres, prefix="bench-simulate-")
    import django

    django.setup()
    from django.db import connection

    from foodapp.simulation.services import simulation_run

    dishes = database_prepare()
    profiler = cProfile.Profile() if options.profile else None
    began, cpu_began = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    summary = simulation_run(users=options.users, sessions=options.sessions, seed=options.seed)
    if profiler is not None:
        profiler.disable()
    total, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    events = summary.events
    print(f"backend         {connection.vendor}")
    print(f"dishes          {dishes}")
    print(f"people          {summary.users}")
    print(f"sessions        {summary.sessions}")
    print(f"events          {events} {summary.event_counts}")
    print(f"seconds         {total:.2f} wall, {cpu:.2f} CPU of this process")
    print(
        f"events/s        {events / total:,.0f} overall (wall), {events / cpu:,.0f} per CPU second"
    )
    for label, seconds in (
        ("simulate (numpy)", summary.simulate_seconds),
        ("  of which shares", summary.shares_seconds),
        ("build EventInputs", summary.build_seconds),
        ("events_record_bulk", summary.record_seconds),
    ):
        print(f"  {label:<20} {seconds:7.2f}s  {events / max(seconds, 1e-9):>12,.0f} events/s")
    orders = summary.event_counts.get("order", 0)
    share = summary.reorders / max(orders, 1)
    print(f"reorders        {summary.reorders} of {orders} orders ({share:.1%}), no impression")
    print(f"events/s        {summary.events_per_second:,.0f} writing (EventInputs + recording)")
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    print(f"machine         {machine_summary()}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average    {load} (other processes slow the wall-clock figures)")
    print(f"python          {platform.python_version()}")
    print(f"date            {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC")
    drop()


if __name__ == "__main__":
    main()
