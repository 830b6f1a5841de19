"""Stored evaluations of the rankers: what the storyline page and the README report."""

from __future__ import annotations

from django.db import models


class Evaluation(models.Model):
    """One `evaluate food` run: offline and online metrics of every ranker, by slice.

    `result` is the JSON the command prints with --json ({"rankers": {...}, "slices": {...},
    ...}); `versions` names the model version each learned ranker was evaluated with.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    versions = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"evaluation #{self.pk} ({self.created_at:%Y-%m-%d %H:%M})"
