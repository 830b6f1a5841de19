"""The training admin's own pages and columns: the "Retrain" form of each model, the run list's
live progress (a JSON status endpoint the run list polls), a run's metrics and TensorBoard, and
the version list's metrics side by side."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from foodapp.training import services
from foodapp.training.forms import RetrainForm
from foodapp.training.models import OPEN_STATES, ModelVersion, TrainingRun
from foodapp.training.permissions import RETRAIN_PERMISSION
from foodapp.training.registry import UnknownModelError, registered_model_names, trainer_for
from foodapp.training.run_status import run_progress_percent, run_progress_text, training_run_status
from foodapp.training.store import run_log_dir

STATUS_IDS_INVALID = "ids: expected comma-separated run ids, got {value!r}"
STATUS_IDS_MAX = 200
POLL_SCRIPT = "js/training-runs.js"
# The metrics the version list shows side by side: (column title, where to find it).
VERSION_METRIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("test AUC", "roc_auc"),
    ("test nDCG@10", "ndcg@10"),
    ("test accuracy", "accuracy"),
    ("eval AUC", "evaluation.auc"),
    ("eval nDCG@10", "evaluation.ndcg@10"),
    ("eval orders/session", "evaluation.online_order_rate"),
)


def run_admin_link(run: TrainingRun) -> SafeString:
    """A link to a run's admin page."""
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:training_trainingrun_change", args=[run.pk]), run
    )


def tensorboard_command(run: TrainingRun) -> str:
    """The shell command that shows one run's TensorBoard logs."""
    folder = run_log_dir(Path(settings.MODELS_DIR), run.model_name, run.pk)
    return f"tensorboard --logdir {folder}"


def tensorboard_url(run: TrainingRun) -> str:
    """A link into the TensorBoard that serves every run's logs (TENSORBOARD_URL, on the
    MODELS_DIR/_logs folder), filtered to this run; "" when no TensorBoard URL is set."""
    base = str(getattr(settings, "TENSORBOARD_URL", "") or "").rstrip("/")
    if not base:
        return ""
    run_name = f"{run.model_name}/run-{run.pk}"
    return f"{base}/?{urlencode({'runFilter': f'^{run_name}$'})}#timeseries"


