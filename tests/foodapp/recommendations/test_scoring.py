"""Scoring with a learned model: the catalogue's encoded dishes give the raw path's logits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from foodapp.recommendations.request import Person, RankRequest
from foodapp.recommendations.scoring import (
    catalogue_items,
    home_distance_column,
    model_inputs,
    model_scores,
)
from recommender.datasets.food import FOOD_SPEC, LABEL, NO_DISTANCE, to_examples
from recommender.export import export_version
from recommender.features import FeatureSpec, columns_to_arrays
from recommender.model import ModelConfig
from recommender.pipeline import fit
from recommender.serving import Predictor, load_predictor
from recommender.training import Examples, TrainConfig

from .catalogue_data import dish_features, make_catalogue


def placed_catalogue():
    """The test catalogue with dishes 1-6 placed 0-5 hundredths of a degree north of home."""
    return make_catalogue(
        {
            d: {
                **dish_features(d),
                "dish_latitude": 22.15 + (d - 1) / 100,
                "dish_longitude": -100.98,
            }
            for d in range(1, 7)
        }
    )


pytestmark = pytest.mark.slow  # trains a model

PEOPLE = (
    Person(),
    Person(user_id="7", diet="vegetarian", favourite_cuisines="Italian", area="north", recent=(4,)),
    Person(user_id="9", favourite_cuisines="Chinese|Thai", area="south", recent=(1, 12, 2)),
    Person(user_id="11", area="slp", recent=(3,), home=(22.15, -100.98)),
)
QUERIES = ("", "fried chicken", "latte", "pizza", "unknown words")


def _requests() -> list[RankRequest]:
    return [
        RankRequest(person=person, query=query, hour=hour, weekday=day, device=device)
        for person, hour, day, device in zip(
            PEOPLE, (8, 12, 20, 13), (0, 3, 6, 2), ("ios", "", "web", "android"), strict=True
        )
        for query in QUERIES
    ]


def _training_columns(catalogue) -> dict[str, np.ndarray]:
    """Every dish for every request, labelled by a rule the model can learn something of."""
    everything = np.arange(len(catalogue))
    parts = []
    for request in _requests():
        inputs = model_inputs(catalogue, everything, request)
        parts.append(
            {k: np.repeat(v, len(everything)) if len(v) == 1 else v for k, v in inputs.items()}
        )
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    rng = np.random.default_rng(0)
    columns[LABEL] = (
        (columns["text_match"] > 0) | (rng.random(len(columns["text_match"])) < 0.1)
    ).astype(np.float32)
    return columns


@pytest.fixture(scope="module")
def food_predictor(tmp_path_factory: pytest.TempPathFactory) -> Predictor:
    """A tiny wide & deep food model trained on the test catalogue, exported and loaded."""
    columns = _training_columns(placed_catalogue())
    trained = fit(
        spec=FOOD_SPEC,
        train_columns=columns,
        train=to_examples(columns),
        validation=None,
        model_config=ModelConfig(hidden_units=(8,), dropout=0.0),
        train_config=TrainConfig(epochs=3, batch_size=16, patience=0, seed=7),
    )
    store: Path = tmp_path_factory.mktemp("food-store")
    export_version(trained.model, trained.adapted, models_dir=store, name="food", metadata={})
    return load_predictor(store, "food")


def _raw_scores(predictor, catalogue, positions, request):
    """The path of versions exported before the encoded signatures: raw inputs per candidate."""
    inputs = model_inputs(catalogue, positions, request)
    return predictor.logits_arrays(inputs), predictor.explain_arrays(inputs)


def test_encoded_dishes_score_and_explain_as_the_raw_inputs(food_predictor):
    catalogue = make_catalogue()
    positions = np.array([3, 0, 11, 5, 5, 8, 1])
    assert food_predictor.encodes_items
    for request in _requests():
        scores = model_scores(food_predictor, catalogue, positions, request, explain=False)
        explained = model_scores(food_predictor, catalogue, positions, request, explain=True)
        logits, parts = _raw_scores(food_predictor, catalogue, positions, request)
        np.testing.assert_allclose(scores.logits, logits, atol=1e-5)
        np.testing.assert_allclose(explained.logits, logits, atol=1e-5)
        np.testing.assert_allclose(explained.wide, parts["wide_logit"], atol=1e-5)
        np.testing.assert_allclose(explained.deep, parts["deep_logit"], atol=1e-5)
        np.testing.assert_allclose(explained.bias, parts["wide_bias"], atol=1e-5)
        for name, values in parts["contributions"].items():
            np.testing.assert_allclose(explained.contributions[name], values, atol=1e-5)
        np.testing.assert_allclose(explained.wide + explained.deep, explained.logits, atol=1e-5)
    assert np.ptp(scores.logits) > 0  # the dishes are told apart


def test_the_catalogue_is_encoded_once_per_catalogue_and_predictor(food_predictor, monkeypatch):
    catalogue = make_catalogue()
    calls = []
    encode = food_predictor.encode_items
    monkeypatch.setattr(food_predictor, "encode_items", lambda c: calls.append(1) or encode(c))
    first = catalogue_items(food_predictor, catalogue)
    assert first is not None and first.encoded and first.count == len(catalogue)
    assert catalogue_items(food_predictor, catalogue) is first and len(calls) == 1
    rebuilt = make_catalogue()
    assert catalogue_items(food_predictor, rebuilt) is not first and len(calls) == 2


def test_a_predictor_without_encode_items_scores_the_raw_inputs(food_predictor):
    class Remote:
        """Like the TensorFlow Serving backend: raw inputs only."""

        def logits_arrays(self, arrays):
            return food_predictor.logits_arrays(arrays)

    catalogue = make_catalogue()
    positions = np.arange(len(catalogue))
    request = _requests()[4]
    assert catalogue_items(Remote(), catalogue) is None  # type: ignore[arg-type]
    remote = model_scores(Remote(), catalogue, positions, request, explain=False)  # type: ignore[arg-type]
    local = model_scores(food_predictor, catalogue, positions, request, explain=False)
    np.testing.assert_allclose(remote.logits, local.logits, atol=1e-5)


def test_warming_up_a_predictor_makes_the_rankings_first_calls(food_predictor, monkeypatch):
    from foodapp.recommendations import scoring
    from foodapp.recommendations.scoring import predictor_warm_up

    catalogue = make_catalogue()
    monkeypatch.setattr(scoring, "catalogue_current", lambda: catalogue)
    fresh = load_predictor(food_predictor.path.parent.parent, "food")
    assert not fresh._items_functions
    predictor_warm_up(fresh)
    # The scored and the explained per-request functions are traced, the dishes encoded.
    assert sorted(explain for _, explain in fresh._items_functions) == [False, True]
    calls = []
    encode = fresh.encode_items
    monkeypatch.setattr(fresh, "encode_items", lambda c: calls.append(1) or encode(c))
    model_scores(fresh, catalogue, np.arange(3), _requests()[0], explain=True)
    assert not calls and len(fresh._items_functions) == 2  # nothing left to do at first use


def test_a_remote_predictor_has_nothing_to_warm_up() -> None:
    from foodapp.recommendations.scoring import predictor_warm_up

    predictor_warm_up(object())  # type: ignore[arg-type]  # no encode_items: returns at once


def test_the_distance_from_home_is_computed_per_candidate_from_the_catalogues_places():
    catalogue = placed_catalogue()
    positions = np.array([0, 5, 6, 11])  # dishes 1, 6 (placed), 7, 12 (not)
    found = home_distance_column(catalogue, positions, (22.15, -100.98))
    np.testing.assert_allclose(found[:2], [0.0, 5 * 1.112], atol=0.01)
    assert found[2:].tolist() == [NO_DISTANCE, NO_DISTANCE]
    # Without a home: one value standing for every candidate.
    assert home_distance_column(catalogue, positions, None).tolist() == [NO_DISTANCE]
    request = RankRequest(person=PEOPLE[3])
    assert (
        model_inputs(catalogue, positions, request)["home_distance_km"].tolist() == found.tolist()
    )


def test_people_with_and_without_a_home_score_alike_on_the_encoded_and_raw_paths(food_predictor):
    catalogue = placed_catalogue()
    positions = np.arange(len(catalogue))
    for person in (PEOPLE[3], replace(PEOPLE[3], home=None)):
        request = RankRequest(person=person, query="chicken")
        scores = model_scores(food_predictor, catalogue, positions, request, explain=True)
        logits, _ = _raw_scores(food_predictor, catalogue, positions, request)
        np.testing.assert_allclose(scores.logits, logits, atol=1e-5)
        assert np.isfinite(scores.logits).all()


def test_a_version_exported_before_the_distance_input_still_serves(tmp_path):
    spec = FeatureSpec(
        features=tuple(f for f in FOOD_SPEC.features if f.name != "home_distance_km"), label=LABEL
    )
    columns = _training_columns(placed_catalogue())
    del columns["home_distance_km"]
    trained = fit(
        spec=spec,
        train_columns=columns,
        train=Examples(features=columns_to_arrays(spec, columns), labels=columns[LABEL]),
        validation=None,
        model_config=ModelConfig(hidden_units=(8,), dropout=0.0),
        train_config=TrainConfig(epochs=1, batch_size=64, patience=0, seed=7),
    )
    export_version(trained.model, trained.adapted, models_dir=tmp_path, name="old", metadata={})
    old = load_predictor(tmp_path, "old")
    assert "home_distance_km" not in old.input_schema()
    catalogue = placed_catalogue()
    positions = np.arange(len(catalogue))
    homed = RankRequest(person=PEOPLE[3])
    unhomed = RankRequest(person=replace(PEOPLE[3], home=None))
    with_home = model_scores(old, catalogue, positions, homed, explain=False)
    without = model_scores(old, catalogue, positions, unhomed, explain=False)
    np.testing.assert_allclose(with_home.logits, without.logits, atol=1e-6)
    raw, _ = _raw_scores(old, catalogue, positions, homed)
    np.testing.assert_allclose(with_home.logits, raw, atol=1e-5)
