"""What the storyline page shows: the four rankers side by side, and the stored evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from foodapp.catalog.models import Dish
from foodapp.people.models import Profile
from foodapp.recommendations.charts import Bar, interval_bars_svg
from foodapp.recommendations.engine import Ranking
from foodapp.recommendations.models import Evaluation
from foodapp.recommendations.rankers import RANKERS, RankerInfo
from foodapp.recommendations.selectors import recommendations_for
from foodapp.training.predictors import ModelNotAvailableError

STORY_QUERIES = ("fried chicken", "iced decaf latte with nonfat milk", "seafood", "italian food")
PERSONAS_SHOWN = 24
SUGGESTIONS_SHOWN = 5
TABLE_METRICS = (
    ("auc", "AUC"),
    ("ndcg@10", "nDCG@10"),
    ("recall@10", "recall@10"),
    ("coverage", "coverage"),
    ("intra_list_diversity", "diversity"),
    ("online_order_rate", "orders/session"),
)


@dataclass(frozen=True)
class Column:
    """One ranker's suggestions for the page, or why it has none."""

    info: RankerInfo
    ranking: Ranking | None
    dishes: dict[int, Dish] = field(default_factory=dict)
    unavailable: str = ""


def personas() -> list[Profile]:
    """Simulated people to pick from, with what they state."""
    return list(
        Profile.objects.filter(attributes__simulated=True)
        .select_related("user")
        .prefetch_related("favourite_cuisines")
        .order_by("id")[:PERSONAS_SHOWN]
    )


def storyline_columns(*, user: AbstractBaseUser | None, query: str) -> list[Column]:
    """Each ranker's top suggestions for the persona and query, explained."""
    columns = []
    for info in RANKERS.values():
        try:
            ranking = recommendations_for(
                user=user, query=query, k=SUGGESTIONS_SHOWN, ranker=info.key, explain=True
            )
        except ModelNotAvailableError as error:
            columns.append(Column(info=info, ranking=None, unavailable=str(error)))
            continue
        ids = [s.dish_id for s in ranking.suggestions]
        dishes = Dish.objects.select_related("cuisine").in_bulk(ids)
        columns.append(Column(info=info, ranking=ranking, dishes=dishes))
    return columns


def evaluation_latest() -> Evaluation | None:
    """The most recent stored evaluation."""
    return Evaluation.objects.first()


def evaluation_view(evaluation: Evaluation) -> dict[str, Any]:
    """The stored evaluation as table rows, a chart and sentences built from its numbers."""
    rankers: dict[str, dict[str, Any]] = evaluation.result.get("rankers", {})
    names = [key for key in (*RANKERS, "oracle") if key in rankers]
    rows = [
        {
            "key": key,
            "title": RANKERS[key].title if key in RANKERS else "oracle (the hidden truth)",
            "values": [rankers[key].get(metric) for metric, _ in TABLE_METRICS],
            "gain": rankers[key].get("online_gain_vs_v2"),
            "gain_ci": rankers[key].get("online_gain_vs_v2_ci95"),
        }
        for key in names
    ]
    bars = [
        Bar(key, *_rate(rankers[key]))
        for key in names
        if rankers[key].get("online_order_rate") is not None
    ]
    chart = (
        interval_bars_svg(
            bars, title="Orders per session, online in the simulator", unit="orders / session"
        )
        if bars
        else ""
    )
    return {
        "evaluation": evaluation,
        "headers": [label for _, label in TABLE_METRICS],
        "rows": rows,
        "chart": chart,
        "slices": evaluation.result.get("slices", {}),
        "claims": evaluation.result.get("claims", []),
    }


def _rate(metrics: dict[str, Any]) -> tuple[float, float, float]:
    """Order rate and its interval."""
    low, high = metrics.get("online_order_rate_ci95") or (None, None)
    rate = float(metrics["online_order_rate"])
    return rate, float(low if low is not None else rate), float(high if high is not None else rate)
