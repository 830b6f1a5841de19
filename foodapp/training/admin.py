"""Admin for training runs and model versions: queue a retrain, activate a version."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin[TrainingRun]):
    list_display = (
        "id",
        "model_name",
        "state",
        "created_at",
        "started_at",
        "finished_at",
        "result_version",
        "requested_by",
    )
    list_filter = ("model_name", "state")
    readonly_fields = (
        "state",
        "progress",
        "error",
        "celery_task_id",
        "result_version",
        "created_at",
        "started_at",
        "finished_at",
        "requested_by",
    )
    fields = ("model_name", "params", *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin[ModelVersion]):
    list_display = ("model_name", "version", "model_type", "state", "created_at", "activated_at")
    list_filter = ("model_name", "state", "model_type")
    readonly_fields = (
        "model_name",
        "version",
        "model_type",
        "path",
        "state",
        "metrics",
        "metadata",
        "created_at",
        "activated_at",
    )
    actions = ("activate_selected", "retrain_selected")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Activate (serve) the selected version")
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        version = queryset.get()
        try:
            services.model_version_activate(version=version)
        except FileNotFoundError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"{version} is now served.", messages.SUCCESS)

    @admin.action(description="Retrain: queue a new run with the same model type")
    def retrain_selected(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        for version in queryset:
            params = {"model_type": version.model_type} if version.model_type else {}
            run = services.training_run_start(
                model_name=version.model_name, params=params, requested_by=request.user
            )
            self.message_user(request, f"Queued {run}.", messages.SUCCESS)
