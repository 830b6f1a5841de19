"""What the API itself stores: the idempotency keys of event batches, and the API's own rights."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """One event batch a client posted under a key: a retry with the same body is stored once.

    The body's SHA-256 tells a retry (same key, same body: answered as before) from a mistake
    (same key, another body: refused).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_idempotency_keys"
    )
    key = models.CharField(max_length=200)
    body_sha256 = models.CharField(max_length=64)
    events_stored = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_one_batch_per_key"),
        ]
        permissions = [
            (
                "view_any_person",
                "Can read any person's suggestions and history through the API (user_id=)",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} by user {self.user_id}"
