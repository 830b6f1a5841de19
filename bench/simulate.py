"""Benchmark `simulate`: events written per second into a throwaway database.

Run from the repository root:
    python bench/simulate.py [--users 2000] [--sessions 100000] [--seed 7] [--postgres]

SQLite uses a temporary file; --postgres creates (and drops afterwards) a scratch database on the
server of DATABASE_URL (default: the local PostgreSQL), so no existing data is touched.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
from machine_info import machine_summary  # noqa: E402

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


def positive(raw: str) -> int:
    """An argparse type for integers >= 1."""
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


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


def catalogue_load() -> int:
    """Load data/food/dishes.csv (through load_catalogue when it exists); return the dish count."""
    from django.core.management import call_command, get_commands

    from foodapp.catalog.models import Dish

    if "load_catalogue" in get_commands():
        call_command("load_catalogue", verbosity=0)
        return Dish.objects.count()
    from foodapp.catalog.dish_input import DishInput
    from foodapp.catalog.services import dishes_upsert_bulk

    with (ROOT / "data" / "food" / "dishes.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    dishes_upsert_bulk(
        dishes=[
            DishInput(
                external_id=row["item_id"],
                name=row["name"],
                cuisine=row["cuisine"],
                course=row["course"],
                tags=tuple(t for t in row["tags"].split("|") if t),
                ingredients=tuple(i for i in row["ingredients"].split("|") if i),
                price=Decimal(row["price"]),
                description=row["description"],
                spice_level=int(row["spice_level"]),
                is_vegetarian=row["vegetarian"] == "true",
                is_vegan=row["vegan"] == "true",
                is_gluten_free=row["gluten_free"] == "true",
            )
            for row in rows
        ]
    )
    return Dish.objects.count()


def postgres_scratch_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database next to `base_url`'s; return its URL and a function dropping it."""
    import psycopg2

    parts = urlsplit(base_url)
    name = f"bench_simulate_{os.getpid()}"
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def main() -> None:
    """Set up the database, simulate, print the figures and the machine."""
    options = arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    # Measured as deployed: DEBUG off (its query log alone costs SQLite a few percent).
    os.environ.setdefault("DJANGO_DEBUG", "0")
    scratch = tempfile.TemporaryDirectory(prefix="bench-simulate-")
    drop: Callable[[], None] = scratch.cleanup
    if options.postgres:
        base_url = os.environ.get("DATABASE_URL", "") or DEFAULT_POSTGRES_URL
        os.environ["DATABASE_URL"], drop = postgres_scratch_database(base_url)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"
    os.environ.setdefault("VAR_DIR", scratch.name)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from foodapp.simulation.services import simulation_run

    call_command("migrate", verbosity=0)
    dishes = catalogue_load()
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
        ("build EventInputs", summary.build_seconds),
        ("events_record_bulk", summary.record_seconds),
    ):
        print(f"  {label:<20} {seconds:7.2f}s  {events / max(seconds, 1e-9):>12,.0f} events/s")
    print(f"events/s        {summary.events_per_second:,.0f} writing (EventInputs + recording)")
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    print(f"machine         {machine_summary()}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average    {load} (other processes slow the wall-clock figures)")
    print(f"python          {platform.python_version()}")
    print(f"date            {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC")
    drop()
    scratch.cleanup()


if __name__ == "__main__":
    main()
