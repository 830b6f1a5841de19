"""The food model on real logs: the imported UCI restaurant ratings, per person held out.

A recommender that only works on its own simulator is not one. The UCI "Restaurant & consumer
data" (data/food/uci/, CC BY 4.0) has ratings without impressions or real times, so:

- each example's recent-dishes bag is the person's other rated dishes (the 14-day window of
  orders would be empty), and at ranking time their whole training history;
- negatives are sampled afresh each epoch, never among the dishes the person rated;
- hour and weekday are the ranking context, not the made-up pseudo-times';
- early stopping follows nDCG@10 on the test protocol applied to a validation share carved
  from each person's training positives, then the model is refit on every training rating for
  the chosen number of epochs;
- each model is trained once per seed of UCI_SEEDS and each person's metrics are averaged
  (one run's figure moves too much with the seed on data this small).

It then ranks every restaurant each person has not rated in training, next to popularity and
item-kNN on the same split and candidates, and the numbers are reported whatever they show.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from foodapp.interactions.example_features import (
    dish_features_by_id,
    user_features_by_id,
    user_home,
)
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
    FOOD_SPEC,
    MODEL_NAMES,
    Columns,
    DishPool,
    FoodTraining,
    columns_concat,
    columns_length,
    columns_take,
    examples_to_columns,
    history_bags,
    sample_negatives,
    typed_column,
)
from recommender.evaluation import paired_difference_ci95
from recommender.holdout import (
    HoldoutRanking,
    holdout_mean,
    per_person_holdout,
    rank_all_items_metrics,
)

if TYPE_CHECKING:
    from recommender.training import ValidationScore

HOLDOUT_SEED = 0
VALIDATION_FRACTION = 0.1
VALIDATION_NEGATIVES = 20
# Chosen on the validation carve, mean of seeds 42-44 (README, real logs): the validation
# curve stays at popularity's level for 5-8 epochs before it climbs, and a patience of 6 could
# stop a model there (v3 once stopped at epoch 1 of 7); 8 negatives per rating over 4.
UCI_TRAINING = FoodTraining(
    epochs=60,
    patience=15,
    batch_size=256,
    hidden_units=(64, 32),
    deep_learning_rate=0.005,
    negatives_per_positive=8,
)
# Training seeds: on 1,161 ratings one model's held-out nDCG@10 moves by up to 0.1 from seed
# to seed, so each model is trained with each of them and each person's metrics averaged.
UCI_SEEDS = (42, 43, 44)
NO_SEEDS = "seeds: give at least one training seed"
NOT_IMPORTED = "the UCI restaurant ratings are not imported: run manage.py import_uci_restaurants"
_FAR = datetime(9999, 1, 1, tzinfo=UTC)
# The UCI times are pseudo-times (uci_files.pseudo_time): the context they would give (hour,
# weekday) is noise, so every example gets the context the models rank with.
_RANKING_CONTEXT = RankRequest()

Pairs = tuple[np.ndarray, np.ndarray]


def _ratings() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(user ids, dish ids, values, times) of the imported UCI ratings: UCI people on UCI
    restaurants (nobody else's events, even if a simulation ran over a catalogue holding the
    restaurants)."""
    rows = list(
        Event.objects.filter(
            event_type=EventType.RATING,
            dish__external_id__startswith=UCI_PREFIX,
            user__profile__external_id__startswith=UCI_PREFIX,
        )
        .order_by("id")
        .values_list("user_id", "dish_id", "value", "occurred_at")
    )
    users = np.asarray([r[0] for r in rows], dtype=np.int64)
    dishes = np.asarray([r[1] for r in rows], dtype=np.int64)
    values = np.asarray([r[2] if r[2] is not None else 0.0 for r in rows], dtype=np.float64)
    times = np.asarray([r[3].timestamp() for r in rows], dtype=np.float64)
    return users, dishes, values, times


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


def person_histories(
    users: np.ndarray, dishes: np.ndarray, times: np.ndarray
) -> dict[str, list[str]]:
    """user id -> their distinct dishes, newest first (ids as text, as the examples hold them).

    Args:
        users: person of each row.
        dishes: dish of each row.
        times: moment of each row (pseudo-times order the bag, nothing more).

    Returns:
        The histories.
    """
    histories: dict[str, list[str]] = {}
    for row in np.lexsort((-times, users)):
        bag = histories.setdefault(str(users[row]), [])
        if str(dishes[row]) not in bag:
            bag.append(str(dishes[row]))
    return histories


