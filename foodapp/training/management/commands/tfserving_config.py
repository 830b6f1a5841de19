"""`manage.py tfserving_config`: write TensorFlow Serving's model config for what is served now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from foodapp.training.tfserving_config import tfserving_config_path, tfserving_config_write


class Command(BaseCommand):
    help = (
        "Write the model config file TensorFlow Serving reads (active versions as 'stable', "
        "A/B treatments as 'canary'); the app rewrites it on every activation and A/B change."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        written = tfserving_config_write()
        if written is None:
            raise CommandError(f"could not write {tfserving_config_path()}")
        self.stdout.write(f"wrote {written}")
