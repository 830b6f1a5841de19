"""Load the UCI restaurant data into the catalogue, people and the event log (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from foodapp.catalog.selectors import dish_ids_by_external_id
from foodapp.catalog.services import dishes_upsert_bulk
from foodapp.interactions.selectors import event_external_ids_existing
from foodapp.interactions.services import EventInput, events_upsert_bulk
from foodapp.interactions.uci_files import (
    UciDataError,
    uci_people,
    uci_ratings,
    uci_restaurants,
)
from foodapp.people.selectors import user_ids_by_external_id
from foodapp.people.services import people_ensure_bulk, people_upsert_bulk

ERROR_UNKNOWN_PLACE = "rating_final.csv: restaurant {value} is not in geoplaces2.csv"


@dataclass(frozen=True)
class UciLoadSummary:
    items: int
    people: int
    ratings: int
    new_ratings: int
    dry_run: bool

    def text(self) -> str:
        """One line for the command's output."""
        verb = "checked" if self.dry_run else "loaded"
        return (
            f"UCI restaurants {verb}: {self.items} items, {self.people} people, "
            f"{self.ratings} ratings ({self.new_ratings} new)"
        )


def uci_restaurants_load(*, directory: Path, dry_run: bool = False) -> UciLoadSummary:
    """Upsert the UCI restaurants, consumers and ratings in one transaction.

    Args:
        directory: the folder holding the UCI CSV files (data/food/uci).
        dry_run: read and check everything, write nothing.

    Returns:
        How many items, people and ratings the files hold and how many ratings were new.

    Raises:
        UciDataError: naming the file (and line) that cannot be used; nothing is written.
    """
    items = uci_restaurants(directory)
    people = uci_people(directory)
    ratings = list(uci_ratings(directory))
    item_keys = {item.external_id for item in items}
    for rating in ratings:
        if rating.item_key not in item_keys:
            raise UciDataError(ERROR_UNKNOWN_PLACE.format(value=rating.item_key))
    new = len(ratings) - len(event_external_ids_existing(external_ids=[r.key for r in ratings]))
    raters = {rating.user_key for rating in ratings}
    summary = UciLoadSummary(
        items=len(items),
        people=len({p.external_id for p in people} | raters),
        ratings=len(ratings),
        new_ratings=new,
        dry_run=dry_run,
    )
    if dry_run:
        return summary
    with transaction.atomic():
        dishes_upsert_bulk(dishes=items)
        people_upsert_bulk(people=people)
        # Raters without a profile row still become people.
        people_ensure_bulk(external_ids=sorted(raters))
        users = user_ids_by_external_id(external_ids=raters)
        dishes = dish_ids_by_external_id(external_ids=item_keys)
        events_upsert_bulk(
            events=[
                EventInput(
                    user_id=users[r.user_key],
                    event_type="rating",
                    occurred_at=r.occurred_at,
                    dish_id=dishes[r.item_key],
                    value=r.value,
                    external_id=r.key,
                )
                for r in ratings
            ]
        )
    return summary
