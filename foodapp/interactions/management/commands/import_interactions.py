"""manage.py import_interactions FILE: load an interaction log from CSV (see interaction_rows)."""

from foodapp.catalog.import_command import CsvImportCommand
from foodapp.interactions.interaction_import import INTERACTION_IMPORT


class Command(CsvImportCommand):
    help = (
        "Load events from a CSV with user_id,item_id,event (required) and value,timestamp,"
        "query,session_id (optional). Unknown users are created; unknown items are bad rows. "
        "Re-importing the same rows updates them."
    )
    spec = INTERACTION_IMPORT
