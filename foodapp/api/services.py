"""Writes of the API: an event batch stored once per idempotency key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction

from foodapp.api.models import IdempotencyKey
from foodapp.interactions.services import EventInput, events_record_bulk

KEY_REUSED = (
    "Idempotency-Key {key!r} was already used for a different batch; "
    "send a new key for new events (a retry must repeat the same body)"
)


class IdempotencyKeyReusedError(ValueError):
    """The key names an earlier batch with another body."""


def body_sha256(data: Any) -> str:
    """A hash of a JSON body that ignores key order and whitespace."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def events_record_once(
    *, user_id: int, events: Sequence[EventInput], key: str | None, body_hash: str
) -> tuple[int, bool]:
    """Store a batch of one person's events, all or nothing, at most once per key.

    Args:
        user_id: the person who posted them (the owner of the key).
        events: the validated events.
        key: the client's idempotency key (None: no protection against retries).
        body_hash: `body_sha256` of what was posted, to tell a retry from a reused key.

    Returns:
        How many events the batch stored, and whether this was a replay of a stored batch.

    Raises:
        IdempotencyKeyReusedError: the key was used for another body.
        EventValidationError: an event cannot be stored (nothing of the batch is).
    """
    if key is None:
        with transaction.atomic():
            return events_record_bulk(events=events, batch_size=max(1, len(events))), False
    with transaction.atomic():
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    user_id=user_id, key=key, body_sha256=body_hash, events_stored=len(events)
                )
        except IntegrityError:
            earlier = IdempotencyKey.objects.get(user_id=user_id, key=key)
            if earlier.body_sha256 != body_hash:
                raise IdempotencyKeyReusedError(KEY_REUSED.format(key=key)) from None
            return earlier.events_stored, True
        stored = events_record_bulk(events=events, batch_size=max(1, len(events)))
    return stored, False
