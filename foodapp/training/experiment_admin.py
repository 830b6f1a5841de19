"""Admin for A/B tests: "start A/B test" on the version list (a mixin for its admin), and the
tests' own pages with the per-arm figures and "end, keeping the control / the treatment"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from foodapp.training import experiments
from foodapp.training.models import Experiment, ModelVersion
from foodapp.training.permissions import ACTIVATE_PERMISSION, EXPERIMENT_PERMISSION
from foodapp.training.services import ActivationRefusedError

SELECT_TWO = "Select two versions: the active one (the control) and the one to try (the treatment)."
ERROR_KEEP = "keep: must be control or treatment"
NO_ACTIVE_AMONG = "Neither selected version is active: select the active one as the control."


def _experiment_link(experiment: Experiment) -> SafeString:
    url = reverse("admin:training_experiment_change", args=[experiment.pk])
    return format_html('<a href="{}">{}</a>', url, experiment)


class ExperimentActionsMixin:
    """The version list's "start A/B test" actions (90/10 and 50/50); the admin that mixes it in
    lists `experiment_actions` in its `actions`."""

    experiment_actions = ("start_ab_test_10", "start_ab_test_50")

    def has_experiment_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(EXPERIMENT_PERMISSION)

    def _start(self, request: HttpRequest, queryset: QuerySet[ModelVersion], share: float) -> None:
        chosen = list(queryset[:3])
        if len(chosen) != 2:
            self.message_user(request, SELECT_TWO, messages.ERROR)  # type: ignore[attr-defined]
            return
        active = [v for v in chosen if v.state == ModelVersion.State.ACTIVE]
        if not active:
            self.message_user(request, NO_ACTIVE_AMONG, messages.ERROR)  # type: ignore[attr-defined]
            return
        control = active[0]
        treatment = next(v for v in chosen if v.pk != control.pk)
        try:
            experiment = experiments.experiment_start(
                control=control, treatment=treatment, treatment_share=share, started_by=request.user
            )
        except experiments.ExperimentError as error:
            self.message_user(request, str(error), messages.ERROR)  # type: ignore[attr-defined]
            return
        self.message_user(  # type: ignore[attr-defined]
            request, format_html("Started {}.", _experiment_link(experiment)), messages.SUCCESS
        )

    @admin.action(
        description="Start A/B test: 90%% active version, 10%% the other selected",
        permissions=["experiment"],
    )
    def start_ab_test_10(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        self._start(request, queryset, 0.1)

    @admin.action(
        description="Start A/B test: 50%% active version, 50%% the other selected",
        permissions=["experiment"],
    )
    def start_ab_test_50(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        self._start(request, queryset, 0.5)


def _interval(bounds: tuple[float, float] | None) -> str:
    return f"[{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds is not None else "-"


def arms_table(experiment: Experiment) -> SafeString:
    """The per-arm figures of one test as an HTML table."""
    report = experiments.experiment_arms_report(experiment=experiment)
    return SafeString(
        render_to_string(
            "admin/training/experiment/arms.html",
            {
                "report": report,
                "arms": [
                    {
                        "figures": arm,
                        "rate": "-" if arm.order_rate is None else f"{arm.order_rate:.3f}",
                        "interval": _interval(arm.order_rate_ci95),
                    }
                    for arm in (report.control, report.treatment)
                ],
                "difference": "-" if report.difference is None else f"{report.difference:+.3f}",
                "difference_interval": _interval(report.difference_ci95),
            },
        )
    )


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin[Experiment]):
    list_display = (
        "id",
        "model_name",
        "control",
        "treatment",
        "treatment_share",
        "started_at",
        "ended_at",
        "chosen",
    )
    list_filter = ("model_name",)
    list_select_related = ("control", "treatment", "chosen")
    readonly_fields = (
        "model_name",
        "control",
        "treatment",
        "treatment_share",
        "started_at",
        "ended_at",
        "chosen",
        "started_by",
        "arms",
    )
    fields = readonly_fields
    change_form_template = "admin/training/experiment/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started from the version list

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every field is a record; ending has its own buttons

    @admin.display(description="Per arm")
    def arms(self, obj: Experiment) -> SafeString:
        return arms_table(obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "can_end": request.user.has_perm(EXPERIMENT_PERMISSION)
            and request.user.has_perm(ACTIVATE_PERMISSION),
            "end_url": reverse("admin:training_experiment_end", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[URLPattern]:
        end = path(
            "<int:experiment_id>/end/",
            self.admin_site.admin_view(require_POST(self.end_view)),
            name="training_experiment_end",
        )
        return [end, *super().get_urls()]

    def end_view(self, request: HttpRequest, experiment_id: int) -> HttpResponse:
        """End the test keeping the arm named by POST "keep" (control or treatment)."""
        if not (
            request.user.has_perm(EXPERIMENT_PERMISSION)
            and request.user.has_perm(ACTIVATE_PERMISSION)
        ):
            raise PermissionDenied
        experiment = get_object_or_404(Experiment, pk=experiment_id)
        keep = request.POST.get("keep", "")
        back = HttpResponseRedirect(
            reverse("admin:training_experiment_change", args=[experiment_id])
        )
        if keep not in (experiments.CONTROL, experiments.TREATMENT):
            self.message_user(request, ERROR_KEEP, messages.ERROR)
            return back
        chosen = experiment.control if keep == experiments.CONTROL else experiment.treatment
        try:
            experiments.experiment_end(experiment=experiment, chosen=chosen)
        except (experiments.ExperimentError, ActivationRefusedError) as error:
            self.message_user(request, f"Not ended: {error}", messages.ERROR)
            return back
        self.message_user(request, f"Ended {experiment}: {chosen} is served.", messages.SUCCESS)
        return back
