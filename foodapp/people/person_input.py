"""The validated description of one person to create or update (Django-free)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PersonInput:
    """A person as the simulator or an import describes them.

    Attributes:
        username: unique login name; imports derive it from the external id.
        name: display name, stored as the User's first_name.
        diet_restrictions: DietRestriction values ("vegetarian", "vegan", "gluten_free").
        favourite_cuisines: cuisine names, created when missing.
        area: where they live or order to, free text.
        latitude: where they live, degrees (None: unknown).
        longitude: where they live, degrees (None: unknown).
        attributes: extra columns of an import, kept as given.
        external_id: the id in the source data; None for people created here.
    """

    username: str
    name: str = ""
    diet_restrictions: tuple[str, ...] = ()
    favourite_cuisines: tuple[str, ...] = ()
    area: str = ""
    latitude: float | None = None
    longitude: float | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None


IMPORTED_USERNAME_PREFIX = "ext-"


def imported_username(external_id: str) -> str:
    """The login name given to a person created from an import ("U1001" -> "ext-U1001")."""
    return f"{IMPORTED_USERNAME_PREFIX}{external_id}"[:150]
