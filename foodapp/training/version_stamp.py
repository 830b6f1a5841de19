"""The version stamp: a token in the shared cache that changes whenever what is served changes
(a version registered or activated, an A/B test started or ended); TensorFlow Serving's model
config file (`tfserving_config`) is rewritten at the same moments.

Web processes compare it with the stamp of their own snapshot at most once a second
(`foodapp.training.served`) and reload only when it moved, so serving does not query the database
on every request. The cache alias is SERVING_STAMP_CACHE ("serving": Redis when REDIS_URL is set,
else a file cache under VAR_DIR, shared by the processes of one machine).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import transaction

logger = logging.getLogger(__name__)

STAMP_KEY = "training:served-version-stamp"


def _cache() -> BaseCache:
    return caches[getattr(settings, "SERVING_STAMP_CACHE", "default")]


def version_stamp_read() -> str | None:
    """The current stamp (set to a fresh one when missing); None when the cache is unreachable."""
    try:
        cache = _cache()
        stamp = cache.get(STAMP_KEY)
        if stamp is None:
            cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(STAMP_KEY)
    except Exception:  # Redis down: callers fall back to reloading at most once a second
        logger.warning("version stamp unreadable", exc_info=True)
        return None
    return str(stamp) if stamp is not None else None


def _write_new_stamp() -> None:
    """Store a fresh stamp; a cache that is down is logged (the processes then reload anyway)."""
    try:
        _cache().set(STAMP_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("version stamp not bumped", exc_info=True)


def _served_changed() -> None:
    """Bump the stamp, forget this process's snapshot, rewrite TensorFlow Serving's config."""
    from foodapp.training.served import SERVED
    from foodapp.training.tfserving_config import tfserving_config_write

    _write_new_stamp()
    SERVED.invalidate()
    tfserving_config_write()


def version_stamp_bump() -> None:
    """Tell every web process (and TensorFlow Serving's config file) that what is served changed.

    Bumped at once (this process and a reader outside the transaction see it) and again when
    the current transaction commits: a process that reloaded between the two read the old rows,
    and the second bump makes it reload the committed ones.
    """
    _served_changed()
    transaction.on_commit(_served_changed)
