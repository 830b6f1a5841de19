"""Read-only admin list of simulation runs."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from foodapp.simulation.models import SimulationRun


@admin.register(SimulationRun)
class SimulationRunAdmin(admin.ModelAdmin[SimulationRun]):
    list_display = ("id", "created_at", "state", "seed", "users", "sessions", "seconds")
    list_filter = ("state",)
    readonly_fields = [field.name for field in SimulationRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Runs come from `manage.py simulate`, never from the admin."""
        return False
