"""A seeded simulated world: a catalogue, people with hidden tastes, their queries and the truth.

The world is a pure function of (catalogue, number of people, seed): building it twice gives the
same people, queries and truth, and `simulate` gives the same events for the same start and
length (whatever the day it runs). Evaluation code rebuilds it to ask the truth
(`true_order_probability`, `order_probabilities`) or to serve fresh sessions
(`online.online_evaluate`); models only ever see the events.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from foodapp.interactions.query_text import normalize_query
from foodapp.simulation.dishes import SimDish, dish_table_build
from foodapp.simulation.queries import QUERY_KINDS, query_catalogue_build
from foodapp.simulation.sessions import EventColumns, sessions_simulate
from foodapp.simulation.taste import AREAS, DEVICES, DIETS, HABITS, population_draw
from foodapp.simulation.truth import (
    TruthWeights,
    diet_allows,
    examination_probability,
    order_chance,
    truth_draw,
    utility,
)

DEFAULT_DAYS = 60.0
POPULARITY_NOISE = 0.4


@dataclass(frozen=True)
class Context:
    """When and where a dish is shown: hour of day (0-23), device name, 0-based list position."""

    hour: int = 12
    device: str = "ios"
    position: int = 0


@dataclass(frozen=True)
class PersonCard:
    """What a simulated person states in their profile (observable, unlike their tastes)."""

    index: int
    diet: str
    favourite_cuisines: tuple[str, ...]
    area: str
    device: str
    habits: tuple[str, ...]


class World:
    """The simulated world of one seed.

    Args:
        dishes: The catalogue, in a stable order (e.g. by id).
        users: How many people to draw.
        seed: The seed of every draw.
        weights: Coefficients of the hidden utility; the defaults when None.

    Raises:
        ValueError: when `users` is not positive or the catalogue is empty.
    """

    def __init__(
        self,
        *,
        dishes: Sequence[SimDish],
        users: int,
        seed: int,
        weights: TruthWeights | None = None,
    ) -> None:
        if users < 1:
            raise ValueError("A world needs at least one person.")
        self.seed = seed
        self.dishes = dish_table_build(dishes=dishes)
        people_seq, query_seq, truth_seq, popularity_seq, self._session_seq = (
            np.random.SeedSequence(seed).spawn(5)
        )
        self.people = population_draw(
            rng=np.random.default_rng(people_seq),
            size=users,
            cuisines=len(self.dishes.cuisines),
            ingredients=len(self.dishes.ingredients),
        )
        self.queries = query_catalogue_build(
            dishes=self.dishes, rng=np.random.default_rng(query_seq)
        )
        noise = np.random.default_rng(popularity_seq).normal(0.0, POPULARITY_NOISE, len(dishes))
        self.truth = truth_draw(
            rng=np.random.default_rng(truth_seq),
            dishes=self.dishes,
            queries=self.queries,
            people=self.people,
            popularity_noise=noise,
            weights=weights,
        )
        # What the logging policy observes as popularity: the quality, blurred.
        self.popularity = self.truth.quality + noise
        self._dish_position = {int(d): i for i, d in enumerate(self.dishes.ids)}

    def simulate(
        self, *, sessions: int, start: datetime, days: float = DEFAULT_DAYS
    ) -> EventColumns:
        """Simulate sessions over `days` days from `start`; the same call gives the same events.

        Args:
            sessions: How many sessions.
            start: Start of the simulated period (an aware datetime).
            days: Length of the period in days.

        Returns:
            The events as columns (positions, not database ids).
        """
        if sessions < 0:
            raise ValueError("sessions must not be negative.")
        return sessions_simulate(
            rng=np.random.default_rng(self._session_seq),
            people=self.people,
            dishes=self.dishes,
            queries=self.queries,
            truth=self.truth,
            popularity=self.popularity,
            sessions=sessions,
            start=start.timestamp(),
            days=days,
        )

    def person_card(self, index: int) -> PersonCard:
        """What person `index` states about themself."""
        people = self.people
        return PersonCard(
            index=index,
            diet=DIETS[int(people.diet[index])],
            favourite_cuisines=tuple(people.stated_favourite_cuisines(index, self.dishes.cuisines)),
            area=AREAS[int(people.area[index])],
            device=DEVICES[int(people.device[index])],
            habits=tuple(h for i, h in enumerate(HABITS) if people.habits[index, i]),
        )

    def dish_position(self, dish_id: int) -> int:
        """Position of a dish id in the catalogue; raises KeyError for an unknown id."""
        return self._dish_position[dish_id]

    def query_position(self, query: str | None) -> int:
        """Position of a query text, -1 for the home feed (None or "")."""
        if not query:
            return -1
        return self.queries.index(normalize_query(query))

    def order_probabilities(
        self,
        *,
        users: np.ndarray,
        dishes: np.ndarray,
        queries: np.ndarray,
        hours: np.ndarray,
        positions: np.ndarray | None = None,
        devices: np.ndarray | None = None,
        since_order: np.ndarray | None = None,
        memorized: bool = True,
    ) -> np.ndarray:
        """Vectorised true chance that a shown dish is ordered (positions, not database ids).

        Args:
            users: Person positions.
            dishes: Dish positions.
            queries: Query positions, -1 for the home feed.
            hours: Hours of day.
            positions: 0-based list positions; all 0 (always looked at) when None.
            devices: Device codes (see taste.DEVICES); only matter with positions.
            since_order: Seconds since the person last ordered the dish (inf: never), for
                boredom; never ordered when None.
            memorized: False leaves out the memorization-only terms (dish quality, query-dish
                pairs, favourites): the part that the features (and boredom) explain.

        Returns:
            One probability per row.
        """
        value = utility(
            truth=self.truth,
            people=self.people,
            dishes=self.dishes,
            queries=self.queries,
            user=users,
            dish=dishes,
            query=queries,
            hour=hours,
            since_order=since_order,
            memorized=memorized,
        )
        probability = order_chance(self.truth, value)
        probability = probability * diet_allows(self.people, self.dishes, users, dishes)
        if positions is not None:
            device = devices if devices is not None else np.zeros(len(users), dtype=np.int64)
            probability = probability * examination_probability(positions, device)
        return np.asarray(probability)

    def true_order_probability(
        self,
        user: int,
        query: str | None,
        dish_id: int,
        context: Context | None = None,
        *,
        since_order: float = math.inf,
        memorized: bool = True,
    ) -> float:
        """The true chance that `user` orders dish `dish_id` when shown it for `query`.

        Args:
            user: Person position (0-based, in creation order).
            query: The query text, or None for the home feed.
            dish_id: The dish's id in the catalogue.
            context: Hour, device and list position; noon, phone, top slot when None.
            since_order: Seconds since the person last ordered this dish (inf: never).
            memorized: False gives the part that the features (and boredom) explain.

        Returns:
            A probability.
        """
        context = context or Context()
        return float(
            self.order_probabilities(
                users=np.array([user]),
                dishes=np.array([self.dish_position(dish_id)]),
                queries=np.array([self.query_position(query)]),
                hours=np.array([context.hour]),
                positions=np.array([context.position]),
                devices=np.array([DEVICES.index(context.device)]),
                since_order=np.array([since_order]),
                memorized=memorized,
            )[0]
        )

    def truth_summary(self) -> dict[str, Any]:
        """A JSON-ready summary of the hidden truth, for evaluation code and never for models."""
        kinds = np.bincount(self.queries.kind, minlength=len(QUERY_KINDS))
        head = np.flatnonzero(self.queries.head)
        head = head[np.argsort(-self.queries.popularity[head], kind="stable")]
        return {
            "seed": self.seed,
            "catalogue_fingerprint": catalogue_fingerprint(self.dishes.dishes),
            "people": len(self.people),
            "dishes": len(self.dishes),
            "diet_counts": {
                name: int((self.people.diet == i).sum()) for i, name in enumerate(DIETS)
            },
            "query_kinds": {name: int(kinds[i]) for i, name in enumerate(QUERY_KINDS)},
            "new_people": int(self.people.new.sum()),
            "head_queries": [
                {
                    "query": self.queries.texts[q],
                    "share": round(float(self.queries.popularity[q]), 5),
                }
                for q in head
            ],
            **self.truth.summary(self.dishes, self.queries),
        }


def catalogue_fingerprint(dishes: Sequence[SimDish]) -> str:
    """A digest of every attribute of every dish: equal fingerprints, equal truth."""
    return hashlib.sha256(repr(tuple(dishes)).encode()).hexdigest()[:16]
