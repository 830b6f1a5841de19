"""Training metrics for Prometheus: runs by model and state, read from the database at scrape."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from foodapp.training.models import TrainingRun


class TrainingRunsCollector(Collector):
    """foodapp_training_runs{model, state}: how many runs each model has in each state."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "foodapp_training_runs", "Training runs by model and state.", labels=["model", "state"]
        )
        try:
            rows = list(
                TrainingRun.objects.values("model_name", "state")
                .annotate(runs=Count("id"))
                .order_by("model_name", "state")
            )
        except DatabaseError:  # the scrape still answers the other metrics
            rows = []
        for row in rows:
            gauge.add_metric([row["model_name"], row["state"]], row["runs"])
        yield gauge


TRAINING_RUNS = TrainingRunsCollector()
