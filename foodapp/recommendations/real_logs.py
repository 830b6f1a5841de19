"""The food model on real logs: the imported UCI restaurant ratings, per person held out.

A recommender that only works on its own simulator is not one. The UCI "Restaurant & consumer
data" (data/food/uci/, CC BY 4.0) has ratings and no impressions, so the food model trains on
them with negatives sampled afresh each epoch and early stopping on validation nDCG@10; then it
ranks every restaurant each person has not rated in training, next to popularity and item-kNN,
and the numbers are reported whatever they show.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from foodapp.interactions.example_features import dish_features_by_id, user_features_by_id
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.training_examples import SplitCutoffs, training_examples_iter
from foodapp.interactions.uci_files import UCI_MIN_POSITIVE_RATING, UCI_PREFIX
from foodapp.recommendations.catalogue import Catalogue, catalogue_build
from foodapp.recommendations.rankers import LEARNED_RANKERS, RANKERS
from foodapp.recommendations.request import Person, RankRequest
from foodapp.recommendations.scoring import model_inputs
from foodapp.recommendations.training_data import dish_pool
from recommender.baselines import ItemKNNScorer, PopularityScorer
from recommender.datasets.food import (
    MODEL_NAMES,
    Columns,
    FoodTraining,
    columns_concat,
    columns_take,
    examples_to_columns,
    sample_negatives,
)
from recommender.evaluation import paired_difference_ci95
from recommender.holdout import HoldoutRanking, per_person_holdout, rank_all_items_metrics

HOLDOUT_SEED = 0
VALIDATION_FRACTION = 0.1
VALIDATION_NEGATIVES = 20
UCI_TRAINING = FoodTraining(epochs=30, patience=4, batch_size=256, hidden_units=(64, 32))
NOT_IMPORTED = "the UCI restaurant ratings are not imported: run manage.py import_uci_restaurants"
_FAR = datetime(9999, 1, 1, tzinfo=UTC)


def _ratings() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user ids, dish ids, values) of the imported UCI ratings: UCI people on UCI restaurants
    (nobody else's events, even if a simulation ran over a catalogue holding the restaurants)."""
    rows = list(
        Event.objects.filter(
            event_type=EventType.RATING,
            dish__external_id__startswith=UCI_PREFIX,
            user__profile__external_id__startswith=UCI_PREFIX,
        ).values_list("user_id", "dish_id", "value")
    )
    users = np.asarray([r[0] for r in rows], dtype=np.int64)
    dishes = np.asarray([r[1] for r in rows], dtype=np.int64)
    values = np.asarray([r[2] if r[2] is not None else 0.0 for r in rows], dtype=np.float64)
    return users, dishes, values


def _examples() -> Columns:
    """Every UCI rating as one example (positive at UCI_MIN_POSITIVE_RATING), no negatives."""
    cutoffs = SplitCutoffs(validation_start=_FAR, test_start=_FAR)
    examples = training_examples_iter(
        split="train",
        cutoffs=cutoffs,
        item_prefix=UCI_PREFIX,
        negatives_per_positive=0,
        min_positive_rating=UCI_MIN_POSITIVE_RATING,
    )
    return examples_to_columns(islice(examples, None))


def _pair_mask(columns: Columns, users: np.ndarray, dishes: np.ndarray) -> np.ndarray:
    """Rows of `columns` whose (user, dish) is one of the given pairs."""
    wanted = {(str(u), str(d)) for u, d in zip(users, dishes, strict=True)}
    return np.array(
        [(u, d) in wanted for u, d in zip(columns["user_id"], columns["dish_id"], strict=True)],
        dtype=bool,
    )


def model_score_fn(predictor: Any, catalogue: Catalogue) -> Callable[[Any, np.ndarray], Any]:
    """score_fn(user, dish ids) of a trained food model, for rank_all_items_metrics."""
    people: dict[int, dict[str, str]] = {}

    def score(user: Any, items: np.ndarray) -> np.ndarray:
        if int(user) not in people:
            people.update(user_features_by_id(user_ids=[int(user)]))
        features = people[int(user)]
        person = Person(
            user_id=str(user),
            diet=features["user_diet"],
            favourite_cuisines=features["user_favourite_cuisines"],
            area=features["user_area"],
        )
        positions = catalogue.positions_of(tuple(int(i) for i in items))
        inputs = model_inputs(catalogue, positions, RankRequest(person=person))
        return np.asarray(predictor.logits_arrays(inputs), dtype=np.float64)

    return score


def _summary(found: HoldoutRanking, best_baseline: HoldoutRanking | None) -> dict[str, Any]:
    """A ranking's metrics, with the paired nDCG difference to the best baseline."""
    summary = found.as_dict()
    if best_baseline is not None and np.array_equal(found.people, best_baseline.people):
        diff, low, high = paired_difference_ci95(
            found.ndcg_per_person, best_baseline.ndcg_per_person
        )
        summary["ndcg@10_minus_best_baseline"] = diff
        summary["ndcg@10_minus_best_baseline_ci95"] = [low, high]
    return summary


