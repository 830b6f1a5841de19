"""A record of each simulation: its parameters, the people it created and its hidden truth."""

from __future__ import annotations

from django.db import models


class SimulationRun(models.Model):
    """One `simulate` run; enough to rebuild its World and ask the truth during evaluation.

    `truth` is the summary of the hidden truth (idiosyncratic pairs, dish qualities, weights). It
    is for evaluation code only and never enters the event log or a model's training data.
    """

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    seed = models.BigIntegerField()
    users = models.PositiveIntegerField()
    sessions = models.PositiveIntegerField()
    days = models.FloatField()
    period_start = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    # Catalogue dish ids in the order the World saw them, and the user id of each person.
    dish_ids = models.JSONField(default=list, blank=True)
    user_ids = models.JSONField(default=list, blank=True)
    event_counts = models.JSONField(default=dict, blank=True)
    truth = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (
            f"simulation #{self.pk} seed {self.seed}: {self.users} people, {self.sessions} sessions"
        )
