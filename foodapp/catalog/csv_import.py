"""Streaming, batched, validated CSV imports shared by the import commands (Django-free).

A file is read row by row; each row is parsed into an input object or reported as a problem
(file, line, field, message). Good rows are handed to a writer in batches; the writer checks
what needs the database (e.g. unknown items), reports those rows as problems too and writes
the rest of the batch in one transaction. Nothing is kept in memory beyond one batch.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TextIO, TypeVar

from tqdm import tqdm

from foodapp.catalog.csv_fields import FieldError

ERROR_NO_FILE = "{path}: no such file"
ERROR_EMPTY = "{path}: the file is empty (no header row)"
ERROR_MISSING_COLUMNS = "{path}: line 1: missing required column(s): {columns}"
ERROR_NOT_UTF8 = "is not valid UTF-8"
ERROR_CSV = "{path}: line {line}: {detail}"
ERROR_STRICT = "{count} bad row(s) found; nothing was written (--strict)"
MAX_PROBLEMS_KEPT = 1000

Parsed = TypeVar("Parsed")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, empty, wrong header, bad encoding)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class ParsedRow(Generic[Parsed]):
    line: int
    value: Parsed


@dataclass(frozen=True)
class BatchOutcome:
    """What a writer did with one batch: rows created/updated and the rows it refused."""

    created: int = 0
    updated: int = 0
    problems: tuple[RowProblem, ...] = ()


@dataclass
class ImportSummary:
    path: Path
    rows: int = 0
    created: int = 0
    updated: int = 0
    bad_rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False

    def add_problem(self, problem: RowProblem) -> None:
        """Count a bad row, keeping the first MAX_PROBLEMS_KEPT for the report."""
        self.bad_rows += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)

    def problem_lines(self) -> list[str]:
        """The kept problems as "FILE:LINE: field: message" lines."""
        ordered = sorted(self.problems, key=lambda p: p.line)
        return [f"{self.path}:{p.line}: {p.field}: {p.message}" for p in ordered]

    def text(self) -> str:
        """One line: what was (or, on a dry run, would be) written."""
        verb = "would write" if self.dry_run else "wrote"
        return (
            f"{self.path}: {self.rows} row(s) read, {verb} {self.created} new and "
            f"{self.updated} updated, {self.bad_rows} bad row(s) skipped"
        )


Writer = Callable[[Sequence[ParsedRow[Parsed]], bool], BatchOutcome]


@dataclass(frozen=True)
class ImportSpec(Generic[Parsed]):
    """What one kind of import needs: its columns, a row parser and a batch writer.

    `write_batch(rows, dry_run)` must check everything first and write the accepted rows of the
    batch in one transaction (nothing at all when dry_run is true).
    """

    required: tuple[str, ...]
    parse_row: Callable[[dict[str, str]], Parsed]
    write_batch: Writer[Parsed]


def csv_records(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a UTF-8 CSV file whose header has the required columns."""
    if not path.is_file():
        raise ImportFileError(ERROR_NO_FILE.format(path=path))
    # Undecodable bytes become surrogates, so the bad row (not the file) is reported.
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        yield from _records(handle, path, required)


def _records(
    handle: TextIO, path: Path, required: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of an open CSV handle with their starting line numbers."""
    reader = csv.reader(handle)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportFileError(ERROR_EMPTY.format(path=path)) from None
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFileError(ERROR_MISSING_COLUMNS.format(path=path, columns=", ".join(missing)))
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(
                ERROR_CSV.format(path=path, line=reader.line_num, detail=error)
            ) from None
        if any(value.strip() for value in values):
            yield line, dict(zip(header, values, strict=False))
        line = reader.line_num + 1


def import_csv(
    *,
    path: Path,
    spec: ImportSpec[Parsed],
    batch_size: int = 2000,
    dry_run: bool = False,
    strict: bool = False,
    progress: TextIO | None = sys.stderr,
) -> ImportSummary:
    """Import a CSV file in batches, reporting bad rows instead of stopping at them.

    Args:
        path: the CSV file (UTF-8, header row first).
        spec: the columns, parser and writer of this kind of import.
        batch_size: rows per writer call (and per transaction).
        dry_run: validate everything (including database look-ups) but write nothing.
        strict: validate the whole file first and write nothing if any row is bad.
        progress: where the progress bar goes when it is a terminal (None: no bar).

    Returns:
        The summary: rows read, created, updated, bad rows and the first problems.

    Raises:
        ImportFileError: when the file as a whole cannot be read.
    """
    if strict and not dry_run:
        check = _run(path, spec, batch_size, dry_run=True, progress=progress)
        if check.bad_rows:
            return check
    return _run(path, spec, batch_size, dry_run=dry_run, progress=progress)


def _run(
    path: Path,
    spec: ImportSpec[Parsed],
    batch_size: int,
    *,
    dry_run: bool,
    progress: TextIO | None,
) -> ImportSummary:
    """One pass over the file."""
    summary = ImportSummary(path=path, dry_run=dry_run)
    batch: list[ParsedRow[Parsed]] = []
    bar = tqdm(
        desc=f"{path.name}{' (check)' if dry_run else ''}",
        unit=" rows",
        file=progress,
        # None: shown on a terminal only, so pipes and logs stay clean.
        disable=True if progress is None else None,
        mininterval=0.5,
    )
    with bar:
        for line, record in csv_records(path, spec.required):
            summary.rows += 1
            bar.update(1)
            try:
                _check_encoding(record)
                batch.append(ParsedRow(line, spec.parse_row(record)))
            except FieldError as error:
                summary.add_problem(RowProblem(line, error.field, error.message))
            if len(batch) >= batch_size:
                _flush(spec, batch, summary, dry_run)
                batch = []
        if batch:
            _flush(spec, batch, summary, dry_run)
    return summary


def _check_encoding(record: dict[str, str]) -> None:
    """Raise FieldError for the first cell holding bytes that were not UTF-8."""
    for name, value in record.items():
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise FieldError(name, ERROR_NOT_UTF8) from None


def _flush(
    spec: ImportSpec[Parsed],
    batch: Sequence[ParsedRow[Parsed]],
    summary: ImportSummary,
    dry_run: bool,
) -> None:
    """Hand one batch to the writer and add its outcome to the summary."""
    outcome = spec.write_batch(batch, dry_run)
    summary.created += outcome.created
    summary.updated += outcome.updated
    for problem in outcome.problems:
        summary.add_problem(problem)
