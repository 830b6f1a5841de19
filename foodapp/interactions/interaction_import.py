"""The interaction import: CSV rows in, events upserted by a stable per-row key."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from foodapp.catalog.csv_import import BatchOutcome, ImportSpec, ParsedRow, RowProblem
from foodapp.catalog.selectors import dish_ids_by_external_id
from foodapp.interactions.interaction_rows import (
    INTERACTION_REQUIRED_COLUMNS,
    InteractionRow,
    interaction_row_parse,
)
from foodapp.interactions.selectors import event_external_ids_existing
from foodapp.interactions.services import EventInput, events_upsert_bulk
from foodapp.people.services import people_ensure_bulk

ERROR_UNKNOWN_ITEM = "{value!r} is not a known item (import the dishes first)"


def interaction_batch_write(
    rows: Sequence[ParsedRow[InteractionRow]], dry_run: bool
) -> BatchOutcome:
    """Check items, create unknown users and upsert one batch of events in one transaction."""
    dish_ids = dish_ids_by_external_id(
        external_ids={r.value.item_key for r in rows if r.value.item_key}
    )
    problems = []
    accepted: list[InteractionRow] = []
    for row in rows:
        item = row.value.item_key
        if item and item not in dish_ids:
            problems.append(RowProblem(row.line, "item_id", ERROR_UNKNOWN_ITEM.format(value=item)))
        else:
            accepted.append(row.value)
    latest = {row.key: row for row in accepted}
    existing = len(event_external_ids_existing(external_ids=latest))
    outcome = BatchOutcome(
        created=len(latest) - existing, updated=existing, problems=tuple(problems)
    )
    if dry_run or not latest:
        return outcome
    now = timezone.now()
    with transaction.atomic():
        user_ids = people_ensure_bulk(external_ids=[row.user_key for row in latest.values()])
        events_upsert_bulk(
            events=[
                EventInput(
                    user_id=user_ids[row.user_key],
                    event_type=row.event_type,
                    occurred_at=row.occurred_at or now,
                    dish_id=dish_ids[row.item_key] if row.item_key else None,
                    session_id=row.session_id,
                    query=row.query,
                    value=row.value,
                    external_id=row.key,
                )
                for row in latest.values()
            ],
            batch_size=len(latest),
        )
    return outcome


INTERACTION_IMPORT = ImportSpec(
    required=INTERACTION_REQUIRED_COLUMNS,
    parse_row=interaction_row_parse,
    write_batch=interaction_batch_write,
)
