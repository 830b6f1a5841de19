"""Reads of the web pages: suggestion lists ready to render (dish, picture, explanation, origin).

Every list comes from the one recommendation service (foodapp.recommendations.selectors); when
the default ranker's model is not trained yet, a page falls back to v1 and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from foodapp.catalog.models import Dish
from foodapp.catalog.placeholder import Placeholder, dish_placeholder
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.selectors import Shown, impression_latest
from foodapp.people.models import Profile
from foodapp.recommendations.cache import request_parts, suggestions_cached
from foodapp.recommendations.engine import Ranking, Suggestion
from foodapp.recommendations.explanation import Explanation
from foodapp.recommendations.metrics import ranking_served_count
from foodapp.recommendations.rankers import (
    DEFAULT_RANKER,
    FALLBACK_RANKER,
    ranked_with_fallback,
    ranker_info,
)
from foodapp.recommendations.request import Filters
from foodapp.recommendations.selectors import (
    dishes_similar,
    recommendations_for,
    signed_in_person,
)
from foodapp.web.origin import Origin

FEED_SIZE = 12
CUISINE_ROW_SIZE = 4
CUISINE_ROWS = 3
SIMILAR_SIZE = 6
HISTORY_SIZE = 100
HISTORY_TYPES = (EventType.ORDER, EventType.RATING, EventType.DISMISS, EventType.SEARCH)
# How long after seeing a suggestion a click, order, rating or dismissal of it is still its doing:
# a day, so that the dish seen at lunch and ordered for dinner counts, tomorrow's order does not.
ATTRIBUTION_WINDOW = timedelta(hours=24)

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Card:
    """One suggested dish as a page shows it."""

    dish: Dish
    picture: Placeholder
    rank: int
    score: float
    explanation: Explanation | None
    origin: Origin


@dataclass(frozen=True)
class SuggestionList:
    """A ranking with its dishes, and a note when it is not the ranker that was asked for."""

    ranking: Ranking
    cards: tuple[Card, ...]
    query: str = ""
    fallback_note: str = ""
    title: str = ""

    @property
    def ranker_title(self) -> str:
        """The story's name of the ranker that produced the list."""
        return ranker_info(self.ranking.ranker).title

    @property
    def model_version(self) -> str | None:
        """ "model:version" of the ranking (None for v1), as events store it."""
        ranking = self.ranking
        if ranking.version is None:
            return None
        return f"{ranking.model_name}:{ranking.version}"


def picture_of(dish: Dish) -> Placeholder:
    """The dish's generated picture."""
    return dish_placeholder(name=dish.name, cuisine=dish.cuisine.name if dish.cuisine else "")


def _cards(ranking: Ranking, query: str) -> tuple[Card, ...]:
    """The ranking's suggestions with their dishes loaded (in one query)."""
    dishes = Dish.objects.select_related("cuisine").in_bulk(
        [s.dish_id for s in ranking.suggestions]
    )
    version = f"{ranking.model_name}:{ranking.version}" if ranking.version is not None else None

    def card(suggestion: Suggestion) -> Card:
        dish = dishes[suggestion.dish_id]
        origin = Origin(
            ranker=ranking.ranker,
            model_version=version,
            position=suggestion.rank - 1,
            query=query,
        )
        return Card(
            dish=dish,
            picture=picture_of(dish),
            rank=suggestion.rank,
            score=suggestion.score,
            explanation=suggestion.explanation,
            origin=origin,
        )

    return tuple(card(s) for s in ranking.suggestions if s.dish_id in dishes)


def _person_id(person: AbstractBaseUser | None) -> int | None:
    """The person's id as the suggestion cache keys it (None for a guest)."""
    return int(person.pk) if person is not None else None


def _with_fallback(rank: Callable[[str], Ranking], ranker: str) -> tuple[Ranking, str]:
    """Rank with `ranker`, or with v1 and a note saying why when its model is not served."""
    ranking, why = ranked_with_fallback(rank, ranker)
    if not why:
        return ranking, ""
    return ranking, f"{ranker_info(ranker).title} is not available ({why}); showing v1 instead."


def suggestions_for(
    *,
    user: User | None,
    query: str = "",
    k: int = FEED_SIZE,
    ranker: str = DEFAULT_RANKER,
    filters: Filters | None = None,
    diversify: bool = False,
    title: str = "",
) -> SuggestionList:
    """Ranked, explained suggestions for a person (or a guest) and a query ("" = the feed).

    Args:
        user: the person, or None / anonymous for a guest.
        query: what they searched.
        k: how many.
        ranker: the ranker asked for (v1 when its model is not served yet).
        filters: hard filters.
        diversify: MMR re-ranking.
        title: a heading for the list.

    Returns:
        The list with its dishes, ready for the page.
    """

    person = signed_in_person(user)
    now = timezone.now()

    def rank(key: str) -> Ranking:
        parts = request_parts(
            kind="web-for",
            ranker=key,
            person_id=_person_id(person),
            now=now,
            query=query,
            k=k,
            filters=filters,
            diversify=diversify,
        )
        ranking, _ = suggestions_cached(
            user_id=_person_id(person),
            parts=parts,
            compute=lambda: recommendations_for(
                user=person,
                query=query,
                k=k,
                ranker=key,
                filters=filters,
                diversify=diversify,
                explain=True,
                now=now,
                device="web",
            ),
        )
        return ranking

    ranking, note = _with_fallback(rank, ranker)
    ranking_served_count(ranking)
    return SuggestionList(ranking, _cards(ranking, query), query, note, title)


