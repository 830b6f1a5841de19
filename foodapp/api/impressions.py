"""Impressions of served lists, written in batches by one background thread per process.

Writing a list's impressions inside its request made every warm (cached) answer a database write
transaction, and under load the requests queued for the database's write lock. Here a request only
queues its list; the writer thread stores everything queued in one transaction, through
`impressions_record` (ranker, version and positions as before), at most IMPRESSIONS_FLUSH_SECONDS
later. The price: a process that dies without exiting loses its last fraction of a second of
impressions (what people were shown, never what they did: their events are stored in their own
request). A normal exit writes what is queued. With settings.API_IMPRESSIONS_BATCHED = False (the
API tests), a request writes its own impressions at once.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from foodapp.interactions.services import EventValidationError
from foodapp.recommendations.engine import Ranking
from foodapp.recommendations.services import impressions_record

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.25
MAX_QUEUED = 20_000


class ImpressionWriter:
    """A queue of served lists and the thread that writes them."""

    def __init__(self, *, flush_seconds: float = FLUSH_SECONDS, max_queued: int = MAX_QUEUED):
        self.flush_seconds = flush_seconds
        self.max_queued = max_queued
        self._queued: list[tuple[int, Ranking, str]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, *, user_id: int, ranking: Ranking, query: str) -> int:
        """Queue one served list; returns how many impressions it holds."""
        with self._lock:
            if len(self._queued) >= self.max_queued:
                logger.error("impression queue full: %d lists dropped", len(self._queued))
                self._queued.clear()
            self._queued.append((user_id, ranking, query))
            self._thread_running()
        return len(ranking.suggestions)

    def _thread_running(self) -> None:
        """Start the writer thread in this process (again after a fork: threads do not follow)."""
        if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="impressions", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        """Write what is queued every flush_seconds."""
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self.flush():
                # No connection left open between batches (nor to a test database being dropped).
                connections.close_all()

    def flush(self) -> int:
        """Write every queued list now, in one transaction; returns the impressions written."""
        with self._flush_lock:
            with self._lock:
                batch, self._queued = self._queued, []
            if not batch:
                return 0
            written = 0
            try:
                close_old_connections()
                with transaction.atomic():
                    for user_id, ranking, query in batch:
                        try:  # each list in its own savepoint: one bad list loses only itself
                            written += impressions_record(
                                user_id=user_id, ranking=ranking, query=query
                            )
                        except EventValidationError as error:
                            logger.warning("impressions of user %s not stored: %s", user_id, error)
            except Exception:
                logger.exception("impressions not stored: %d lists lost", len(batch))
                return 0
            return written


WRITER = ImpressionWriter()
atexit.register(WRITER.flush)


def impressions_queue(*, user_id: int, ranking: Ranking, query: str) -> int:
    """Log a served list as the person's impressions (batched unless API_IMPRESSIONS_BATCHED is
    False); returns how many impressions it holds."""
    if not getattr(settings, "API_IMPRESSIONS_BATCHED", True):
        return impressions_record(user_id=user_id, ranking=ranking, query=query)
    return WRITER.add(user_id=user_id, ranking=ranking, query=query)
