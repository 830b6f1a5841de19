"""The user CSV format and its row parser (Django-free).

Columns: user_id (required), name, diet, favourite_cuisines, area (optional); diet and
favourite_cuisines are `|`-separated. Every other column is kept, as text, in the profile's
attributes (empty cells left out).
"""

from __future__ import annotations

from foodapp.catalog.csv_fields import (
    ERROR_CHOICE,
    FieldError,
    cell,
    optional_list,
    required_text,
)
from foodapp.people.person_input import PersonInput, imported_username

USER_REQUIRED_COLUMNS = ("user_id",)
USER_COLUMNS = (*USER_REQUIRED_COLUMNS, "name", "diet", "favourite_cuisines", "area")
DIETS = ("vegetarian", "vegan", "gluten_free")
NO_DIET_WORDS = frozenset({"none", "no", "-"})


def person_row_parse(row: dict[str, str]) -> PersonInput:
    """One CSV row -> PersonInput, or FieldError naming the bad column."""
    external_id = required_text(row, "user_id")
    if len(external_id) > 100:
        raise FieldError("user_id", "is longer than 100 characters")
    diets: list[str] = []
    for item in optional_list(row, "diet") or ():
        word = item.lower().replace("-", "_").replace(" ", "_")
        if word in NO_DIET_WORDS:
            continue
        if word not in DIETS:
            raise FieldError("diet", ERROR_CHOICE.format(value=item, choices=", ".join(DIETS)))
        if word not in diets:
            diets.append(word)
    attributes = {
        key.strip(): value.strip()
        for key, value in row.items()
        if key and key.strip() not in USER_COLUMNS and value and value.strip()
    }
    return PersonInput(
        username=imported_username(external_id),
        name=cell(row, "name")[:150],
        diet_restrictions=tuple(diets),
        favourite_cuisines=optional_list(row, "favourite_cuisines") or (),
        area=cell(row, "area")[:100],
        attributes=attributes,
        external_id=external_id,
    )
