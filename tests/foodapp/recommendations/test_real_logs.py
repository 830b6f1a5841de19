"""The real-logs path on hand-built rating histories: the person's history is their bag in
training and at ranking time, and validation ranks the way the test does."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.management import call_command

from foodapp.interactions.example_features import dish_features_by_id
from foodapp.recommendations.catalogue import catalogue_build
from foodapp.recommendations.models import Evaluation
from foodapp.recommendations.real_logs import (
    NOT_IMPORTED,
    holdout_validation_score,
    model_score_fn,
    person_histories,
    with_history,
)
from recommender.datasets.food import LIST_JOIN, examples_to_columns
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import UserFactory
from tests.recommender.datasets.test_food import example

pytestmark = pytest.mark.django_db


def test_histories_are_each_persons_distinct_dishes_newest_first():
    users = np.array([1, 1, 2, 1, 1])
    dishes = np.array([10, 11, 12, 10, 13])
    times = np.array([5.0, 9.0, 1.0, 7.0, 2.0])
    assert person_histories(users, dishes, times) == {"1": ["11", "10", "13"], "2": ["12"]}


def test_training_examples_get_the_history_bag_and_the_ranking_context():
    # Ratings at pseudo-times: the 14-day window of recent orders is empty for all of them.
    rows = [example(1, d, label=1, t=1e6 * d, source="rating") for d in (2, 3, 4)]
    rows.append(example(2, 5, label=0, t=3.0, source="rating"))
    columns = examples_to_columns(rows)
    assert set(columns["user_recent_dishes"]) == {""}
    found = with_history(columns, {"1": ["4", "3", "2"], "2": ["5", "6"]})
    assert found["user_recent_dishes"].tolist() == ["4|3", "4|2", "3|2", "6"]
    assert set(found["hour"]) == {12} and set(found["weekday"]) == {0}
    assert found["dish_id"].tolist() == columns["dish_id"].tolist()


@pytest.fixture
def restaurants():
    """Six items with their catalogue and two raters."""
    dishes = [DishFactory(course="") for _ in range(6)]
    ids = np.array(sorted(d.pk for d in dishes), dtype=np.int64)
    catalogue = catalogue_build(
        features=dish_features_by_id(dish_ids=ids.tolist()),
        popularity={},
        popularity_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return ids, catalogue, [UserFactory().pk, UserFactory().pk]


class RecordingPredictor:
    """Stands in for a trained model to see the inputs the ranker builds (the test is about
    those inputs, not about what a model makes of them)."""

    def __init__(self) -> None:
        self.bags: list[str] = []

    def logits_arrays(self, inputs):
        self.bags.append(str(inputs["user_recent_dishes"][0]))
        return np.zeros(len(inputs["dish_id"]))


def test_ranking_gives_the_model_the_persons_training_history(restaurants):
    ids, catalogue, (ana, bob) = restaurants
    histories = {str(ana): [str(ids[0]), str(ids[1])]}
    predictor = RecordingPredictor()
    score = model_score_fn(predictor, catalogue, histories)
    assert score(ana, ids[2:]).shape == (4,)
    score(bob, ids)
    assert predictor.bags == [f"{ids[0]}{LIST_JOIN}{ids[1]}", ""]


def test_validation_ranks_every_dish_not_rated_in_the_fitted_rows(restaurants):
    ids, catalogue, (ana, bob) = restaurants
    fitted = (np.array([ana, ana, bob]), ids[[0, 1, 2]])
    held = (np.array([ana, bob]), ids[[3, 4]])
    histories = {str(ana): [str(ids[0]), str(ids[1])], str(bob): [str(ids[2])]}
    score = holdout_validation_score(
        catalogue=catalogue,
        items=ids,
        train_pairs=fitted,
        validation_pairs=held,
        histories=histories,
    )
    seen: list[tuple[str, str]] = []

    def run_for(best: dict[str, int]):
        """A scorer putting each person's `best` dish first and recording its inputs."""

        def run(batch):
            users = batch["user_id"].numpy().astype(str)
            dishes = batch["dish_id"].numpy().astype(str)
            seen.extend(zip(users, batch["user_recent_dishes"].numpy().astype(str), strict=True))
            return np.array(
                [[5.0 if str(best[u]) == d else 0.0] for u, d in zip(users, dishes, strict=True)]
            )

        return run

    perfect = score(None, run_for({str(ana): ids[3], str(bob): ids[4]}))
    assert perfect == {"val_ndcg@10": 1.0, "val_recall@10": 1.0}
    assert dict(seen) == {str(ana): f"{ids[0]}|{ids[1]}", str(bob): str(ids[2])}
    # The last dish first, the others tied in catalogue order: Ana's candidates are ids 2-5
    # (0 and 1 are hers), so her held-out 3 comes third; Bob's are all but 2, his 4 comes fifth.
    found = score(None, run_for({str(ana): ids[5], str(bob): ids[5]}))
    assert found["val_ndcg@10"] == pytest.approx((1 / np.log2(4) + 1 / np.log2(6)) / 2)


def test_evaluate_real_logs_only_needs_no_simulation_and_says_what_is_missing():
    out = io.StringIO()
    call_command("evaluate", "food", "--real-logs-only", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"real_logs": {"available": False, "reason": NOT_IMPORTED}}
    out = io.StringIO()
    call_command("evaluate", "food", "--real-logs-only", stdout=out)
    assert NOT_IMPORTED in out.getvalue()
    assert not Evaluation.objects.exists()


def test_the_real_logs_lines_give_intervals_the_paired_gap_and_each_seeds_figure():
    from foodapp.recommendations.management.commands.evaluate import Command

    ranking = {"ndcg@10_ci95": [0.2, 0.4], "recall@10": 0.5, "coverage@10": 0.9}
    real = {
        "available": True,
        "best_baseline": "item_knn",
        "training": {
            "item_knn": {"validation_ndcg@10": 0.21},
            "v4": {
                "validation_ndcg@10": 0.25,
                "runs": [{"seed": 42, "ndcg@10": 0.31}, {"seed": 43, "ndcg@10": 0.27}],
            },
        },
        "rankers": {
            "item_knn": {**ranking, "ndcg@10": 0.348},
            "v4": {
                **ranking,
                "ndcg@10": 0.29,
                "ndcg@10_minus_best_baseline": -0.058,
                "ndcg@10_minus_best_baseline_ci95": [-0.1, -0.01],
            },
        },
    }
    out = io.StringIO()
    command = Command(stdout=out)
    command.write_real_logs(real)
    lines = [line for line in out.getvalue().splitlines() if line]
    assert "item_knn    nDCG@10 0.348 [0.200, 0.400]" in lines[1]
    assert "validation nDCG@10 0.210" in lines[1]
    assert "v4          nDCG@10 0.290 [0.200, 0.400]" in lines[2]
    assert "minus item_knn -0.058 [-0.100, -0.010] (paired by person)" in lines[3]
    assert lines[3].endswith("by seed 42: 0.310, 43: 0.270")
    assert len(lines) == 4
