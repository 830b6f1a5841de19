"""Test settings: fast hashing, a file-backed SQLite test database so worker processes share it."""

import os
from pathlib import Path

from foodapp.settings.base import *  # noqa: F403
from foodapp.settings.base import DATABASES, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODELS_DIR = Path(os.environ.get("TEST_MODELS_DIR", str(VAR_DIR / "test-models")))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: a Celery worker started by a test must open the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
