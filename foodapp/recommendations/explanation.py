"""Why a dish was suggested: the memorized (wide) and generalized (deep) parts of its logit.

The wide part is a sum of one learned weight per active sparse feature and cross, so each of its
inputs has an exact share; the two or three that weigh most are told in words ("people who
search fried chicken order this"). The deep part is one number: what the embeddings generalize.
wide + deep = the logit, always.
"""

from __future__ import annotations

from dataclasses import dataclass

TOP_REASONS = 3
MIN_REASON_WEIGHT = 0.05
# Wide inputs that are the same for every candidate of a request (the slot is ranked at position
# 0): they move every logit alike, so they never say why this dish rather than another.
SAME_FOR_EVERY_CANDIDATE = frozenset({"position", "hour", "weekday", "device"})


@dataclass(frozen=True)
class Reason:
    """One wide input's share of the logit, in words."""

    feature: str
    weight: float
    text: str


@dataclass(frozen=True)
class Explanation:
    """The parts of one suggestion's logit; for v1 (no model) only `reasons` are set."""

    logit: float | None
    wide: float | None
    deep: float | None
    reasons: tuple[Reason, ...]

    @property
    def leaning(self) -> str:
        """ "memorized", "generalized" or "matched" (v1): which part carries the suggestion."""
        if self.wide is None or self.deep is None:
            return "matched"
        return "memorized" if self.wide - self.deep > 0 else "generalized"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "logit": self.logit,
            "wide": self.wide,
            "deep": self.deep,
            "leaning": self.leaning,
            "reasons": [
                {"feature": r.feature, "weight": round(r.weight, 4), "text": r.text}
                for r in self.reasons
            ],
        }


@dataclass(frozen=True)
class ReasonContext:
    """What the words of a reason refer to."""

    query: str
    dish_name: str
    cuisine: str
    course: str
    hour: int
    ordered_before: bool


def reason_text(feature: str, context: ReasonContext) -> str:
    """The words for one wide input of the food model."""
    query, cuisine = f"“{context.query}”", context.cuisine or "this cuisine"
    texts = {
        "query_x_dish": f"people who search {query} order this",
        "user_x_dish": "you ordered this before"
        if context.ordered_before
        else "people with your history order this",
        "user_x_cuisine": f"you like {cuisine} food",
        "hour_x_course": f"a {context.course or 'dish'} people order at {context.hour}:00",
        "query_x_cuisine": f"searches for {query} often end in {cuisine} food",
        "match_x_course": f"its name matches {query}",
        "text_match": f"its name matches {query}",
        "name_overlap": f"its name shares words with {query}",
        "query": f"what people order when they search {query}",
        "query_text": f"the words of {query}",
        "dish_id": "a dish people order",
        "dish_popularity": "ordered often lately",
        "dish_cuisine": f"{cuisine} food",
        "dish_course": f"a {context.course}",
        "dish_tags": "its tags",
        "dish_ingredients": "its ingredients",
        "dish_price": "its price",
        "dish_spice_level": "its spice level",
        "hour": f"the hour ({context.hour}:00)",
        "user_favourite_cuisines": "your favourite cuisines",
    }
    return texts.get(feature, feature.replace("_", " "))


def explanation_build(
    *,
    logit: float,
    wide: float,
    deep: float,
    contributions: dict[str, float],
    context: ReasonContext,
) -> Explanation:
    """The explanation of a learned ranker's suggestion.

    Args:
        logit: the model's logit (= wide + deep).
        wide: the wide part (bias + every wide input's weight).
        deep: the deep part.
        contributions: each wide input's share of `wide` (the bias excluded).
        context: what the reasons talk about.

    Returns:
        The logit parts and the top reasons (positive shares only, largest first).
    """
    for_query = {"query_x_dish", "query_x_cuisine", "match_x_course", "text_match", "query"}
    ranked = sorted(contributions.items(), key=lambda item: -item[1])
    reasons = tuple(
        Reason(feature=name, weight=weight, text=reason_text(name, context))
        for name, weight in ranked
        if weight >= MIN_REASON_WEIGHT
        and name not in SAME_FOR_EVERY_CANDIDATE
        and (context.query or name not in for_query)
    )[:TOP_REASONS]
    return Explanation(logit=logit, wide=wide, deep=deep, reasons=reasons)


def naive_explanation(*, text_match: float, query: str) -> Explanation:
    """v1's reason: the words matched, or popularity for the feed."""
    if query and text_match > 0:
        text = f"its text matches “{query}” ({text_match:.2f})"
        reason = Reason(feature="text_match", weight=text_match, text=text)
    else:
        reason = Reason(feature="dish_popularity", weight=0.0, text="popular with everyone")
    return Explanation(logit=None, wide=None, deep=None, reasons=(reason,))
