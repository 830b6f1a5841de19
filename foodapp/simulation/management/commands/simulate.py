"""`manage.py simulate`: simulate people and sessions and write them to the interaction log."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.simulation.selectors import simulation_events_exist
from foodapp.simulation.services import SimulationError, SimulationSummary, simulation_run

SHARE_SLICES = (
    ("all", "all sessions"),
    ("head", "head queries"),
    ("tail", "tail queries"),
    ("memorable", "queries with a pair"),
    ("specific", "specific queries"),
    ("general", "general queries"),
    ("feed", "home feed"),
    ("returning_people", "returning people"),
    ("new_people", "new people"),
)


def bounded_int(option: str, minimum: int) -> Callable[[str], int]:
    """An argparse type that accepts integers >= `minimum` and names `option` otherwise."""

    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} must be an integer, not {raw!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{option} must be at least {minimum}, not {value}")
        return value

    return parse


def iso_date(option: str) -> Callable[[str], datetime]:
    """An argparse type reading an ISO date (YYYY-MM-DD) as midnight UTC, naming `option` else."""

    def parse(raw: str) -> datetime:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} must be an ISO date like 2026-09-01, not {raw!r}"
            ) from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    return parse


def share_lines(summary: SimulationSummary) -> list[str]:
    """The value-shares report of a run as printable lines."""
    shares = summary.value_shares or {}
    if not shares:
        return []
    lines = [
        f"Value of the truth's two halves: expected orders per session of {shares['sessions']:,} "
        f"fresh sessions, top-{shares['slate_size']} slates over the whole catalogue:",
        f"  {'slice':<20} {'sessions':>8} {'oracle':>7} {'features':>9} {'memorized':>10} "
        f"{'random':>7} {'memo share':>10} {'feat share':>10}",
    ]
    for key, label in SHARE_SLICES:
        row = shares[key]
        lines.append(
            f"  {label:<20} {row['sessions']:>8,} {row['oracle']:>7.3f} {row['features']:>9.3f} "
            f"{row['memorization']:>10.3f} {row['random']:>7.3f} "
            f"{row['memorization_share']:>10.1%} {row['feature_share']:>10.1%}"
        )
    lines.append(
        "Memorization-only terms (dish quality, query-dish pairs, favourites) carry "
        f"{shares['all']['memorization_share']:.0%} of the oracle's orders overall and "
        f"{shares['head']['memorization_share']:.0%} on head queries; the feature-explained "
        f"terms carry {shares['tail']['feature_share']:.0%} on tail queries and "
        f"{shares['new_people']['feature_share']:.0%} for new people."
    )
    return lines


class Command(BaseCommand):
    help = "Simulate people with hidden tastes and their sessions, written as real events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=bounded_int("--users", 1), default=2000)
        parser.add_argument("--sessions", type=bounded_int("--sessions", 1), default=100_000)
        parser.add_argument("--seed", type=bounded_int("--seed", 0), default=7)
        parser.add_argument(
            "--days", type=bounded_int("--days", 1), default=60, help="length of the period"
        )
        parser.add_argument(
            "--start",
            type=iso_date("--start"),
            default=None,
            help="first day of the period (ISO date, midnight UTC); default: it ends today",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when events already exist"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and simulation_events_exist():
            self.stdout.write("Events already exist; nothing simulated.")
            return
        verbosity = options["verbosity"]

        def progress(written: int, total: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {written}/{total} events")

        try:
            summary = simulation_run(
                users=options["users"],
                sessions=options["sessions"],
                seed=options["seed"],
                days=options["days"],
                start=options["start"],
                progress=progress,
            )
        except SimulationError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{count} {kind}" for kind, count in summary.event_counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Simulation #{summary.run_id}: {summary.users} people, {summary.sessions} "
                f"sessions, {summary.events} events ({counts}) from "
                f"{summary.period_start:%Y-%m-%d} to {summary.period_end:%Y-%m-%d} in "
                f"{summary.seconds:.1f}s ({summary.events_per_second:,.0f} events/s written)."
            )
        )
        orders = summary.event_counts.get("order", 0)
        self.stdout.write(
            f'Organic reorders ("order again", no impression): {summary.reorders:,} of '
            f"{orders:,} orders ({summary.reorders / max(orders, 1):.1%})."
        )
        for line in share_lines(summary):
            self.stdout.write(line)
