import json

import numpy as np
import pytest

from recommender.datasets import food
from recommender.datasets.food import (
    EXAMPLE_FIELDS,
    MODEL_INPUTS,
    FoodTraining,
    columns_length,
    dish_pool_build,
    epoch_examples,
    event_groups,
    examples_to_columns,
    history_bags,
    sample_negatives,
)

DAY = 86_400.0
CUISINES = ("Italian", "Thai", "American")


def dish_row(dish_id: int) -> dict:
    cuisine = CUISINES[dish_id % 3]
    return {
        "dish_id": str(dish_id),
        "dish_name": f"{cuisine} dish {dish_id}" if dish_id != 7 else "Chicken and Waffles",
        "dish_cuisine": cuisine,
        "dish_course": "main",
        "dish_tags": "tag" + str(dish_id % 2),
        "dish_ingredients": "chicken|flour" if dish_id == 7 else "rice",
        "dish_price": 10.0 + dish_id,
        "dish_spice_level": dish_id % 4,
        "dish_is_vegetarian": dish_id % 2,
        "dish_is_vegan": 0,
        "dish_is_gluten_free": 0,
        "dish_latitude": np.nan,
        "dish_longitude": np.nan,
    }


DISHES = {d: dish_row(d) for d in range(1, 13)}


def example(
    user: int,
    dish: int,
    *,
    label: int,
    t: float,
    query: str = "",
    source="impression",
    position: int = 0,
    event: int = 0,
) -> dict:
    return {
        "user_id": str(user),
        "user_diet": "",
        "user_favourite_cuisines": CUISINES[user % 3],
        "user_area": "north",
        "user_recent_dishes": "",
        "user_latitude": np.nan,
        "user_longitude": np.nan,
        "query": query,
        "query_text": query,
        **DISHES[dish],
        "dish_popularity": 3.0,
        "text_match": 1.0 if query and "chicken" in DISHES[dish]["dish_name"].lower() else 0.0,
        "name_overlap": 0.0,
        "home_distance_km": food.NO_DISTANCE,
        "position": position,
        "hour": 12,
        "weekday": 2,
        "device": "ios",
        "event_id": event,
        "timestamp": t,
        "source": source,
        "label": label,
    }


def synthetic_log(rng: np.random.Generator, count: int, start: float = 0.0) -> list[dict]:
    """Slates of 4 where a person orders dishes of their own cuisine."""
    rows = []
    for slate in range(count):
        user = int(rng.integers(0, 30))
        shown = rng.choice(np.arange(1, 13), size=4, replace=False)
        for position, dish in enumerate(shown):
            likes = CUISINES[int(dish) % 3] == CUISINES[user % 3]
            label = int(rng.random() < (0.6 if likes else 0.05))
            rows.append(
                example(
                    user,
                    int(dish),
                    label=label,
                    t=start + slate * 60.0,
                    position=position,
                    event=slate * 10 + position,
                )
            )
    return rows


def test_examples_to_columns_types_every_field():
    columns = examples_to_columns([example(1, 2, label=1, t=5.0)])
    assert set(columns) == set(EXAMPLE_FIELDS)
    assert columns["dish_price"].dtype == np.float32
    assert columns["position"].dtype == np.int64
    assert columns["dish_name"].dtype == object
    assert set(MODEL_INPUTS) <= set(EXAMPLE_FIELDS)


def test_sampled_negatives_are_other_dishes_with_their_own_features():
    times = {d: [100.0 * d] for d in DISHES}
    _, pool = dish_pool_build(DISHES, times)
    positives = examples_to_columns(
        [example(1, 7, label=1, t=50 * DAY, query="fried chicken", source="order", event=9)]
    )
    negatives = sample_negatives(positives, pool, per_positive=40, rng=np.random.default_rng(0))
    assert columns_length(negatives) == 40
    assert "7" not in set(negatives["dish_id"])
    assert set(negatives["label"]) == {0} and set(negatives["source"]) == {"sampled"}
    assert set(negatives["event_id"]) == {9}  # grouped with their positive
    for row in range(40):
        dish = int(negatives["dish_id"][row])
        assert negatives["dish_cuisine"][row] == DISHES[dish]["dish_cuisine"]
        # One order at 100*d seconds: inside the 28-day window of day 50? No: 50 days later.
        assert negatives["dish_popularity"][row] == 0.0
    assert negatives["position"].tolist() == [food.NO_POSITION] * 40


