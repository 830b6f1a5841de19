"""manage.py load_catalogue: import data/food/dishes.csv when it is there."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from foodapp.catalog.dish_import import DISH_IMPORT
from foodapp.catalog.import_command import CsvImportCommand, import_arguments

MESSAGE_NO_CATALOGUE = "No catalogue at {path}; nothing to load."


def catalogue_path() -> Path:
    """Where the checked-in dish catalogue lives."""
    return Path(settings.DATA_DIR) / "food" / "dishes.csv"


class Command(CsvImportCommand):
    help = "Import the dish catalogue data/food/dishes.csv (skips quietly when it is missing)."
    spec = DISH_IMPORT

    def add_arguments(self, parser: CommandParser) -> None:
        import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path = catalogue_path()
        if not path.is_file():
            self.stdout.write(MESSAGE_NO_CATALOGUE.format(path=path))
            return
        summary = self.run_import(path, options)
        self.report(summary, strict=options["strict"])
