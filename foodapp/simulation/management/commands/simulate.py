"""`manage.py simulate`: simulate people and sessions and write them to the interaction log."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.simulation.selectors import simulation_events_exist
from foodapp.simulation.services import SimulationError, simulation_run


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
