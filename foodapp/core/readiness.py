"""Readiness checks: can this process reach its database, its broker and its model store?

A failing check's detail (host, port, database and role names, paths) goes to the log and to
staff only; the public answer names the failing part and nothing else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str


def check_database() -> CheckResult:
    """Run a trivial query on the default database."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return CheckResult(False, f"{type(error).__name__}: {error}")
    return CheckResult(True, connections["default"].vendor)


def check_broker() -> CheckResult:
    """Open (and close) a connection to the Celery broker."""
    from foodapp.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
            transport = connection.transport_cls
    except Exception as error:
        return CheckResult(False, f"{type(error).__name__}: {error}")
    return CheckResult(True, str(transport))


def check_model_store() -> CheckResult:
    """The models folder exists (or can be made) and is writable."""
    models_dir = Path(settings.MODELS_DIR)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return CheckResult(False, f"cannot create {models_dir}: {error.strerror}")
    if not os.access(models_dir, os.W_OK):
        return CheckResult(False, f"{models_dir} is not writable")
    return CheckResult(True, str(models_dir))


CHECKS: dict[str, Callable[[], CheckResult]] = {
    "database": check_database,
    "broker": check_broker,
    "model_store": check_model_store,
}


def readiness_report(*, details: bool = True) -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every check and log each failure with its detail.

    Returns:
        (all ok, {name: {"ok": bool, "detail": str}}), without "detail" unless `details`.
    """
    results = {name: check() for name, check in CHECKS.items()}
    for name, result in results.items():
        if not result.ok:
            logger.warning("readiness check %s failed: %s", name, result.detail)
    report: dict[str, dict[str, object]] = {
        name: {"ok": r.ok, "detail": r.detail} if details else {"ok": r.ok}
        for name, r in results.items()
    }
    return all(r.ok for r in results.values()), report
