"""The dish import: CSV rows in, dishes upserted by item_id (external_id)."""

from __future__ import annotations

from collections.abc import Sequence

from foodapp.catalog.csv_import import BatchOutcome, ImportSpec, ParsedRow
from foodapp.catalog.dish_input import DishInput
from foodapp.catalog.dish_rows import DISH_REQUIRED_COLUMNS, dish_row_parse
from foodapp.catalog.selectors import dish_external_ids_existing
from foodapp.catalog.services import dishes_upsert_bulk


def dish_batch_write(rows: Sequence[ParsedRow[DishInput]], dry_run: bool) -> BatchOutcome:
    """Upsert one batch of parsed dishes (count only, on a dry run)."""
    dishes = [row.value for row in rows]
    if dry_run:
        keys = {dish.external_id for dish in dishes}
        existing = len(dish_external_ids_existing(external_ids=keys))
        return BatchOutcome(created=len(keys) - existing, updated=existing)
    counts = dishes_upsert_bulk(dishes=dishes)
    return BatchOutcome(created=counts.created, updated=counts.updated)


DISH_IMPORT = ImportSpec(
    required=DISH_REQUIRED_COLUMNS, parse_row=dish_row_parse, write_batch=dish_batch_write
)
