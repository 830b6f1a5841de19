"""Readers of the UCI "Restaurant & consumer data" files into our inputs (Django-free).

Restaurants become catalogue items, consumers people and ratings rating events; see
data/food/uci/SOURCE.md for the choices. Everything here is deterministic, so a re-import
produces the same inputs (and therefore updates rows instead of adding them).
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from foodapp.catalog.dish_input import DishInput
from foodapp.people.person_input import PersonInput, imported_username

UCI_PREFIX = "uci-"
RESTAURANT_TAG = "restaurant"
MISSING = "?"
RESTAURANTS_FILE = "geoplaces2.csv"
CUISINES_FILE = "chefmozcuisine.csv"
RATINGS_FILE = "rating_final.csv"
PROFILES_FILE = "userprofile.csv"
USER_CUISINES_FILE = "usercuisine.csv"
USER_PAYMENTS_FILE = "userpayment.csv"
UCI_FILES = (
    RESTAURANTS_FILE,
    CUISINES_FILE,
    RATINGS_FILE,
    PROFILES_FILE,
    USER_CUISINES_FILE,
    USER_PAYMENTS_FILE,
)
# The data carries no dates: ratings are spread over this year, deterministically.
PSEUDO_YEAR_START = datetime(2011, 1, 1, tzinfo=UTC)
PSEUDO_YEAR_SECONDS = 365 * 24 * 3600
# UCI ratings are 0 (bad), 1 (fine) and 2 (good): the training examples' min_positive_rating.
UCI_MIN_POSITIVE_RATING = 1.0
ERROR_MISSING_FILE = "{path}: missing UCI file"
ERROR_BAD_RATING = "{path}:{line}: rating: {value!r} is not 0, 1 or 2"


class UciDataError(ValueError):
    """A UCI file is missing or holds a value we cannot use; the message names file and line."""


@dataclass(frozen=True)
class UciRating:
    user_key: str
    item_key: str
    value: float
    occurred_at: datetime
    key: str


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a UCI CSV, with "?" turned into ""."""
    if not path.is_file():
        raise UciDataError(ERROR_MISSING_FILE.format(path=path))
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            clean = {
                k: ("" if (v or "").strip() == MISSING else (v or "").strip())
                for k, v in row.items()
            }
            yield reader.line_num, clean


def _label(value: str) -> str:
    """A UCI code as words: "Bar_Pub_Brewery" -> "Bar Pub Brewery"."""
    return " ".join(value.replace("_", " ").split())


def _pairs(path: Path, key: str, value: str) -> dict[str, list[str]]:
    """key -> values of a two-column UCI file, in file order, without repeats."""
    grouped: defaultdict[str, list[str]] = defaultdict(list)
    for _, row in _rows(path):
        item = _label(row.get(value, ""))
        if item and item not in grouped[row[key]]:
            grouped[row[key]].append(item)
    return dict(grouped)


def uci_restaurants(directory: Path) -> list[DishInput]:
    """The restaurants as catalogue items: first cuisine as cuisine, all of them as tags."""
    cuisines = _pairs(directory / CUISINES_FILE, "placeID", "Rcuisine")
    items = []
    for _, row in _rows(directory / RESTAURANTS_FILE):
        place = row["placeID"]
        own = cuisines.get(place, [])
        price = row.get("price", "")
        facts = [
            f"{_label(row.get('city', ''))}, {_label(row.get('state', ''))}".strip(", "),
            f"price {price}" if price else "",
            _label(row.get("alcohol", "")).lower(),
            f"smoking: {_label(row.get('smoking_area', ''))}" if row.get("smoking_area") else "",
            f"{_label(row.get('Rambience', ''))} ambience" if row.get("Rambience") else "",
        ]
        tags = [RESTAURANT_TAG, *own]
        if price:
            tags.append(f"price {price}")
        items.append(
            DishInput(
                external_id=f"{UCI_PREFIX}{place}",
                name=row["name"][:200] or f"Restaurant {place}",
                cuisine=own[0] if own else "",
                course="",
                tags=tuple(tags),
                ingredients=(),
                description="Restaurant. " + "; ".join(f for f in facts if f) + ".",
            )
        )
    return items


def uci_people(directory: Path) -> list[PersonInput]:
    """The consumers as people, profile columns (and payment methods) kept as attributes."""
    liked = _pairs(directory / USER_CUISINES_FILE, "userID", "Rcuisine")
    payments = _pairs(directory / USER_PAYMENTS_FILE, "userID", "Upayment")
    people = []
    for _, row in _rows(directory / PROFILES_FILE):
        user = row["userID"]
        attributes: dict[str, object] = {k: v for k, v in row.items() if k != "userID" and v}
        if payments.get(user):
            attributes["payment"] = payments[user]
        external_id = f"{UCI_PREFIX}{user}"
        people.append(
            PersonInput(
                username=imported_username(external_id),
                favourite_cuisines=tuple(liked.get(user, [])),
                attributes=attributes,
                external_id=external_id,
            )
        )
    return people


def pseudo_time(user: str, place: str) -> datetime:
    """A fixed time in 2011 for a rating that has none, derived from who rated what."""
    digest = hashlib.sha1(f"{user}|{place}".encode(), usedforsecurity=False).digest()
    return PSEUDO_YEAR_START + timedelta(
        seconds=int.from_bytes(digest[:8], "big") % PSEUDO_YEAR_SECONDS
    )


def uci_ratings(directory: Path) -> Iterator[UciRating]:
    """The overall ratings (0, 1, 2) as rating events keyed by user and restaurant."""
    path = directory / RATINGS_FILE
    for line, row in _rows(path):
        raw = row.get("rating", "")
        if raw not in ("0", "1", "2"):
            raise UciDataError(ERROR_BAD_RATING.format(path=path, line=line, value=raw))
        user, place = row["userID"], row["placeID"]
        yield UciRating(
            user_key=f"{UCI_PREFIX}{user}",
            item_key=f"{UCI_PREFIX}{place}",
            value=float(raw),
            occurred_at=pseudo_time(user, place),
            key=f"{UCI_PREFIX}rating-{user}-{place}",
        )