def similar_for(*, dish: Dish, user: User | None, k: int = SIMILAR_SIZE) -> SuggestionList:
    """ "Similar, but different" dishes to `dish`, ranked for the person."""

    person = signed_in_person(user)
    now = timezone.now()

    def rank(key: str) -> Ranking:
        parts = request_parts(
            kind="web-similar", ranker=key, person_id=_person_id(person), now=now, dish=dish.pk, k=k
        )
        ranking, _ = suggestions_cached(
            user_id=_person_id(person),
            parts=parts,
            compute=lambda: dishes_similar(
                dish_id=dish.pk, user=person, k=k, ranker=key, explain=True, now=now
            ),
        )
        return ranking

    title = "Similar, but different"
    try:
        ranking, note = _with_fallback(rank, DEFAULT_RANKER)
    except LookupError:
        # A dish newer than this process's catalogue snapshot (rebuilt within seconds): no
        # neighbours to show yet, and the page itself still answers.
        nothing = Ranking((), FALLBACK_RANKER, None, None, 0)
        return SuggestionList(nothing, (), "", "", title)
    ranking_served_count(ranking)
    return SuggestionList(ranking, _cards(ranking, ""), "", note, title)


def last_ordered_dish(*, user: User) -> Dish | None:
    """The dish this person ordered last, if any."""
    if not user.is_authenticated:
        return None
    event = (
        Event.objects.filter(user_id=user.pk, event_type=EventType.ORDER, dish__isnull=False)
        .select_related("dish", "dish__cuisine")
        .order_by("-occurred_at", "-id")
        .first()
    )
    return event.dish if event is not None else None


def favourite_cuisine_names(*, user: User) -> list[str]:
    """The cuisines this person said they like, by name."""
    if not user.is_authenticated:
        return []
    profile = Profile.objects.filter(user_id=user.pk).first()
    if profile is None:
        return []
    return list(profile.favourite_cuisines.order_by("name").values_list("name", flat=True))


def home_lists(*, user: User) -> list[SuggestionList]:
    """What the home page shows: "for you", because of the last order, the favourite cuisines.

    A guest gets popular and diverse dishes; a person their own ranking, then dishes like the
    one they ordered last, then one short row per favourite cuisine (so a new person sees their
    cuisines from the first page).
    """
    signed_in = user.is_authenticated
    lists = [
        suggestions_for(
            user=user,
            diversify=True,
            title="For you" if signed_in else "Popular and varied",
        )
    ]
    last = last_ordered_dish(user=user)
    if last is not None:
        similar = similar_for(dish=last, user=user, k=CUISINE_ROW_SIZE)
        lists.append(
            SuggestionList(
                similar.ranking,
                similar.cards,
                "",
                similar.fallback_note,
                f"Because you ordered {last.name}",
            )
        )
    for cuisine in favourite_cuisine_names(user=user)[:CUISINE_ROWS]:
        lists.append(
            suggestions_for(
                user=user,
                k=CUISINE_ROW_SIZE,
                filters=Filters(cuisine=cuisine),
                title=f"Because you like {cuisine} food",
            )
        )
    return lists


def history_for(*, user_id: int) -> QuerySet[Event]:
    """The person's own orders, ratings, dismissals and searches, newest first."""
    return (
        Event.objects.filter(user_id=user_id, event_type__in=HISTORY_TYPES)
        .select_related("dish")
        .order_by("-occurred_at", "-id")[:HISTORY_SIZE]
    )


def personas_allowed() -> QuerySet[Profile]:
    """Profiles one may switch to: simulated people only, never staff or inactive accounts."""
    return Profile.objects.filter(
        attributes__simulated=True,
        user__is_staff=False,
        user__is_superuser=False,
        user__is_active=True,
    )


def simulated_personas(*, limit: int = 24) -> QuerySet[Profile]:
    """Simulated people a visitor may sign in as, with what they state."""
    return (
        personas_allowed()
        .select_related("user")
        .prefetch_related("favourite_cuisines")
        .order_by("id")[:limit]
    )


def rating_of(*, user: User, dish: Dish) -> float | None:
    """The person's latest rating of the dish."""
    if not user.is_authenticated:
        return None
    value = (
        Event.objects.filter(user_id=user.pk, dish_id=dish.pk, event_type=EventType.RATING)
        .order_by("-occurred_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return value


def lists_shown(lists: Sequence[SuggestionList]) -> list[SuggestionList]:
    """The lists that have something to show."""
    return [lst for lst in lists if lst.cards]


def origin_logged(
    *, user_id: int | None, session_id: str, dish: Dish, posted: Origin, now: datetime
) -> Origin:
    """Where the dish an action is about came from: the origin of the person's (or the guest
    visit's) latest logged impression of it in the ATTRIBUTION_WINDOW, the one `posted` names
    when an impression backs it; empty when none does, whatever the page posted."""
    shown = impression_latest(
        dish_id=dish.pk,
        user_id=user_id,
        session_id=session_id if user_id is None else None,
        since=now - ATTRIBUTION_WINDOW,
        until=now,
        claimed=Shown(posted.ranker, posted.model_version, posted.position, posted.query),
    )
    return Origin(*shown) if shown is not None else Origin()