def with_history(columns: Columns, histories: Mapping[str, Sequence[str]]) -> Columns:
    """The examples with the person's history as their recent-dishes bag (their own dish left
    out) and the ranking context: an imported history has no real times, so the 14-day window
    of recent orders is empty for it and its hour and weekday are made up."""
    found = dict(columns)
    found["user_recent_dishes"] = history_bags(columns["user_id"], columns["dish_id"], histories)
    rows = columns_length(columns)
    found["hour"] = np.full(rows, _RANKING_CONTEXT.hour, dtype=np.int64)
    found["weekday"] = np.full(rows, _RANKING_CONTEXT.weekday, dtype=np.int64)
    found["device"] = typed_column([_RANKING_CONTEXT.device] * rows, "string")
    return found


def _person(user: Any, features: Mapping[str, Any], history: Sequence[str]) -> Person:
    """The person as the ranker sees them, with their training history as the recent bag."""
    return Person(
        user_id=str(user),
        diet=features["user_diet"],
        favourite_cuisines=features["user_favourite_cuisines"],
        area=features["user_area"],
        home=user_home(features),
        recent=tuple(int(d) for d in history),
    )


def model_score_fn(
    predictor: Any, catalogue: Catalogue, histories: Mapping[str, Sequence[str]]
) -> Callable[[Any, np.ndarray], Any]:
    """score_fn(user, dish ids) of a trained food model, for rank_all_items_metrics; each
    person's history (the dishes they rated in training) is their recent-dishes bag."""
    people: dict[int, dict[str, Any]] = {}

    def score(user: Any, items: np.ndarray) -> np.ndarray:
        if int(user) not in people:
            people.update(user_features_by_id(user_ids=[int(user)]))
        person = _person(user, people[int(user)], histories.get(str(user), ()))
        positions = catalogue.positions_of(tuple(int(i) for i in items))
        request = replace(_RANKING_CONTEXT, person=person)
        inputs = model_inputs(catalogue, positions, request)
        return np.asarray(predictor.logits_arrays(inputs), dtype=np.float64)

    return score


def holdout_validation_score(
    *,
    catalogue: Catalogue,
    items: np.ndarray,
    train_pairs: Pairs,
    validation_pairs: Pairs,
    histories: Mapping[str, Sequence[str]],
) -> ValidationScore:
    """Early stopping on the test protocol, carved from training: each validation person's
    held-out training positives among every dish they did not rate in the rest of training.

    Args:
        catalogue: the items' features.
        items: the catalogue's dish ids.
        train_pairs: (users, dishes) the model fits on.
        validation_pairs: (users, dishes) of the validation positives.
        histories: user id -> their recent-dishes bag while fitting.

    Returns:
        validation_score(model, run) -> {"val_ndcg@10", "val_recall@10"}.
    """
    from recommender.features import columns_to_arrays
    from recommender.training import Examples, predict_probabilities

    people = np.unique(validation_pairs[0])
    features = user_features_by_id(user_ids=[int(u) for u in people])
    positions = catalogue.positions_of(tuple(int(i) for i in items))
    parts: list[dict[str, np.ndarray]] = []
    for user in people:
        person = _person(user, features[int(user)], histories.get(str(user), ()))
        inputs = model_inputs(catalogue, positions, replace(_RANKING_CONTEXT, person=person))
        parts.append({k: np.resize(v, len(positions)) for k, v in inputs.items()})
    arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
    examples = Examples(
        features=columns_to_arrays(FOOD_SPEC, arrays),
        labels=np.zeros(len(people) * len(positions), dtype=np.float32),
    )

    def score(model: Any, run: Callable[..., Any]) -> dict[str, float]:
        logits = predict_probabilities(model, examples, run).reshape(len(people), len(items))
        rows = {u: r for r, u in enumerate(people)}

        def batched(users: np.ndarray, _items: np.ndarray) -> np.ndarray:
            return logits[[rows[u] for u in users]]

        found = rank_all_items_metrics(
            batched, train_pairs, validation_pairs, items, batch_size=len(people)
        )
        return {"val_ndcg@10": found.ndcg, "val_recall@10": found.recall}

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