def test_popularity_counts_only_the_window_before_the_moment():
    _, pool = dish_pool_build(DISHES, {1: [0.0, 10 * DAY, 20 * DAY, 30 * DAY]})
    counts = pool.popularity_at(np.array([0, 0, 0]), np.array([30 * DAY, 30 * DAY + 1, 0.0]))
    # At day 30: orders at days 10 and 20 (day 0 is out of the 28-day window; day 30 is not before).
    assert counts.tolist() == [2.0, 3.0, 0.0]


def test_relevance_is_recomputed_for_sampled_dishes():
    _, pool = dish_pool_build(DISHES)
    positives = examples_to_columns(
        [example(1, 1, label=1, t=1.0, query="chicken waffles", source="order")]
    )
    negatives = sample_negatives(positives, pool, per_positive=11, rng=np.random.default_rng(1))
    by_dish = dict(zip(negatives["dish_id"], negatives["text_match"], strict=True))
    assert by_dish["7"] == pytest.approx(
        (2 + 0.25) / 2
    )  # both words in the name, one in ingredients
    assert max(v for d, v in by_dish.items() if d != "7") == 0.0


def test_each_epoch_draws_fresh_negatives():
    _, pool = dish_pool_build(DISHES)
    logged = examples_to_columns(
        [example(u, 1 + u % 12, label=1, t=float(u), source="order", event=u) for u in range(20)]
    )
    examples_for = epoch_examples(logged, pool, per_positive=4, seed=3)
    first, second, again = examples_for(1), examples_for(2), examples_for(1)
    assert len(first) == 20 * 5
    assert first.labels.sum() == 20
    assert list(first.features["dish_id"]) != list(second.features["dish_id"])
    assert list(first.features["dish_id"]) == list(again.features["dish_id"])  # seeded


def test_sampled_negatives_never_draw_a_dish_the_person_already_rated():
    # A rating history: person 1 rated dishes 1-10 (7 is the positive being paired), person 2
    # rated nothing else. Person 1's negatives can only be 11 and 12; person 2's anything but 7.
    _, pool = dish_pool_build(DISHES)
    positives = examples_to_columns(
        [
            example(1, 7, label=1, t=1.0, source="rating", event=1),
            example(2, 7, label=1, t=1.0, source="rating", event=2),
        ]
    )
    known = {"1": [str(d) for d in range(1, 11)]}
    negatives = sample_negatives(
        positives, pool, per_positive=30, rng=np.random.default_rng(0), exclude=known
    )
    drawn = {u: set() for u in ("1", "2")}
    for user, dish in zip(negatives["user_id"], negatives["dish_id"], strict=True):
        drawn[user].add(dish)
    assert drawn["1"] == {"11", "12"}
    assert "7" not in drawn["2"] and len(drawn["2"]) > 2
    examples_for = epoch_examples(positives, pool, per_positive=30, seed=4, exclude=known)
    epoch = examples_for(2).features
    person_1 = {d for u, d in zip(epoch["user_id"], epoch["dish_id"], strict=True) if u == "1"}
    assert person_1 == {"7", "11", "12"}  # the positive and its two possible negatives
    with pytest.raises(ValueError, match="user 1"):
        sample_negatives(
            positives,
            pool,
            per_positive=1,
            rng=np.random.default_rng(0),
            exclude={"1": [str(d) for d in DISHES]},
        )


def test_history_bags_hold_the_persons_other_dishes_never_the_rows_own():
    history = {"1": ["5", "3", "7"], "3": [str(d) for d in range(20, 40)]}
    bags = history_bags(["1", "1", "2", "3"], ["3", "9", "4", "20"], history)
    # The row's own dish is left out (no label in the bag); others keep the history's order.
    assert bags.tolist()[:3] == ["5|7", "5|3|7", ""]
    assert bags[3].split("|") == [str(d) for d in range(21, 21 + food.RECENT_LIMIT)]


def test_event_groups_keep_slates_and_positives_with_their_negatives_together():
    rows = [
        example(1, 1, label=1, t=0.0, position=0, event=1),
        example(1, 2, label=0, t=0.0, position=1, event=2),
        example(2, 3, label=1, t=0.0, source="order", event=3),
        example(2, 4, label=0, t=0.0, source="sampled", event=3),
        example(1, 5, label=0, t=600.0, position=0, event=4),
    ]
    groups = event_groups(examples_to_columns(rows))
    assert groups[0] == groups[1] and groups[2] == groups[3]
    assert len({groups[0], groups[2], groups[4]}) == 3


