"""Impressions of served lists, written in batches by one background thread per process.

Writing a list's impressions inside its request made every warm (cached) answer a database write
transaction, and under load the requests queued for the database's write lock. Here a request only
queues its list's impression events (ranker, version, positions and the time it was served, from
`impression_inputs`); the writer thread stores everything queued at most FLUSH_SECONDS later
with one `events_record_bulk` call: one look-up of the people and dishes and one INSERT per 5,000
events, where a transaction per list cost about 2 ms of the worker's CPU each (measured: 300
lists in 440-650 ms). A batch that fails validation (say, a person deleted meanwhile) is written
again list by list, so that one bad list loses only itself. The price: a process that dies
without exiting loses its last fraction of a second of impressions (what people were shown, never
what they did: their events are stored in their own request). A normal exit writes what is
queued. With settings.API_IMPRESSIONS_BATCHED = False (the API tests), a request writes its own
impressions at once.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections, connections, transaction

from foodapp.interactions.services import EventInput, EventValidationError, events_record_bulk
from foodapp.recommendations.engine import Ranking
from foodapp.recommendations.services import impression_inputs, impressions_record

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 0.25
MAX_QUEUED = 20_000


class ImpressionWriter:
    """A queue of served lists and the thread that writes them."""

    def __init__(self, *, flush_seconds: float = FLUSH_SECONDS, max_queued: int = MAX_QUEUED):
        self.flush_seconds = flush_seconds
        self.max_queued = max_queued
        self._queued: list[list[EventInput]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, *, user_id: int, ranking: Ranking, query: str) -> int:
        """Queue one served list; returns how many impressions it holds."""
        events = impression_inputs(user_id=user_id, ranking=ranking, query=query)
        if not events:
            return 0
        with self._lock:
            if len(self._queued) >= self.max_queued:
                logger.error("impression queue full: %d lists dropped", len(self._queued))
                self._queued.clear()
            self._queued.append(events)
            self._thread_running()
        return len(events)

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
        """Write every queued list now; returns the impressions written."""
        with self._flush_lock:
            with self._lock:
                batch, self._queued = self._queued, []
            if not batch:
                return 0
            try:
                close_old_connections()
                try:
                    with transaction.atomic():  # all or nothing, so the retry duplicates none
                        return events_record_bulk(events=[e for events in batch for e in events])
                except EventValidationError:
                    return self._write_each(batch)
            except Exception:
                logger.exception("impressions not stored: %d lists lost", len(batch))
                return 0

    @staticmethod
    def _write_each(batch: list[list[EventInput]]) -> int:
        """Write the lists one by one, each in its own savepoint: a bad list loses only itself."""
        written = 0
        with transaction.atomic():
            for events in batch:
                try:
                    with transaction.atomic():
                        written += events_record_bulk(events=events)
                except EventValidationError as error:
                    logger.warning(
                        "impressions of user %s not stored: %s", events[0].user_id, error
                    )
        return written


WRITER = ImpressionWriter()
atexit.register(WRITER.flush)


def impressions_queue(*, user_id: int, ranking: Ranking, query: str) -> int:
    """Log a served list as the person's impressions (batched unless API_IMPRESSIONS_BATCHED is
    False); returns how many impressions it holds."""
    if not getattr(settings, "API_IMPRESSIONS_BATCHED", True):
        return impressions_record(user_id=user_id, ranking=ranking, query=query)
    return WRITER.add(user_id=user_id, ranking=ranking, query=query)
