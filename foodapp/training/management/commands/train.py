"""`manage.py train MODEL`: train a model now, through the same service as the Celery task."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.training import services
from foodapp.training.models import TrainingRun
from foodapp.training.params import InvalidParamsError
from foodapp.training.progress_bar import TrainingProgressBar
from foodapp.training.registry import UnknownModelError, registered_model_names


class Command(BaseCommand):
    help = "Train a model (e.g. census) and register the exported version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model_name", help=f"one of: {', '.join(registered_model_names())}")
        parser.add_argument("--model-type", choices=["wide", "deep", "wide_deep"])
        parser.add_argument(
            "--epochs", type=int, help="maximum epochs (early stopping may end sooner)"
        )
        parser.add_argument("--seed", type=int)
        parser.add_argument("--max-rows", type=int, help="train on the first N rows only")
        parser.add_argument(
            "--activate", action="store_true", help="serve the new version when training succeeds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        params = {
            key: options[option]
            for key, option in (
                ("model_type", "model_type"),
                ("epochs", "epochs"),
                ("seed", "seed"),
                ("max_rows", "max_rows"),
            )
            if options[option] is not None
        }
        try:
            run = services.training_run_create(model_name=options["model_name"], params=params)
        except (UnknownModelError, InvalidParamsError) as error:
            raise CommandError(str(error.args[0] if error.args else error)) from None
        self.stdout.write(f"Training {run.model_name} (run #{run.pk}, {run.params})")
        bar = TrainingProgressBar(run.model_name)
        try:
            run = services.training_run_execute(run_id=run.pk, progress=bar)
        finally:
            bar.close()
        if run.state != TrainingRun.State.SUCCEEDED or run.result_version is None:
            raise CommandError(
                f"training failed: {run.error.splitlines()[0] if run.error else '?'}"
            )
        version = run.result_version
        if options["activate"] and version.state != version.State.ACTIVE:
            version = services.model_version_activate(version=version)
        metrics = ", ".join(
            f"{key} {value:.4f}"
            for key, value in version.metrics.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{version.model_name} v{version.version} {version.state}: {metrics}"
            )
        )