class RunAdminPagesMixin:
    """The run admin's extra pages (retrain form, status JSON) and live columns."""

    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = super().get_urls()  # type: ignore[misc]
        site = self.admin_site  # type: ignore[attr-defined]
        return [
            path(
                "retrain/<str:model_name>/",
                site.admin_view(self.retrain_view),
                name="training_trainingrun_retrain",
            ),
            path("status/", site.admin_view(self.status_view), name="training_trainingrun_status"),
            *urls,
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "retrain_models": registered_model_names()
            if request.user.has_perm(RETRAIN_PERMISSION)
            else [],
        }
        return super().changelist_view(request, context)  # type: ignore[misc]

    def retrain_view(self, request: HttpRequest, model_name: str) -> HttpResponse:
        """The "Retrain" form of one model: GET shows it, POST queues a run (403 without the
        retrain permission, and nothing is queued)."""
        if not request.user.has_perm(RETRAIN_PERMISSION):
            raise PermissionDenied
        try:
            trainer = trainer_for(model_name)
        except UnknownModelError as error:
            raise Http404(str(error)) from None
        form = RetrainForm(request.POST or None, trainer=trainer)
        if request.method == "POST" and form.is_valid():
            return self._retrain(request, model_name, form)
        open_run = TrainingRun.objects.filter(model_name=model_name, state__in=OPEN_STATES).first()
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": TrainingRun._meta,
            "title": f"Retrain {model_name}",
            "model_name": model_name,
            "trainer": trainer,
            "form": form,
            "open_run": open_run,
        }
        return TemplateResponse(request, "admin/training/retrain.html", context)

    def _retrain(self, request: HttpRequest, model_name: str, form: RetrainForm) -> HttpResponse:
        """Queue the run the valid form describes; say so, or say it is already running."""
        changelist = reverse("admin:training_trainingrun_changelist")
        try:
            run = services.training_run_start(
                model_name=model_name,
                params=form.params,
                requested_by=request.user,
                data_from=form.cleaned_data.get("data_from"),
                data_until=form.cleaned_data.get("data_until"),
            )
        except services.TrainingRunAlreadyOpenError as error:
            text = f"{model_name} is already running: "
            messages.warning(request, format_html("{}{}", text, run_admin_link(error.run)))
            return HttpResponseRedirect(
                reverse("admin:training_trainingrun_change", args=[error.run.pk])
            )
        if run.state == TrainingRun.State.FAILED:
            messages.error(request, f"{run}: {run.error}")
            return HttpResponseRedirect(changelist)
        messages.success(request, format_html("Queued {}.", run_admin_link(run)))
        return HttpResponseRedirect(changelist)

    def status_view(self, request: HttpRequest) -> HttpResponse:
        """JSON state and progress of the runs named by ?ids=1,2,3 (what the run list polls)."""
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        raw = request.GET.get("ids", "")
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts) or len(parts) > STATUS_IDS_MAX:
            return JsonResponse({"error": STATUS_IDS_INVALID.format(value=raw[:100])}, status=400)
        runs = TrainingRun.objects.filter(pk__in=[int(p) for p in parts]).select_related(
            "result_version"
        )
        return JsonResponse({"runs": [training_run_status(run) for run in runs]})

    @staticmethod
    def _live(run: TrainingRun, inner: SafeString) -> SafeString:
        """A cell the run list's script keeps up to date while the run is open."""
        return format_html(
            '<span data-training-run="{}" data-open="{}" data-status-url="{}">{}</span>',
            run.pk,
            "true" if run.state in OPEN_STATES else "false",
            reverse("admin:training_trainingrun_status"),
            inner,
        )

    def live_state(self, run: TrainingRun) -> SafeString:
        """The run's state, updated without a reload; a skipped run says why."""
        note = format_html(' <small class="training-run-note">{}</small>', run.note)
        return self._live(
            run,
            format_html(
                '<strong data-run-state="">{}</strong>{}',
                run.get_state_display(),
                note if run.note else "",
            ),
        )

    live_state.short_description = "state"  # type: ignore[attr-defined]

    def live_progress(self, run: TrainingRun) -> SafeString:
        """A progress bar and one line of epoch, step and loss, updated without a reload."""
        percent = run_progress_percent(run)
        bar = (
            format_html('<progress max="100" value="{}">{}%</progress>', percent, percent)
            if percent is not None
            else mark_safe('<progress max="100" hidden></progress>')
        )
        return self._live(
            run, format_html('{} <span data-run-text="">{}</span>', bar, run_progress_text(run))
        )

    live_progress.short_description = "progress"  # type: ignore[attr-defined]

    def metrics_table(self, run: TrainingRun) -> SafeString:
        """The metrics of the version the run made, else its latest progress metrics."""
        version = run.result_version
        metrics = version.metrics if version else (run.progress or {}).get("metrics") or {}
        return _metrics_table(metrics)

    metrics_table.short_description = "metrics"  # type: ignore[attr-defined]

    def tensorboard(self, run: TrainingRun) -> SafeString:
        """The TensorBoard command for the run's log folder, and a link to it."""
        url = tensorboard_url(run)
        link = format_html(
            ' <a href="{}" target="_blank" rel="noopener">open in TensorBoard</a>', url
        )
        return format_html("<code>{}</code>{}", tensorboard_command(run), link if url else "")

    tensorboard.short_description = "TensorBoard"  # type: ignore[attr-defined]

    def version_made(self, run: TrainingRun) -> SafeString:
        """A link to the version the run made, with its state."""
        version = run.result_version
        if version is None:
            return format_html("{}", "-")
        url = reverse("admin:training_modelversion_change", args=[version.pk])
        return format_html('<a href="{}">{}</a>', url, version)

    version_made.short_description = "version made"  # type: ignore[attr-defined]


def _scalar(value: Any) -> str | None:
    """A metric as shown in a table cell (4 decimals), or None when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _metrics_table(metrics: Mapping[str, Any]) -> SafeString:
    """The numeric metrics as a two-column table (plot points and nested reports left out)."""
    rows = [(key, shown) for key, value in metrics.items() if (shown := _scalar(value)) is not None]
    if not rows:
        return format_html("{}", "-")
    body = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
    return format_html('<table class="training-metrics">{}</table>', body)


def version_metric(version: ModelVersion, key: str) -> Any:
    """One metric of a version: from its test metrics, or ("evaluation.<name>") from the stored
    evaluation of its ranker in its metadata; None when absent."""
    if not key.startswith("evaluation."):
        return (version.metrics or {}).get(key)
    evaluation = (version.metadata or {}).get("evaluation") or {}
    ranker = _evaluated_ranker(version)
    entry = (evaluation.get("rankers") or {}).get(ranker) if ranker else None
    return (entry or {}).get(key.removeprefix("evaluation."))


def _evaluated_ranker(version: ModelVersion) -> str:
    """The ranker key the version is evaluated as (its trainer's), or ""."""
    try:
        return trainer_for(version.model_name).evaluation_ranker
    except UnknownModelError:
        return ""


def _metric_column(title: str, key: str) -> Any:
    """A version list column showing one metric."""

    def column(self: Any, version: ModelVersion) -> str:
        shown = _scalar(version_metric(version, key))
        return shown if shown is not None else "-"

    column.short_description = title  # type: ignore[attr-defined]
    column.__name__ = "metric_" + key.replace(".", "_").replace("@", "_at_")
    return column


class VersionMetricsAdminMixin:
    """The version list's metrics side by side, one column per VERSION_METRIC_COLUMNS entry."""

    metric_columns: tuple[str, ...] = tuple(
        _metric_column(title, key).__name__ for title, key in VERSION_METRIC_COLUMNS
    )


for _title, _key in VERSION_METRIC_COLUMNS:
    _column = _metric_column(_title, _key)
    setattr(VersionMetricsAdminMixin, _column.__name__, _column)
