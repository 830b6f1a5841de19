"""Reads of the catalogue: dish look-ups, lists and the v1 search."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BooleanField, FloatField, Q
from django.db.models.expressions import RawSQL

from foodapp.catalog.models import Dish
from foodapp.interactions.query_text import normalize_query

_CHUNK = 500


def dish_external_ids_existing(*, external_ids: Iterable[str]) -> set[str]:
    """The subset of these external ids that already name a dish."""
    return set(dish_ids_by_external_id(external_ids=external_ids))


def dish_ids_by_external_id(*, external_ids: Iterable[str]) -> dict[str, int]:
    """Map each known external id to its dish id (unknown ids are left out)."""
    keys = sorted(set(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = Dish.objects.filter(external_id__in=keys[start : start + _CHUNK])
        found.update((str(ext), pk) for ext, pk in rows.values_list("external_id", "id"))
    return found


def dish_get(*, slug: str) -> Dish:
    """The dish with this slug, with cuisine, tags and ingredients loaded (Dish.DoesNotExist)."""
    return (
        Dish.objects.on_menu()
        .select_related("cuisine")
        .prefetch_related("tags", "ingredients")
        .get(slug=slug)
    )


def dish_list(*, limit: int = 60) -> list[Dish]:
    """The most ordered dishes first, then by name."""
    return list(
        Dish.objects.on_menu()
        .select_related("cuisine")
        .order_by("-order_count", "name", "id")[:limit]
    )


# Score of a query word found in each place; a whole-phrase hit in the name adds PHRASE_BONUS.
NAME_WEIGHT = 3.0
LABEL_WEIGHT = 1.0
DESCRIPTION_WEIGHT = 0.5
PHRASE_BONUS = 2.0
TRIGRAM_WEIGHT = 3.0
# pg_trgm word similarity above which a name is a candidate even without a shared word.
TRIGRAM_THRESHOLD = 0.4
MAX_CANDIDATES = 500


def _word_filter(words: list[str]) -> Q:
    """Dishes whose name, description, cuisine or tags contain any of the words."""
    condition = Q()
    for word in words:
        condition |= (
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(cuisine__name__icontains=word)
            | Q(tags__name__icontains=word)
        )
    return condition


def _word_score(dish: Dish, words: list[str], phrase: str) -> float:
    """How well the dish's text matches the words (v1: plain substring matching)."""
    name = dish.name.lower()
    labels = " ".join(
        [dish.cuisine.name if dish.cuisine else "", *(t.name for t in dish.tags.all())]
    )
    labels = labels.lower()
    description = dish.description.lower()
    score = PHRASE_BONUS if phrase and phrase in name else 0.0
    for word in words:
        score += NAME_WEIGHT * (word in name)
        score += LABEL_WEIGHT * (word in labels)
        score += DESCRIPTION_WEIGHT * (word in description)
    return score


def dish_search(*, query: str, limit: int = 20) -> list[Dish]:
    """The v1 search: naive character matching of the query against the catalogue.

    Every query word found in a dish's name, cuisine, tags or description adds to its score;
    on PostgreSQL the pg_trgm word similarity of the query and the name adds too (and finds
    names despite typos). "fried chicken" ranks "Chicken Fried Rice" high: that is the point of
    the story's v1.

    Args:
        query: what the person typed.
        limit: the most dishes to return.

    Returns:
        Dishes by descending score, then most ordered, then name.
    """
    phrase = normalize_query(query)
    words = [word for word in phrase.split() if len(word) >= 2] or phrase.split()
    if not words:
        return []
    condition = _word_filter(words)
    dishes = Dish.objects.on_menu().select_related("cuisine").prefetch_related("tags")
    similarity: dict[int, float] = {}
    if connection.vendor == "postgresql":
        # `query <% name` is pg_trgm's word-similarity operator; the GIN index on lower(name)
        # serves it.
        trigram = RawSQL("%s <%% lower(catalog_dish.name)", (phrase,), output_field=BooleanField())
        condition |= Q(trigram)
        score = RawSQL(
            "word_similarity(%s, lower(catalog_dish.name))", (phrase,), output_field=FloatField()
        )
        scored = (
            Dish.objects.filter(condition)
            .annotate(trigram_score=score)
            .values_list("id", "trigram_score")
            .distinct()[:MAX_CANDIDATES]
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # The operator's threshold (default 0.6) is too strict for typos; only for this query.
            cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {TRIGRAM_THRESHOLD}")
            similarity = {dish_id: float(value) for dish_id, value in scored}
        candidates = list(dishes.filter(id__in=list(similarity)))
    else:
        ids = Dish.objects.filter(condition).values_list("id", flat=True).distinct()
        candidates = list(dishes.filter(id__in=list(ids[:MAX_CANDIDATES])))
    ranked = sorted(
        candidates,
        key=lambda dish: (
            -(_word_score(dish, words, phrase) + TRIGRAM_WEIGHT * similarity.get(dish.id, 0.0)),
            -dish.order_count,
            dish.name,
        ),
    )
    return ranked[:limit]