def real_logs_evaluate(
    *,
    progress: Callable[[str], None] | None = None,
    seed: int = 42,
    settings: FoodTraining = UCI_TRAINING,
    rankers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Per-person held-out nDCG@10 and recall@10 on the UCI ratings: models and baselines.

    Args:
        progress: called with a line of text as each model finishes.
        seed: seeds the models and the validation negatives.
        settings: training settings of the food models.
        rankers: ranker key -> model type to train (default v2, v3 and v4).

    Returns:
        {"available": bool, "reason"?, "ratings", "people", "rankers": {"popularity": {...},
        "item_knn": {...}, "v2": {...}, "v3": {...}, "v4": {...}}}.
    """
    users, dishes, values = _ratings()
    if not len(users):
        return {"available": False, "reason": NOT_IMPORTED}
    positive = values >= UCI_MIN_POSITIVE_RATING
    train_mask, test_mask = per_person_holdout(users, dishes, positive, seed=HOLDOUT_SEED)
    train_pairs = (users[train_mask], dishes[train_mask])
    test_pairs = (users[test_mask], dishes[test_mask])
    pool = dish_pool(item_prefix=UCI_PREFIX)
    items = np.asarray(sorted(int(d) for d in pool.columns["dish_id"]), dtype=np.int64)
    train_positive = positive[train_mask]
    fitted = (train_pairs[0][train_positive], train_pairs[1][train_positive])
    results: dict[str, HoldoutRanking] = {
        "popularity": rank_all_items_metrics(
            PopularityScorer().fit(*fitted), train_pairs, test_pairs, items
        ),
        "item_knn": rank_all_items_metrics(
            ItemKNNScorer().fit(*fitted), train_pairs, test_pairs, items
        ),
    }
    best = max(("popularity", "item_knn"), key=lambda name: results[name].ndcg)
    columns = _examples()
    uci_people = {str(u) for u in np.unique(users)}
    columns = columns_take(columns, np.flatnonzero([u in uci_people for u in columns["user_id"]]))
    held = _pair_mask(columns, *test_pairs)
    train_columns = columns_take(columns, np.flatnonzero(~held))
    # Validation: a further share of each person's training positives, for early stopping.
    val_users = np.asarray([int(u) for u in train_columns["user_id"]])
    val_dishes = np.asarray([int(d) for d in train_columns["dish_id"]])
    fit_mask, val_mask = per_person_holdout(
        val_users,
        val_dishes,
        train_columns["label"] == 1,
        fraction=VALIDATION_FRACTION,
        seed=HOLDOUT_SEED + 1,
    )
    fit_columns = columns_take(train_columns, np.flatnonzero(fit_mask))
    val_positives = columns_take(train_columns, np.flatnonzero(val_mask))
    validation = columns_concat(
        [
            val_positives,
            sample_negatives(
                val_positives,
                pool,
                per_positive=VALIDATION_NEGATIVES,
                rng=np.random.default_rng(seed),
            ),
        ]
    )
    catalogue = catalogue_build(
        features={int(d): v for d, v in dish_features_by_id(dish_ids=items.tolist()).items()},
        popularity={},
        popularity_at=datetime.now(UTC),
    )
    from recommender.datasets import food
    from recommender.serving import load_predictor

    rankers = rankers or {key: str(RANKERS[key].model_type) for key in LEARNED_RANKERS}
    with tempfile.TemporaryDirectory(prefix="uci-models-") as store:
        for key, model_type in rankers.items():
            exported = food.train_and_export(
                models_dir=Path(store),
                model_type=model_type,
                train=fit_columns,
                validation=validation,
                test=validation,
                pool=pool,
                seed=seed,
                settings=settings,
                name=f"uci_{MODEL_NAMES[model_type]}",
            )
            predictor = load_predictor(Path(store), exported.name)
            results[key] = rank_all_items_metrics(
                model_score_fn(predictor, catalogue), train_pairs, test_pairs, items
            )
            if progress is not None:
                progress(
                    f"real logs: {key} nDCG@10 {results[key].ndcg:.3f} "
                    f"(epochs {exported.metadata['training']['epochs_run']})"
                )
    return {
        "available": True,
        "dataset": "UCI Restaurant & consumer data (CC BY 4.0), ratings 0-2, positive >= 1",
        "ratings": len(users),
        "people": len(np.unique(users)),
        "items": len(items),
        "best_baseline": best,
        "rankers": {
            name: _summary(found, None if name in ("popularity", "item_knn") else results[best])
            for name, found in results.items()
        },
    }
