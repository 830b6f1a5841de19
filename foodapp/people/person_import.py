"""The user import: CSV rows in, people upserted by user_id (external_id)."""

from __future__ import annotations

from collections.abc import Sequence

from foodapp.catalog.csv_import import BatchOutcome, ImportSpec, ParsedRow
from foodapp.people.person_input import PersonInput
from foodapp.people.person_rows import USER_REQUIRED_COLUMNS, person_row_parse
from foodapp.people.selectors import profile_external_ids_existing
from foodapp.people.services import people_upsert_bulk


def person_batch_write(rows: Sequence[ParsedRow[PersonInput]], dry_run: bool) -> BatchOutcome:
    """Upsert one batch of parsed people in one transaction (count only, on a dry run)."""
    latest = {str(row.value.external_id): row.value for row in rows}
    if dry_run:
        existing = len(profile_external_ids_existing(external_ids=latest))
        return BatchOutcome(created=len(latest) - existing, updated=existing)
    created, updated = people_upsert_bulk(people=list(latest.values()))
    return BatchOutcome(created=created, updated=updated)


PERSON_IMPORT = ImportSpec(
    required=USER_REQUIRED_COLUMNS, parse_row=person_row_parse, write_batch=person_batch_write
)
