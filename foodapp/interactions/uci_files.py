"""Readers of the UCI "Restaurant & consumer data" files into our inputs (Django-free).

Restaurants become catalogue items, consumers people and ratings rating events; see
data/food/uci/SOURCE.md for the choices. Everything here is deterministic, so a re-import
produces the same inputs (and therefore updates rows instead of adding them).
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from foodapp.catalog.dish_input import DishInput
from foodapp.catalog.models import OFF_MENU_PREFIX
from foodapp.people.person_input import PersonInput, imported_username
from recommender.datasets.food import FOOD_SPEC

UCI_PREFIX = OFF_MENU_PREFIX
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
# A restaurant's place and setting as prefixed tags ("city:san-luis-potosi", "price:low"), so
# the food model sees them through its dish-tags bag. The raw files spell places many ways.
PLACE_ALIASES = {
    "slp": "san-luis-potosi",
    "san-luis-potos": "san-luis-potosi",  # "Potosí" with its last letter lost
    "victoria": "ciudad-victoria",
    "cd-victoria": "ciudad-victoria",
}
# The country written in the state column (both such rows are in San Luis Potosí).
NOT_A_STATE = frozenset({"mexico"})
PLACE_COLUMNS = (("city", "city"), ("state", "state"))
# (column, tag prefix), most useful first: when a restaurant has more tags than the model's
# dish-tags bag holds, the last ones are left out rather than cut by sorting.
ATTRIBUTE_COLUMNS = (
    ("price", "price"),
    ("alcohol", "alcohol"),
    ("smoking_area", "smoking"),
    ("Rambience", "ambience"),
    ("accessibility", "accessibility"),
    ("dress_code", "dress"),
    ("area", "area"),
    ("other_services", "services"),
)  # franchise left out: with the rest, no restaurant would have room for it
MAX_TAGS = next(f for f in FOOD_SPEC.features if f.name == "dish_tags").max_values  # type: ignore[union-attr]
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


def tag_value(value: str) -> str:
    """A UCI value as a tag word: "No_Alcohol_Served" -> "no-alcohol-served", "t" -> "yes"."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = "-".join(re.sub(r"[^a-z0-9]+", " ", plain.lower().replace(".", "")).split())
    return {"t": "yes", "f": "no"}.get(slug, slug)


def place_name(value: str) -> str:
    """A city or state as one spelling: "s.l.p.", "SLP", "San Luis Potosi " -> "san-luis-potosi"."""
    slug = tag_value(value)
    return PLACE_ALIASES.get(slug, slug)


def _coordinates(row: dict[str, str]) -> tuple[float, float] | None:
    """(latitude, longitude) of a row, None when missing or not numbers."""
    try:
        return float(row["latitude"]), float(row["longitude"])
    except (KeyError, ValueError):
        return None


def restaurant_places(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """{"city", "state"} of each restaurant, normalised; a missing one is taken from the
    nearest restaurant (by coordinates) that has it, since most rows without a city are in the
    middle of one that other rows name."""
    places = []
    for row in rows:
        place = {column: place_name(row.get(column, "")) for column, _ in PLACE_COLUMNS}
        if place["state"] in NOT_A_STATE:
            place["state"] = ""
        places.append(place)
    where = [_coordinates(row) for row in rows]
    for column, _ in PLACE_COLUMNS:
        known = [(w, p[column]) for w, p in zip(where, places, strict=True) if w and p[column]]
        for here, place in zip(where, places, strict=True):
            if place[column] or here is None or not known:
                continue
            place[column] = min(
                known, key=lambda k: (k[0][0] - here[0]) ** 2 + (k[0][1] - here[1]) ** 2
            )[1]
    return places


def restaurant_tags(
    row: dict[str, str], place: dict[str, str], cuisines: list[str]
) -> tuple[str, ...]:
    """ "restaurant", its cuisines, then "city:", "state:" and the attribute tags, at most
    MAX_TAGS (the least useful attributes go first)."""
    tags = [RESTAURANT_TAG, *cuisines]
    tags += [f"{prefix}:{place[column]}" for column, prefix in PLACE_COLUMNS if place[column]]
    for column, prefix in ATTRIBUTE_COLUMNS:
        value = tag_value(row.get(column, ""))
        if value:
            tags.append(f"{prefix}:{value}")
    return tuple(tags[:MAX_TAGS])


def _pairs(path: Path, key: str, value: str) -> dict[str, list[str]]:
    """key -> values of a two-column UCI file, in file order, without repeats."""
    grouped: defaultdict[str, list[str]] = defaultdict(list)
    for _, row in _rows(path):
        item = _label(row.get(value, ""))
        if item and item not in grouped[row[key]]:
            grouped[row[key]].append(item)
    return dict(grouped)


def uci_restaurants(directory: Path) -> list[DishInput]:
    """The restaurants as catalogue items: first cuisine as cuisine; all of them, the place
    and the attributes as tags (see restaurant_tags)."""
    cuisines = _pairs(directory / CUISINES_FILE, "placeID", "Rcuisine")
    rows = [row for _, row in _rows(directory / RESTAURANTS_FILE)]
    items = []
    for row, place in zip(rows, restaurant_places(rows), strict=True):
        key = row["placeID"]
        latitude, longitude = _coordinates(row) or (None, None)
        own = cuisines.get(key, [])
        price = row.get("price", "")
        where = ", ".join(place[c].replace("-", " ") for c, _ in PLACE_COLUMNS if place[c])
        facts = [
            where,
            f"price {price}" if price else "",
            _label(row.get("alcohol", "")).lower(),
            f"smoking: {_label(row.get('smoking_area', ''))}" if row.get("smoking_area") else "",
            f"{_label(row.get('Rambience', ''))} ambience" if row.get("Rambience") else "",
        ]
        items.append(
            DishInput(
                external_id=f"{UCI_PREFIX}{key}",
                name=row["name"][:200] or f"Restaurant {key}",
                cuisine=own[0] if own else "",
                course="",
                tags=restaurant_tags(row, place, own),
                ingredients=(),
                description="Restaurant. " + "; ".join(f for f in facts if f) + ".",
                latitude=latitude,
                longitude=longitude,
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
        latitude, longitude = _coordinates(row) or (None, None)
        people.append(
            PersonInput(
                username=imported_username(external_id),
                favourite_cuisines=tuple(liked.get(user, [])),
                attributes=attributes,
                external_id=external_id,
                latitude=latitude,
                longitude=longitude,
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