def _train_and_rank(
    *,
    store: Path,
    model_type: str,
    seed: int,
    settings: FoodTraining,
    fit: tuple[Columns, Mapping[str, Sequence[str]]],
    train: tuple[Columns, Mapping[str, Sequence[str]]],
    validation: Columns,
    validation_score: ValidationScore,
    pool: DishPool,
    ranking: tuple[Catalogue, np.ndarray, Pairs, Pairs],
) -> tuple[dict[str, Any], HoldoutRanking]:
    """One seed of one model: the epochs chosen on the validation carve, a refit on every
    training rating for that many epochs, then the held-out ranking of the refit model."""
    from recommender.datasets import food
    from recommender.serving import load_predictor

    fit_columns, fit_histories = fit
    train_columns, train_histories = train
    catalogue, items, train_pairs, test_pairs = ranking
    selected = food.train_and_export(
        models_dir=store,
        model_type=model_type,
        train=fit_columns,
        validation=validation,
        test=validation,
        pool=pool,
        seed=seed,
        settings=settings,
        name=f"uci_{MODEL_NAMES[model_type]}_selection",
        negatives_exclude=fit_histories,
        validation_score=validation_score,
    )
    training = selected.metadata["training"]
    best_epoch = int(training["best_epoch"])
    # Then, as the baselines do, the model learns from every training rating: the same
    # settings for the epochs validation chose (no early stopping: validation is part of it
    # now, so the epoch of lowest training loss, in practice the last).
    final = food.train_and_export(
        models_dir=store,
        model_type=model_type,
        train=train_columns,
        validation=columns_concat([]),
        test=validation,
        pool=pool,
        seed=seed,
        settings=replace(settings, patience=0),
        epochs=best_epoch,
        name=f"uci_{MODEL_NAMES[model_type]}",
        negatives_exclude=train_histories,
    )
    predictor = load_predictor(store, final.name)
    found = rank_all_items_metrics(
        model_score_fn(predictor, catalogue, train_histories), train_pairs, test_pairs, items
    )
    run = {
        "seed": seed,
        "best_epoch": best_epoch,
        "epochs_run": int(training["epochs_run"]),
        "validation_ndcg@10": float(
            training["history"][best_epoch - 1].get("val_ndcg@10", math.nan)
        ),
        "ndcg@10": found.ndcg,
    }
    return run, found


