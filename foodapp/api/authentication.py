"""Token authentication that asks the database once per token every few seconds, not per request.

A checked token's user is kept in this process's memory for settings.API_TOKEN_CACHE_SECONDS
(0 turns it off). Deleting a token or saving its user (deactivating, changing permissions) forgets
the entry in the process that did it at once; other processes see the change within that many
seconds, the price of answering warm API requests with no database round trip.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

DEFAULT_SECONDS = 10
MAX_ENTRIES = 10_000


class _TokenCache:
    """Checked tokens: key -> (user, token, expiry), at most MAX_ENTRIES (oldest dropped)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[Any, Token, float]] = {}

    def get(self, key: str) -> tuple[Any, Token] | None:
        """The user and token checked for this key, if still fresh."""
        with self.lock:
            entry = self.entries.get(key)
        if entry is None or entry[2] < time.monotonic():
            return None
        # A copy: requests must not share (and mutate) one user object.
        return copy.copy(entry[0]), entry[1]

    def put(self, key: str, user: Any, token: Token, seconds: float) -> None:
        """Remember a checked token for `seconds`."""
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                del self.entries[next(iter(self.entries))]
            self.entries[key] = (user, token, time.monotonic() + seconds)

    def forget(self, *, key: str | None = None, user_id: Any = None) -> None:
        """Drop the entry of a token, or every entry of a user."""
        with self.lock:
            if key is not None:
                self.entries.pop(key, None)
            if user_id is not None:
                for stale in [k for k, e in self.entries.items() if e[0].pk == user_id]:
                    del self.entries[stale]

    def clear(self) -> None:
        """Forget everything (tests)."""
        with self.lock:
            self.entries.clear()


TOKENS = _TokenCache()


def token_cache_seconds() -> float:
    """How long a checked token is trusted without asking the database."""
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", DEFAULT_SECONDS))


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (same header, same errors) with checked tokens kept briefly."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        seconds = token_cache_seconds()
        if seconds <= 0:
            return super().authenticate_credentials(key)
        found = TOKENS.get(key)
        if found is not None:
            return found
        user, token = super().authenticate_credentials(key)
        TOKENS.put(key, copy.copy(user), token, seconds)
        return user, token


@receiver(post_delete, sender=Token)
def _token_deleted(sender: Any, instance: Token, **kwargs: Any) -> None:
    TOKENS.forget(key=instance.key)


@receiver(post_save, sender=get_user_model())
def _user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    TOKENS.forget(user_id=instance.pk)
