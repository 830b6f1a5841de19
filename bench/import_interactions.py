"""Benchmark `import_interactions`: rows per second and peak memory on a generated log.

Run from the repository root:
    python bench/import_interactions.py [--rows 1000000] [--users 20000] [--seed 7] [--postgres]
        [--again]

Writes a CSV of `--rows` interactions (users, dishes of the shipped catalogue, all five event
types, Unix timestamps, queries and sessions; seeded) into a temporary folder, imports it into a
throwaway database (see scratch_db.py) with the command's defaults, and prints the time, the
rate, the process's resident memory before the import and its peak during it (Linux: the peak
is reset through /proc/self/clear_refs just before the import), and the events stored. With
--again it imports the same file a second time, which must update, not duplicate.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from machine_info import machine_summary  # noqa: E402
from options import positive  # noqa: E402
from scratch_db import database_prepare, scratch_database  # noqa: E402

HEADER = ("user_id", "item_id", "event", "value", "timestamp", "query", "session_id")
EVENTS = ("impression", "click", "order", "rating", "search")
EVENT_WEIGHTS = (70, 12, 6, 4, 8)
QUERIES = ("fried chicken", "seafood", "iced decaf latte with nonfat milk", "pizza", "ramen")
START = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=positive, default=1_000_000)
    parser.add_argument("--users", type=positive, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument("--again", action="store_true", help="import the file a second time")
    return parser.parse_args()


def item_ids() -> list[str]:
    """The item_id column of the shipped catalogue."""
    with (ROOT / "data" / "food" / "dishes.csv").open(newline="") as handle:
        return [row["item_id"] for row in csv.DictReader(handle)]


def log_write(path: Path, *, rows: int, users: int, seed: int) -> None:
    """Write `rows` distinct interactions, one per second of simulated time, row by row."""
    draw = random.Random(seed)
    items = item_ids()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        kinds = draw.choices(EVENTS, weights=EVENT_WEIGHTS, k=rows)
        for n, kind in enumerate(kinds):
            user = draw.randrange(users)
            writer.writerow(
                [
                    f"u{user}",
                    "" if kind == "search" else draw.choice(items),
                    kind,
                    draw.randint(1, 5) if kind == "rating" else "",
                    START + n,
                    draw.choice(QUERIES) if kind != "rating" and draw.random() < 0.6 else "",
                    f"s{user}-{n // 20}",
                ]
            )


def memory_kib(field: str) -> int | None:
    """A VmRSS/VmHWM figure of this process from /proc/self/status, in KiB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_reset() -> bool:
    """Reset this process's peak resident memory to its current size (Linux); True if done."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def mib(kib: int | None) -> str:
    """KiB as MiB for printing."""
    return "unknown" if kib is None else f"{kib / 1024:,.0f} MiB"


def import_once(path: Path) -> tuple[float, int | None, int | None]:
    """Import the file; return seconds, resident KiB before and peak KiB during the import."""
    from django.core.management import call_command

    reset = peak_reset()
    before = memory_kib("VmRSS")
    began = time.perf_counter()
    call_command("import_interactions", str(path), verbosity=0)
    seconds = time.perf_counter() - began
    return seconds, before, memory_kib("VmHWM") if reset else None


def main() -> None:
    """Write the log, set up the database, import, print the figures and the machine."""
    options = arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")  # as deployed
    folder, drop = scratch_database(postgres=options.postgres, prefix="bench-import-")
    import django

    django.setup()
    from django.db import connection

    from foodapp.interactions.models import Event

    dishes = database_prepare()
    log = folder / "interactions.csv"
    began = time.perf_counter()
    log_write(log, rows=options.rows, users=options.users, seed=options.seed)
    print(f"backend         {connection.vendor}")
    print(f"dishes          {dishes}")
    print(
        f"file            {options.rows:,} rows, {log.stat().st_size / 2**20:,.0f} MiB "
        f"(written in {time.perf_counter() - began:.1f}s)"
    )
    for label in ("import", "again") if options.again else ("import",):
        seconds, before, peak = import_once(log)
        print(
            f"{label:<15} {seconds:.1f}s, {options.rows / seconds:,.0f} rows/s; resident "
            f"{mib(before)} before, peak {mib(peak)} during"
        )
        print(f"events stored   {Event.objects.count():,}")
    print(f"machine         {machine_summary()}")
    print(f"python          {platform.python_version()}")
    print(f"date            {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC")
    drop()


if __name__ == "__main__":
    main()
