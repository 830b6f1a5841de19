"""`manage.py train MODEL`: train a model now, through the same service as the Celery task."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.training import services
from foodapp.training.foreground import train_in_foreground
from foodapp.training.models import ModelVersion
from foodapp.training.registry import (
    ALL_TYPES,
    UnknownModelError,
    group_members,
    registered_group_names,
    registered_model_names,
)

OPTION_TO_PARAM = {
    "model_type": "model_type",
    "epochs": "epochs",
    "seed": "seed",
    "max_rows": "max_rows",
}


class Command(BaseCommand):
    help = "Train a model (e.g. census) and register the exported version."

    def add_arguments(self, parser: CommandParser) -> None:
        names = [*registered_group_names(), *registered_model_names()]
        parser.add_argument("model_name", help=f"one of: {', '.join(names)}")
        parser.add_argument(
            "--model-type",
            choices=["wide", "deep", "wide_deep", ALL_TYPES],
            help=f"for a group such as food, {ALL_TYPES!r} (the default) trains each of its models",
        )
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
            param: options[option]
            for option, param in OPTION_TO_PARAM.items()
            if options[option] is not None
        }
        try:
            members = group_members(options["model_name"], options["model_type"])
        except UnknownModelError as error:
            raise CommandError(str(error)) from None
        if members is None:
            self.train_one(options["model_name"], params, activate=options["activate"])
            return
        params.pop("model_type", None)
        for model_name in members:
            self.train_one(model_name, params, activate=options["activate"])

    def train_one(self, model_name: str, params: dict[str, Any], *, activate: bool) -> None:
        """Train one model and print its version and metrics."""
        version: ModelVersion = train_in_foreground(
            model_name=model_name, params=params, announce=self.stdout.write
        )
        if activate and version.state != version.State.ACTIVE:
            try:
                version = services.model_version_activate_safely(version=version)
            except services.ActivationRefusedError as error:
                raise CommandError(f"{version.model_name} v{version.version}: {error}") from None
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
