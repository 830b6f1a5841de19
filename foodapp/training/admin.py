"""Admin for training runs and model versions: queue a retrain or cancel it, activate a version
(only one that passes the safe-activation checks)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from foodapp.training import services
from foodapp.training.admin_views import (
    POLL_SCRIPT,
    RunAdminPagesMixin,
    VersionMetricsAdminMixin,
)
from foodapp.training.experiment_admin import ExperimentActionsMixin
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.permissions import ACTIVATE_PERMISSION, RETRAIN_PERMISSION


class ActionPermissionsMixin:
    """Answer 403 when a POST names an action the user lacks a permission for.

    Django's admin hides such actions and ignores them when posted, answering a redirect; an
    action that changes what is trained or served is refused plainly instead.
    """

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            for name in request.POST.getlist("action"):
                action = getattr(self, name, None) if name in (self.actions or ()) else None  # type: ignore[attr-defined]
                for permission in getattr(action, "allowed_permissions", ()):
                    if not getattr(self, f"has_{permission}_permission")(request):
                        raise PermissionDenied
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


def _run_link(run: TrainingRun) -> str:
    """A link to a run's admin page."""
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:training_trainingrun_change", args=[run.pk]), run
    )


@admin.register(TrainingRun)
class TrainingRunAdmin(RunAdminPagesMixin, ActionPermissionsMixin, admin.ModelAdmin[TrainingRun]):
    list_display = (
        "id",
        "model_name",
        "live_state",
        "live_progress",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "result_version",
        "requested_by",
    )
    list_filter = ("model_name", "state")
    readonly_fields = (
        "state",
        "live_progress",
        "note",
        "metrics_table",
        "tensorboard",
        "version_made",
        "progress",
        "error",
        "celery_task_id",
        "result_version",
        "created_at",
        "started_at",
        "heartbeat_at",
        "worker",
        "attempts",
        "cancel_requested_at",
        "data_from",
        "data_until",
        "finished_at",
        "requested_by",
    )
    fields = ("model_name", "params", *readonly_fields)
    actions = ("cancel_selected",)

    class Media:
        js = (POLL_SCRIPT,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_retrain_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RETRAIN_PERMISSION)

    @admin.action(description="Cancel the selected runs", permissions=["retrain"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        for run in queryset:
            try:
                run = services.training_run_cancel(run=run)
            except services.TrainingRunNotOpenError as error:
                self.message_user(request, str(error), messages.WARNING)
                continue
            if run.state == TrainingRun.State.CANCELLED:
                self.message_user(request, f"Cancelled {run}.", messages.SUCCESS)
            else:
                self.message_user(
                    request, f"{run}: cancel requested; it stops at its next training step."
                )


@admin.register(ModelVersion)
class ModelVersionAdmin(
    VersionMetricsAdminMixin,
    ExperimentActionsMixin,
    ActionPermissionsMixin,
    admin.ModelAdmin[ModelVersion],
):
    list_display = (
        "model_name",
        "version",
        "model_type",
        "state",
        *VersionMetricsAdminMixin.metric_columns,
        "traffic_share",
        "created_at",
        "activated_at",
        "activation_error",
    )
    list_filter = ("model_name", "state", "model_type")
    readonly_fields = (
        "model_name",
        "version",
        "model_type",
        "path",
        "state",
        "traffic_share",
        "training_run",
        "checksum",
        "activation_error",
        "metrics",
        "metadata",
        "created_at",
        "activated_at",
    )
    actions = (
        "activate_selected",
        "rollback_selected",
        "retrain_selected",
        *ExperimentActionsMixin.experiment_actions,
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_retrain_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RETRAIN_PERMISSION)

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTIVATE_PERMISSION)

    @admin.action(description="Activate (serve) the selected version", permissions=["activate"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        version = queryset.get()
        try:
            services.model_version_activate_safely(version=version)
        except services.ActivationRefusedError as error:
            self.message_user(request, f"{version}: {error}", messages.ERROR)
            return
        self.message_user(request, f"{version} is now served.", messages.SUCCESS)

    @admin.action(
        description="Roll back: serve again the version active before the current one",
        permissions=["activate"],
    )
    def rollback_selected(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        for model_name in sorted(set(queryset.values_list("model_name", flat=True))):
            try:
                version = services.model_version_rollback(model_name=model_name)
            except services.ActivationRefusedError as error:
                self.message_user(request, f"{model_name}: {error}", messages.ERROR)
                continue
            self.message_user(request, f"Rolled back: {version} is served.", messages.SUCCESS)

    @admin.action(
        description="Retrain: queue a new run with the same model type", permissions=["retrain"]
    )
    def retrain_selected(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        for version in queryset:
            params = {"model_type": version.model_type} if version.model_type else {}
            try:
                run = services.training_run_start(
                    model_name=version.model_name, params=params, requested_by=request.user
                )
            except services.TrainingRunAlreadyOpenError as error:
                text = f"{version.model_name} is already running: "
                self.message_user(
                    request, format_html("{}{}", text, _run_link(error.run)), messages.WARNING
                )
                continue
            if run.state == TrainingRun.State.FAILED:
                self.message_user(request, f"{run}: {run.error}", messages.ERROR)
                continue
            self.message_user(request, format_html("Queued {}.", _run_link(run)), messages.SUCCESS)
