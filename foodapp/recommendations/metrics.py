"""Recommendation metrics for Prometheus: suggestion lists served, by ranker and model version."""

from __future__ import annotations

from prometheus_client import Counter

from foodapp.recommendations.engine import Ranking

RECOMMENDATIONS_SERVED = Counter(
    "foodapp_recommendations_served",
    "Suggestion lists served (web pages and API, cached or not), by ranker and model version.",
    ["ranker", "version"],
)


def ranking_served_count(ranking: Ranking) -> None:
    """Count one served list under its ranker and "model:version" ("none" for v1)."""
    version = f"{ranking.model_name}:{ranking.version}" if ranking.version is not None else "none"
    RECOMMENDATIONS_SERVED.labels(ranker=ranking.ranker, version=version).inc()
