"""manage.py import_dishes FILE: create or update dishes from a CSV file (see dish_rows)."""

from foodapp.catalog.dish_import import DISH_IMPORT
from foodapp.catalog.import_command import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Create or update dishes keyed by item_id from a CSV with columns item_id,name "
        "(required) and cuisine,course,tags,ingredients,price,description,spice_level,"
        "vegetarian,vegan,gluten_free (optional; tags/ingredients |-separated)."
    )
    spec = DISH_IMPORT
