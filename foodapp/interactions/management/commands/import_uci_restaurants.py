"""manage.py import_uci_restaurants: load the UCI restaurant ratings (data/food/uci)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from foodapp.interactions.uci_files import UciDataError
from foodapp.interactions.uci_import import uci_restaurants_load


def uci_directory() -> Path:
    """Where the checked-in UCI files live."""
    return Path(settings.DATA_DIR) / "food" / "uci"


class Command(BaseCommand):
    help = (
        "Load the UCI 'Restaurant & consumer data': restaurants as items (uci-<placeID>), "
        "consumers as people (uci-<userID>) and ratings as rating events. Re-runs update."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="Folder of the UCI files.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["dir"] or uci_directory()
        try:
            summary = uci_restaurants_load(directory=directory, dry_run=options["dry_run"])
        except UciDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(summary.text()))
