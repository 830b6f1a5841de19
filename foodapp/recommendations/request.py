"""What a recommendation is asked for: the person, the query and moment, the filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from recommender.text_match import stems

DIETS = ("vegetarian", "vegan", "gluten_free")
ERROR_DIET = "diet: expected any of {known}, got {value!r}"


@dataclass(frozen=True)
class Person:
    """What the recommender knows of a person (a guest has the defaults).

    Attributes:
        user_id: the model's id of the person (their user's primary key as text; "" for guests).
        diet: `|`-joined diet restrictions, e.g. "vegan".
        favourite_cuisines: `|`-joined cuisine names.
        area: where they live, as stated.
        home: (latitude, longitude) of where they live, None when unknown.
        recent: dish ids ordered in the recent window, newest first (the model's recent bag).
        ordered: every dish id they ordered, newest first (for history and exclude_seen).
        dismissed: dish ids they said "not for me" to; never suggested again.
    """

    user_id: str = ""
    diet: str = ""
    favourite_cuisines: str = ""
    area: str = ""
    home: tuple[float, float] | None = None
    recent: tuple[int, ...] = ()
    ordered: tuple[int, ...] = ()
    dismissed: frozenset[int] = frozenset()

    @property
    def diets(self) -> frozenset[str]:
        """The person's diet restrictions as a set."""
        return frozenset(d for d in self.diet.split("|") if d)

    @property
    def cuisines(self) -> tuple[str, ...]:
        """Their favourite cuisines."""
        return tuple(c for c in self.favourite_cuisines.split("|") if c)


@dataclass(frozen=True)
class Filters:
    """Hard filters on the suggestions; a person's own diet always applies as well.

    Attributes:
        diet: restrictions every suggestion must respect (vegetarian, vegan, gluten_free).
        course: only this course ("" = any).
        cuisine: only this cuisine, case-insensitive ("" = any).
        max_price: only dishes at most this price (None = any; unknown prices pass).
        exclude_seen: leave out dishes the person already ordered.
        exclude: dish ids to leave out.
    """

    diet: frozenset[str] = frozenset()
    course: str = ""
    cuisine: str = ""
    max_price: float | None = None
    exclude_seen: bool = False
    exclude: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(set(self.diet) - set(DIETS))
        if unknown:
            raise ValueError(ERROR_DIET.format(known=", ".join(DIETS), value=unknown[0]))


@dataclass(frozen=True)
class RankRequest:
    """One request: who, what they typed (normalised), when and on what.

    Attributes:
        person: the person (or a guest).
        query: the normalised query, "" for the "for you" feed.
        hour: hour of day, 0-23.
        weekday: 0 = Monday.
        device: "ios", "android", "web" or "".
        similar_to: a dish id for "similar, but different" suggestions.
    """

    person: Person = field(default_factory=Person)
    query: str = ""
    hour: int = 12
    weekday: int = 0
    device: str = ""
    similar_to: int | None = None

    @property
    def query_stems(self) -> frozenset[str]:
        """The query's stems (empty for the feed)."""
        return stems(self.query)
