"""manage.py import_users FILE: create or update people from a CSV file (see person_rows)."""

from foodapp.catalog.import_command import CsvImportCommand
from foodapp.people.person_import import PERSON_IMPORT


class Command(CsvImportCommand):
    help = (
        "Create or update people keyed by user_id from a CSV with user_id (required) and "
        "name,diet,favourite_cuisines,area (optional; |-separated lists); any other column "
        "is kept in the profile's attributes."
    )
    spec = PERSON_IMPORT
