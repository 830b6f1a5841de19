from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from foodapp.catalog.csv_fields import optional_int, required_text
from foodapp.catalog.csv_import import (
    ERROR_MISSING_COLUMNS,
    ERROR_NOT_UTF8,
    BatchOutcome,
    ImportFileError,
    ImportSpec,
    ParsedRow,
    RowProblem,
    import_csv,
)


class Recorder:
    """A writer that records what it was asked to write and refuses the name "reject"."""

    def __init__(self) -> None:
        self.written: list[list[tuple[str, int | None]]] = []

    def __call__(self, rows: Sequence[ParsedRow[tuple[str, int | None]]], dry_run: bool):
        refused = tuple(
            RowProblem(r.line, "name", "refused") for r in rows if r.value[0] == "reject"
        )
        if not dry_run:
            self.written.append([r.value for r in rows if r.value[0] != "reject"])
        return BatchOutcome(created=len(rows) - len(refused), problems=refused)


def spec(recorder: Recorder) -> ImportSpec[tuple[str, int | None]]:
    return ImportSpec(
        required=("name",),
        parse_row=lambda row: (required_text(row, "name"), optional_int(row, "n", low=0, high=9)),
        write_batch=recorder,
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_streams_in_batches_and_reports_bad_rows_with_lines(tmp_path):
    path = write(tmp_path, 'name,n\na,1\n,2\n"multi\nline",3\nb,x\n\nreject,4\nc,5\n')
    recorder = Recorder()
    summary = import_csv(path=path, spec=spec(recorder), batch_size=2, progress=None)
    assert recorder.written == [[("a", 1), ("multi\nline", 3)], [("c", 5)]]
    assert (summary.rows, summary.created, summary.bad_rows) == (6, 3, 3)
    assert summary.problem_lines() == [
        f"{path}:3: name: is required",
        f"{path}:6: n: 'x' is not a whole number",
        f"{path}:8: name: refused",
    ]


def test_dry_run_and_strict_write_nothing_when_a_row_is_bad(tmp_path):
    path = write(tmp_path, "name,n\na,1\nb,99\n")
    recorder = Recorder()
    checked = import_csv(path=path, spec=spec(recorder), dry_run=True, progress=None)
    assert (checked.created, checked.bad_rows) == (1, 1)
    summary = import_csv(path=path, spec=spec(recorder), strict=True, progress=None)
    assert summary.bad_rows == 1
    assert recorder.written == []


def test_strict_writes_a_clean_file(tmp_path):
    recorder = Recorder()
    import_csv(path=write(tmp_path, "name\na\n"), spec=spec(recorder), strict=True, progress=None)
    assert recorder.written == [[("a", None)]]


def test_file_level_problems(tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        import_csv(path=tmp_path / "missing.csv", spec=spec(Recorder()), progress=None)
    path = write(tmp_path, "title,n\na,1\n")
    with pytest.raises(ImportFileError) as raised:
        import_csv(path=path, spec=spec(Recorder()), progress=None)
    assert str(raised.value) == ERROR_MISSING_COLUMNS.format(path=path, columns="name")


def test_a_row_that_is_not_utf8_is_a_bad_row(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"name,n\na,1\nCaf\xe9,2\nb,3\n")
    recorder = Recorder()
    summary = import_csv(path=path, spec=spec(recorder), progress=None)
    assert summary.problem_lines() == [f"{path}:3: name: {ERROR_NOT_UTF8}"]
    assert recorder.written == [[("a", 1), ("b", 3)]]
