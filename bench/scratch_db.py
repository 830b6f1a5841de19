"""A throwaway database for a benchmark, so that no existing data is touched.

SQLite: a file in a temporary folder. PostgreSQL: a database created next to the one of
DATABASE_URL (default: the local server) and dropped afterwards.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


def _postgres_scratch(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database next to `base_url`'s; return its URL and a function dropping it."""
    import psycopg2

    parts = urlsplit(base_url)
    name = f"bench_scratch_{os.getpid()}"
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


def scratch_database(*, postgres: bool, prefix: str) -> tuple[Path, Callable[[], None]]:
    """Point DATABASE_URL and VAR_DIR at a new, empty database and folder (before django.setup).

    Returns:
        The temporary folder, and a function that drops the database and deletes the folder.
    """
    folder = tempfile.TemporaryDirectory(prefix=prefix)
    drop_database: Callable[[], None] = lambda: None  # noqa: E731
    if postgres:
        base_url = os.environ.get("DATABASE_URL", "") or DEFAULT_POSTGRES_URL
        os.environ["DATABASE_URL"], drop_database = _postgres_scratch(base_url)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/bench.sqlite3"
    os.environ["VAR_DIR"] = folder.name

    def cleanup() -> None:
        drop_database()
        folder.cleanup()

    return Path(folder.name), cleanup


def database_prepare() -> int:
    """Migrate the scratch database and load the shipped catalogue; return the dish count."""
    from django.core.management import call_command

    from foodapp.catalog.models import Dish

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    return Dish.objects.count()