@pytest.mark.slow
@pytest.mark.parametrize("model_type", ["wide", "deep", "wide_deep"])
def test_train_and_export_learns_tastes_and_explains_itself(tmp_path, model_type):
    from recommender.serving import load_predictor

    rng = np.random.default_rng(0)
    train = examples_to_columns(synthetic_log(rng, 600))
    validation = examples_to_columns(synthetic_log(rng, 150, start=1e6))
    test = examples_to_columns(synthetic_log(rng, 150, start=2e6))
    _, pool = dish_pool_build(DISHES)
    settings = FoodTraining(epochs=5, hidden_units=(16,), batch_size=64, deep_learning_rate=0.01)
    exported = food.train_and_export(
        models_dir=tmp_path,
        model_type=model_type,
        train=train,
        validation=validation,
        test=test,
        pool=pool,
        settings=settings,
        seed=1,
    )
    assert exported.name == food.MODEL_NAMES[model_type]
    assert exported.metrics["roc_auc"] > 0.7
    assert 0.0 <= exported.metrics["ndcg@10"] <= 1.0
    predictor = load_predictor(tmp_path, exported.name)
    arrays = {name: test[name][:8] for name in MODEL_INPUTS}
    parts = predictor.explain_arrays(arrays)
    logits = predictor.logits_arrays(arrays)
    np.testing.assert_allclose(parts["logits"], logits, atol=1e-5)
    np.testing.assert_allclose(parts["wide_logit"] + parts["deep_logit"], logits, atol=1e-4)
    total = parts["wide_bias"] + sum(parts["contributions"].values())
    np.testing.assert_allclose(total, parts["wide_logit"], atol=1e-4)
    if model_type != "wide":
        content = json.loads(predictor.extra_file(food.DISH_EMBEDDINGS_FILE))
        assert len(content["tokens"]) == len(content["vectors"])
        assert "7" in content["tokens"]
    else:
        assert "query_x_dish" in parts["contributions"]


# San Luis Potosi and Cuernavaca: 402.7 km apart as the crow flies (haversine, R = 6371 km).
SLP = (22.1520, -100.9765)
CUERNAVACA = (18.9242, -99.2216)


def test_home_distances_are_great_circle_km_and_no_distance_when_a_place_is_unknown():
    found = food.home_distances(
        SLP[0],
        SLP[1],
        np.array([SLP[0], CUERNAVACA[0], np.nan]),
        np.array([SLP[1], CUERNAVACA[1], np.nan]),
    )
    assert found.dtype == np.float32
    assert found[0] == pytest.approx(0.0, abs=1e-3)
    assert found[1] == pytest.approx(402.7, abs=0.1)
    assert found[2] == food.NO_DISTANCE
    unknown_home = food.home_distances(np.nan, np.nan, np.array([SLP[0]]), np.array([SLP[1]]))
    assert unknown_home.tolist() == [food.NO_DISTANCE]
    user = {"user_latitude": SLP[0], "user_longitude": SLP[1]}
    dish = {"dish_latitude": CUERNAVACA[0], "dish_longitude": CUERNAVACA[1]}
    assert food.example_home_distance(user, dish) == pytest.approx(float(found[1]))
    no_home = {"user_latitude": np.nan, "user_longitude": np.nan}
    assert food.example_home_distance(no_home, dish) == food.NO_DISTANCE


def test_sampled_negatives_get_the_distance_from_the_persons_home_to_their_own_dish():
    placed = {
        d: {**row, "dish_latitude": SLP[0] + d / 100, "dish_longitude": SLP[1]}
        for d, row in DISHES.items()
    }
    _, pool = dish_pool_build(placed)
    row = {
        **example(1, 1, label=1, t=1.0, source="order"),
        "user_latitude": SLP[0],
        "user_longitude": SLP[1],
    }
    negatives = sample_negatives(
        examples_to_columns([row]), pool, per_positive=11, rng=np.random.default_rng(1)
    )
    for dish, km in zip(negatives["dish_id"], negatives["home_distance_km"], strict=True):
        # 0.01 degree of latitude is 1.112 km.
        assert km == pytest.approx(1.112 * int(dish), rel=1e-3)
