"""Training runs (a row the UI polls) and the model versions they export."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The states of a run still in progress: a model has at most one run in them at a time (a
# partial unique index on TrainingRun), so five clicks on "Retrain" make one run.
OPEN_STATES = ("queued", "running")


class ModelVersion(models.Model):
    """One exported version of a named model, as a folder under MODELS_DIR/<name>/<version>/."""

    class State(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active (served)"
        RETIRED = "retired", "Retired"

    model_name = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    model_type = models.CharField(max_length=32, blank=True)
    path = models.CharField(max_length=500)
    state = models.CharField(max_length=16, choices=State.choices, default=State.CANDIDATE)
    metrics = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    training_run = models.ForeignKey(
        "TrainingRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="made_versions",
        help_text="the run that exported this version",
    )
    checksum = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the version folder's files"
    )
    traffic_share = models.FloatField(
        default=0.0, help_text="fraction of the model's requests this version answers (0-1)"
    )
    activation_error = models.TextField(
        blank=True, help_text="why the last attempt to activate this version was refused"
    )

    class Meta:
        ordering = ["model_name", "-version"]
        permissions = [("activate_modelversion", "Can activate (serve) a model version")]
        constraints = [
            models.UniqueConstraint(
                fields=["model_name", "version"], name="training_unique_model_version"
            ),
            models.UniqueConstraint(
                fields=["model_name"],
                condition=models.Q(state="active"),
                name="training_one_active_version_per_model",
            ),
            models.CheckConstraint(
                condition=models.Q(traffic_share__gte=0.0, traffic_share__lte=1.0),
                name="training_traffic_share_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} v{self.version} ({self.state})"


class TrainingRun(models.Model):
    """A request to train a model; the worker claims it, reports progress and links the result."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        # A scheduled run that had nothing new to train on; `note` says why.
        SKIPPED = "skipped", "Skipped"

    model_name = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    result_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the process executing the run every few seconds (TRAINING_HEARTBEAT_SECONDS);
    # older than TRAINING_HEARTBEAT_STALE_SECONDS means the worker is lost.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The data the run trains on: events from data_from (None: the first) until data_until
    # (set to the start of training when not asked for).
    data_from = models.DateTimeField(null=True, blank=True)
    data_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid namespace:pid")
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by "cancel" on a running run; its worker stops at the next training step.
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # Shown in the run list: why a scheduled run was skipped, how a version was started.
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("retrain_model", "Can retrain a model (queue a training run)")]
        constraints = [
            models.UniqueConstraint(
                fields=["model_name"],
                condition=models.Q(state__in=OPEN_STATES),
                name="training_one_open_run_per_model",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} run #{self.pk} ({self.state})"


class Experiment(models.Model):
    """An A/B test: the requests for `model_name` are shared between two versions, sticky per
    person (foodapp.training.experiments); running while `ended_at` is empty."""

    model_name = models.CharField(max_length=64, help_text="the model whose traffic is shared")
    control = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    treatment_share = models.FloatField(
        default=0.1, help_text="fraction of the people who get the treatment (0-1, exclusive)"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    chosen = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the version kept when the test ended",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-started_at"]
        permissions = [("run_experiment", "Can start and end A/B tests between model versions")]
        constraints = [
            models.UniqueConstraint(
                fields=["model_name"],
                condition=models.Q(ended_at__isnull=True),
                name="training_one_running_experiment_per_model",
            ),
            models.CheckConstraint(
                condition=models.Q(treatment_share__gt=0.0, treatment_share__lt=1.0),
                name="training_experiment_share_is_a_proper_fraction",
            ),
        ]

    def __str__(self) -> str:
        control, treatment = self.control, self.treatment
        first = f"{control.model_name}:{control.version}"
        return f"A/B #{self.pk} {first} vs {treatment.model_name}:{treatment.version}"
