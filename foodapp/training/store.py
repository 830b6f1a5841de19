"""The model store on disk (MODELS_DIR): half-written exports left by dead runs, checksums.

recommender's exporter writes each version into `<model>/.tmp-<hex>/` and renames it into place;
a worker killed before the rename leaves that folder behind. TensorFlow-free on purpose: the
reaper runs in beat and in web processes.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

# recommender.export.TEMP_PREFIX, spelled here so that this module does not import TensorFlow
# (a test checks that the two agree).
TEMP_PREFIX = ".tmp-"
LOGS_DIR_NAME = "_logs"


def half_written_exports(models_dir: Path, model_name: str) -> list[Path]:
    """The temporary export folders of one model."""
    folder = Path(models_dir) / model_name
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX) and p.is_dir())


def _newest_change(path: Path) -> float:
    """The latest modification time of a folder or anything inside it."""
    newest = path.stat().st_mtime
    for child in path.rglob("*"):
        try:
            newest = max(newest, child.stat().st_mtime)
        except OSError:
            continue
    return newest


def remove_half_written_exports(
    models_dir: Path, model_name: str, *, idle_seconds: float = 0.0
) -> list[Path]:
    """Delete a model's temporary export folders untouched for `idle_seconds`; return them.

    Call it only when no run of the model is open (another run could be exporting).
    """
    removed = []
    now = time.time()
    for path in half_written_exports(models_dir, model_name):
        try:
            if idle_seconds and now - _newest_change(path) < idle_seconds:
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        logger.info("removed half-written export", extra={"path": str(path)})
        removed.append(path)
    return removed


def model_names_on_disk(models_dir: Path) -> Iterable[str]:
    """Names of the model folders in the store (not the logs folder, not hidden entries)."""
    root = Path(models_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name != LOGS_DIR_NAME
    )


def run_log_dir(models_dir: Path, model_name: str, run_id: int) -> Path:
    """The TensorBoard log folder of one run."""
    return Path(models_dir) / LOGS_DIR_NAME / model_name / f"run-{run_id}"


def folder_checksum(folder: Path) -> str:
    """SHA-256 over a version folder: each file's relative path, size and bytes, in path order."""
    digest = hashlib.sha256()
    root = Path(folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        digest.update(f"{name}\0{path.stat().st_size}\0".encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