def real_logs_evaluate(
    *,
    progress: Callable[[str], None] | None = None,
    seeds: Sequence[int] = UCI_SEEDS,
    settings: FoodTraining = UCI_TRAINING,
    rankers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Per-person held-out nDCG@10 and recall@10 on the UCI ratings: models and baselines.

    Args:
        progress: called with a line of text as each model finishes.
        seeds: one run of each model per seed (initialisation, shuffling, negatives); each
            person's nDCG@10 and recall@10 are averaged over the runs (holdout_mean), so the
            figures are one trained model's expected ones. The first also seeds the
            validation negatives.
        settings: training settings of the food models.
        rankers: ranker key -> model type to train (default v2, v3 and v4).

    Raises:
        ValueError: no seeds.

    Returns:
        {"available": bool, "reason"?, "ratings", "people", "items", "best_baseline",
        "validation_people", "seeds", "training": {name: {"validation_ndcg@10" (the models':
        mean over seeds), and for the models "runs": [{"seed", "best_epoch", "epochs_run",
        "validation_ndcg@10", "ndcg@10"}]}}, "rankers": {"popularity": {...}, "item_knn": {...},
        "v2": {...}, "v3": {...}, "v4": {...}}}.
    """
    if not seeds:
        raise ValueError(NO_SEEDS)
    users, dishes, values, times = _ratings()
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
    # Validation for early stopping: a further share of each person's training positives,
    # ranked the way the test is (never the test split).
    fit_mask, val_mask = per_person_holdout(
        *train_pairs, train_positive, fraction=VALIDATION_FRACTION, seed=HOLDOUT_SEED + 1
    )
    fit_pairs = (train_pairs[0][fit_mask], train_pairs[1][fit_mask])
    val_pairs = (train_pairs[0][val_mask], train_pairs[1][val_mask])
    train_times = times[train_mask]
    # The recent-dishes bag of an imported history is every dish the person rated (visited),
    # whatever the rating, as an app's bag holds their orders whatever they thought of them:
    # while fitting, the fitted rows; when testing, every training row.
    fit_histories = person_histories(*fit_pairs, train_times[fit_mask])
    train_histories = person_histories(*train_pairs, train_times)
    # A dish the person rated (in the rows trained on) is known, never a sampled negative.

    columns = _examples()
    uci_people = {str(u) for u in np.unique(users)}
    columns = columns_take(columns, np.flatnonzero([u in uci_people for u in columns["user_id"]]))
    fit_columns = with_history(
        columns_take(columns, np.flatnonzero(_pair_mask(columns, *fit_pairs))), fit_histories
    )
    train_columns = with_history(
        columns_take(columns, np.flatnonzero(_pair_mask(columns, *train_pairs))), train_histories
    )
    val_positives = with_history(
        columns_take(columns, np.flatnonzero(_pair_mask(columns, *val_pairs))), fit_histories
    )
    validation = columns_concat(
        [
            val_positives,
            sample_negatives(
                val_positives,
                pool,
                per_positive=VALIDATION_NEGATIVES,
                rng=np.random.default_rng(seeds[0]),
                exclude=fit_histories,
            ),
        ]
    )
    catalogue = catalogue_build(
        features={int(d): v for d, v in dish_features_by_id(dish_ids=items.tolist()).items()},
        popularity={},
        popularity_at=datetime.now(UTC),
    )
    validation_score = holdout_validation_score(
        catalogue=catalogue,
        items=items,
        train_pairs=fit_pairs,
        validation_pairs=val_pairs,
        histories=fit_histories,
    )
    # The baselines on the same validation carve, to read the models' validation scores by.
    fit_positive = train_positive[fit_mask]
    fit_fitted = (fit_pairs[0][fit_positive], fit_pairs[1][fit_positive])
    chosen: dict[str, dict[str, Any]] = {
        name: {
            "validation_ndcg@10": rank_all_items_metrics(
                scorer.fit(*fit_fitted), fit_pairs, val_pairs, items
            ).ndcg
        }
        for name, scorer in (("popularity", PopularityScorer()), ("item_knn", ItemKNNScorer()))
    }
    rankers = rankers or {key: str(RANKERS[key].model_type) for key in LEARNED_RANKERS}
    with tempfile.TemporaryDirectory(prefix="uci-models-") as store:
        for key, model_type in rankers.items():
            runs: list[dict[str, Any]] = []
            rankings: list[HoldoutRanking] = []
            for run_seed in seeds:
                run, ranking = _train_and_rank(
                    store=Path(store),
                    model_type=model_type,
                    seed=run_seed,
                    settings=settings,
                    fit=(fit_columns, fit_histories),
                    train=(train_columns, train_histories),
                    validation=validation,
                    validation_score=validation_score,
                    pool=pool,
                    ranking=(catalogue, items, train_pairs, test_pairs),
                )
                runs.append(run)
                rankings.append(ranking)
                if progress is not None:
                    progress(
                        f"real logs: {key} seed {run_seed}: nDCG@10 {run['ndcg@10']:.3f} "
                        f"(validation {run['validation_ndcg@10']:.3f} at epoch "
                        f"{run['best_epoch']} of {run['epochs_run']})"
                    )
            results[key] = holdout_mean(rankings)
            chosen[key] = {
                "validation_ndcg@10": float(np.mean([r["validation_ndcg@10"] for r in runs])),
                "runs": runs,
            }
    return {
        "available": True,
        "dataset": "UCI Restaurant & consumer data (CC BY 4.0), ratings 0-2, positive >= 1",
        "ratings": len(users),
        "people": len(np.unique(users)),
        "items": len(items),
        "best_baseline": best,
        "validation_people": len(np.unique(val_pairs[0])),
        "seeds": list(seeds),
        "training": chosen,
        "rankers": {
            name: _summary(found, None if name in ("popularity", "item_knn") else results[best])
            for name, found in results.items()
        },
    }
