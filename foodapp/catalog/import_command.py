"""The base of the CSV import commands: arguments, the run, the report."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.catalog.csv_import import (
    ERROR_STRICT,
    ImportFileError,
    ImportSpec,
    ImportSummary,
    import_csv,
)

STRICT_HELP = "Check the whole file first; write nothing at all if any row is bad."
DRY_RUN_HELP = "Validate every row (including database look-ups) and write nothing."


def import_arguments(parser: ArgumentParser | CommandParser) -> None:
    """Add --dry-run, --strict and --batch-size."""
    parser.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
    parser.add_argument("--strict", action="store_true", help=STRICT_HELP)
    parser.add_argument("--batch-size", type=int, default=2000, help="Rows per transaction.")


class CsvImportCommand(BaseCommand):
    """import_<things> FILE [--dry-run] [--strict] [--batch-size N]."""

    spec: ImportSpec[Any]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, header row first).")
        import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        summary = self.run_import(options["file"], options)
        self.report(summary, strict=options["strict"])

    def run_import(self, path: Path, options: dict[str, Any]) -> ImportSummary:
        """Import one file with the command's spec and options."""
        try:
            return import_csv(
                path=path,
                spec=self.spec,
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
                strict=options["strict"],
                progress=self.progress_stream(options),
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from None

    def progress_stream(self, options: dict[str, Any]) -> TextIO | None:
        """The command's stderr for the progress bar; none at verbosity 0."""
        if options.get("verbosity", 1) == 0:
            return None
        return cast(TextIO, self.stderr._out)

    def report(self, summary: ImportSummary, *, strict: bool) -> None:
        """Bad rows to stderr, the summary to stdout; --strict with bad rows fails."""
        for line in summary.problem_lines():
            self.stderr.write(line)
        if summary.bad_rows > len(summary.problems):
            self.stderr.write(f"... and {summary.bad_rows - len(summary.problems)} more")
        if strict and summary.bad_rows:
            raise CommandError(f"{summary.path}: " + ERROR_STRICT.format(count=summary.bad_rows))
        style = self.style.WARNING if summary.bad_rows else self.style.SUCCESS
        self.stdout.write(style(summary.text()))
