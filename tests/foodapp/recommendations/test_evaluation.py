"""`evaluate food`: the JSON's shape and values on a tiny simulated log, stored for the page."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from foodapp.recommendations.models import Evaluation
from foodapp.recommendations.real_logs import real_logs_evaluate
from foodapp.training.models import ModelVersion
from recommender.datasets.food import FoodTraining

from .test_selectors import train_all

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
RANKER_KEYS = {"auc", "logloss", "ndcg@10", "recall@10", "coverage", "intra_list_diversity",
               "online_order_rate", "online_order_rate_ci95"}  # fmt: skip


def test_evaluate_without_a_simulation_names_what_to_do(db):
    with pytest.raises(CommandError, match="simulate"):
        call_command("evaluate", "food", "--no-real-logs", stdout=io.StringIO())


def test_evaluate_food_json_shape_values_and_storage(simulated_history, models_dir):
    train_all()
    out = io.StringIO()
    call_command("evaluate", "food", "--json", "--sessions", "60", "--no-real-logs", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result["rankers"]) == {"v1", "v2", "v3", "v4", "oracle"}
    for name, metrics in result["rankers"].items():
        assert set(metrics) >= RANKER_KEYS or name == "oracle"
        rate = metrics["online_order_rate"]
        low, high = metrics["online_order_rate_ci95"]
        assert 0 <= low <= rate <= high
    for name in ("v2", "v3", "v4"):
        metrics = result["rankers"][name]
        assert 0 <= metrics["auc"] <= 1 and metrics["logloss"] > 0
        assert 0 < metrics["coverage"] <= 1
        assert 0 <= metrics["intra_list_diversity"] <= 2
    assert result["rankers"]["v1"]["logloss"] is None  # v1 gives scores, not probabilities
    # The paired gain over the same sessions is exactly the difference of the means.
    v2 = result["rankers"]["v2"]["online_order_rate"]
    for name in ("v1", "v3", "v4", "oracle"):
        gain = result["rankers"][name]["online_gain_vs_v2"]
        assert gain == pytest.approx(result["rankers"][name]["online_order_rate"] - v2)
        low, high = result["rankers"][name]["online_gain_vs_v2_ci95"]
        assert low <= gain <= high
    assert "online_gain_vs_v2" not in result["rankers"]["v2"]
    slices = result["slices"]
    assert {"head queries", "tail queries", "home feed", "new people", "specific queries"} <= set(
        slices
    )
    assert sum(slices[n]["sessions"] for n in ("specific queries", "general queries",
                                               "home feed")) == 60  # fmt: skip
    assert result["claims"] and all(isinstance(c, str) for c in result["claims"])
    retrieval = result["retrieval"]
    assert retrieval["orders"] > 0 and 0 <= retrieval["recall"] <= 1
    assert retrieval["mean_candidates"] >= 1
    v4 = result["rankers"]["v4"]
    assert v4["online_gain_vs_v3"] == pytest.approx(
        v4["online_order_rate"] - result["rankers"]["v3"]["online_order_rate"]
    )

    stored = Evaluation.objects.get()
    assert stored.result["rankers"] == result["rankers"]
    assert set(stored.versions) == {"v2", "v3", "v4"}
    for version in ModelVersion.objects.filter(model_name__startswith="food_"):
        assert version.metadata["evaluation"]["id"] == stored.pk

    page = Client().get("/storyline/?q=fried+chicken")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{result['rankers']['v4']['online_order_rate']:.3f}" in html
    assert "v4 wide &amp; deep" in html and "wide" in html and "deep" in html


def test_real_logs_rank_held_out_ratings_next_to_baselines(db, models_dir):
    assert real_logs_evaluate()["available"] is False
    call_command("import_uci_restaurants", stdout=io.StringIO())
    tiny = FoodTraining(epochs=2, patience=2, batch_size=128, hidden_units=(16,))
    result = real_logs_evaluate(settings=tiny, rankers={"v4": "wide_deep"}, seeds=(1, 2))
    assert result["available"] and result["ratings"] == 1161
    rankers = result["rankers"]
    assert set(rankers) == {"popularity", "item_knn", "v4"}
    for metrics in rankers.values():
        assert 0 <= metrics["ndcg@10"] <= 1 and 0 <= metrics["recall@10"] <= 1
        assert metrics["people"] == rankers["popularity"]["people"] > 100
    assert rankers["item_knn"]["ndcg@10"] > rankers["popularity"]["ndcg@10"]
    assert "ndcg@10_minus_best_baseline" in rankers["v4"]
    # Validation scores (the test protocol on a carve of training) for baselines and models.
    training = result["training"]
    assert set(training) == {"popularity", "item_knn", "v4"}
    assert all(0 <= entry["validation_ndcg@10"] <= 1 for entry in training.values())
    runs = training["v4"]["runs"]
    assert [run["seed"] for run in runs] == [1, 2] == result["seeds"]
    assert all(1 <= run["best_epoch"] <= run["epochs_run"] <= 2 for run in runs)
    # Each person's metrics are averaged over the seeds' runs, so the mean is the runs' mean.
    assert rankers["v4"]["ndcg@10"] == pytest.approx(np.mean([run["ndcg@10"] for run in runs]))
    assert training["v4"]["validation_ndcg@10"] == pytest.approx(
        np.mean([run["validation_ndcg@10"] for run in runs])
    )
    assert training["item_knn"]["validation_ndcg@10"] > training["popularity"]["validation_ndcg@10"]
