"""All three model types build from one spec, learn the tiny task and explain their logits."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from recommender.evaluation import accuracy
from recommender.features import FeatureSpec, NumericFeature, adapt_features
from recommender.layers import (
    BagEmbedding,
    KnownOrZero,
    SparseLinear,
    SplitValues,
    StripWhitespace,
)
from recommender.model import (
    EXPLAIN_OUTPUTS,
    WIDE_NUMERICS,
    ModelConfig,
    build_model,
    cross_function,
    cross_tensors,
    embedding_table,
    embedding_tokens,
    encoded_tensors,
    encoder_model,
    explain_function,
    hashed_cross,
    scorer_model,
    split_variables,
    wide_input_names,
)
from recommender.pipeline import TrainedModel
from recommender.training import predict_probabilities
from tests.recommender.conftest import to_examples


@pytest.mark.parametrize("model_type", ["wide", "deep", "wide_deep"])
def test_model_type_learns_with_falling_loss_and_beats_majority(
    model_type, trained_models: dict[str, TrainedModel], tiny_test
):
    trained = trained_models[model_type]
    losses = [epoch["loss"] for epoch in trained.training.history]
    assert losses[-1] < losses[0] * 0.9
    test = to_examples(tiny_test)
    majority = max(test.labels.mean(), 1 - test.labels.mean())
    assert accuracy(test.labels, predict_probabilities(trained.model, test)) > majority + 0.1


def test_wide_and_deep_variables_are_split_by_part(trained_models):
    wide, deep = split_variables(trained_models["wide_deep"].model)
    assert wide and deep
    assert all("embedding" not in v.path for v in wide)
    wide_only, deep_of_wide = split_variables(trained_models["wide"].model)
    assert wide_only and not deep_of_wide
    wide_of_deep, _ = split_variables(trained_models["deep"].model)
    assert not wide_of_deep


def test_unknown_model_type_is_refused():
    with pytest.raises(ValueError, match="model_type"):
        ModelConfig(model_type="forest")  # type: ignore[arg-type]


def test_wide_deep_logit_is_the_sum_of_the_wide_and_deep_logits(trained_models, tiny_test):
    model = trained_models["wide_deep"].model
    parts = keras.Model(
        model.inputs, [model.get_layer("wide_logit").output, model.get_layer("deep_logit").output]
    )
    tensors = to_examples(tiny_test).tensors()
    wide, deep = (np.asarray(part) for part in parts(tensors, training=False))
    assert np.abs(wide).max() > 0.1 and np.abs(deep).max() > 0.1
    np.testing.assert_allclose(np.asarray(model(tensors, training=False)), wide + deep, atol=1e-5)


@pytest.mark.parametrize(
    "layer",
    [
        StripWhitespace(name="s"),
        SplitValues(separator=";", max_values=3, name="v"),
        BagEmbedding(10, 4, name="b"),
        SparseLinear(input_dims=[3, 5], padded=[False, True], name="w"),
        KnownOrZero(-1.0, use_values=False, name="k"),
    ],
)
def test_custom_layers_round_trip_through_their_config(layer):
    config = keras.saving.serialize_keras_object(layer)
    rebuilt = keras.saving.deserialize_keras_object(config)
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == layer.get_config()


def test_sparse_linear_ignores_padding_ids():
    layer = SparseLinear(input_dims=[3, 4], padded=[False, True])
    layer.build(None)
    layer.kernel.assign(np.arange(7, dtype=np.float32).reshape(7, 1))
    single = np.array([2, 0])
    bag = np.array([[0, 0], [1, 3]])
    out = np.asarray(layer([single, bag])).reshape(-1)
    # row 0: weight 2 from the first input, padding only in the bag
    # row 1: weight 0, then bag ids 1 and 3 at offset 3 -> weights 4 and 6
    np.testing.assert_allclose(out, [2.0, 10.0])


def test_sparse_linear_contributions_add_up_to_its_logit():
    layer = SparseLinear(input_dims=[3, 4], padded=[False, True], input_names=["one", "bag"])
    layer.build(None)
    layer.kernel.assign(np.arange(7, dtype=np.float32).reshape(7, 1))
    layer.bias.assign([0.5])
    single = np.array([2, 0])
    bag = np.array([[0, 0], [1, 3]])
    contributions = np.asarray(layer.contributions([single, bag]))
    # a bag's contribution is the sum over its ids (padding adds nothing)
    np.testing.assert_allclose(contributions, [[2.0, 0.0], [0.0, 10.0]])
    logit = np.asarray(layer([single, bag])).reshape(-1)
    np.testing.assert_allclose(logit, 0.5 + contributions.sum(axis=1))


def test_sparse_linear_config_keeps_input_names_and_old_configs_still_load():
    layer = SparseLinear(input_dims=[3, 5], padded=[False, True], input_names=["a", "b"], name="w")
    config = keras.saving.serialize_keras_object(layer)
    assert keras.saving.deserialize_keras_object(config).input_names == ["a", "b"]
    del config["config"]["input_names"]  # as saved before layers knew their input names
    old = keras.saving.deserialize_keras_object(config)
    assert old.input_names == ["input0", "input1"]
    with pytest.raises(ValueError, match="input_names"):
        SparseLinear(input_dims=[3, 5], input_names=["a"])


def test_build_model_names_the_wide_inputs_in_order(trained_models):
    expected = [
        "x",  # quantile buckets
        "color",
        "city",
        "tags",
        "query",
        "dish_id",
        "color_x_x",
        "color_x_city_x_x",
        "dish_id_x_color",
        WIDE_NUMERICS,  # "z", not bucketized
    ]
    model = trained_models["wide_deep"].model
    assert model.get_layer("wide_sparse").input_names == expected[:-1]
    assert wide_input_names(model) == expected
    assert wide_input_names(trained_models["wide"].model) == expected
    assert wide_input_names(trained_models["deep"].model) == []


@pytest.mark.parametrize("model_type", ["wide", "deep", "wide_deep"])
def test_explanation_adds_up_to_the_logit(model_type, trained_models, tiny_test):
    model = trained_models[model_type].model
    tensors = to_examples(tiny_test).tensors()
    parts = {k: np.asarray(v) for k, v in explain_function(model)(tensors).items()}
    rows = len(tiny_test["x"])
    assert set(parts) == set(EXPLAIN_OUTPUTS)
    assert parts["logits"].shape == (rows, 1)
    assert parts["wide_contributions"].shape == (rows, len(wide_input_names(model)))
    np.testing.assert_allclose(parts["logits"], np.asarray(model(tensors, training=False)))
    np.testing.assert_allclose(
        parts["wide_logit"],
        parts["wide_bias"] + parts["wide_contributions"].sum(axis=1),
        atol=1e-5,
    )
    np.testing.assert_allclose(
        parts["logits"][:, 0], parts["wide_logit"] + parts["deep_logit"], atol=1e-5
    )
    if model_type == "deep":
        assert not parts["wide_logit"].any() and not parts["wide_bias"].any()
    else:
        assert np.abs(parts["wide_contributions"]).max(axis=0).min() > 0  # every input counts
    if model_type == "wide":
        assert not parts["deep_logit"].any()
    if model_type == "wide_deep":
        assert np.abs(parts["wide_logit"]).max() > 0.1 and np.abs(parts["deep_logit"]).max() > 0.1


@pytest.mark.parametrize("model_type", ["wide", "deep", "wide_deep"])
def test_encoder_then_scorer_gives_the_models_logits_and_explanation(
    model_type, trained_models, tiny_test
):
    model = trained_models[model_type].model
    tensors = to_examples(tiny_test).tensors()
    encoded = encoder_model(model)({k: v for k, v in tensors.items() if k not in ("x", "z")})
    assert sorted(encoded) == ["city", "color", "dish_id", "query", "tags"]
    assert encoded["tags"].shape == (len(tiny_test["x"]), 4)
    assert encoded["color"].dtype == tf.int64 and encoded["color"].shape == (len(tiny_test["x"]),)
    inputs = {**encoded, "x": tensors["x"], "z": tensors["z"]}
    assert set(encoded_tensors(model)) == set(inputs)
    np.testing.assert_allclose(
        np.asarray(scorer_model(model)(inputs, training=False)),
        np.asarray(model(tensors, training=False)),
        atol=1e-6,
    )
    raw_parts = explain_function(model)(tensors)
    encoded_parts = explain_function(model, encoded=True)(inputs)
    for key in EXPLAIN_OUTPUTS:
        np.testing.assert_allclose(
            np.asarray(encoded_parts[key]), np.asarray(raw_parts[key]), atol=1e-6
        )
    # The scorer shares the model's variables: it has no variable of its own.
    assert {id(v) for v in scorer_model(model).weights} <= {id(v) for v in model.weights}


@pytest.mark.parametrize("num_bins", [7, 1_000, 200_000, 2**31 - 1])
def test_hashed_cross_gives_the_crossing_layers_ids_bit_for_bit(num_bins):
    rng = np.random.default_rng(num_bins)
    first = np.concatenate([np.arange(20), rng.integers(0, 2**62, 2000)])
    second = np.concatenate([np.zeros(20, np.int64), rng.integers(0, 500, 2000)])
    layer = keras.layers.HashedCrossing(num_bins=num_bins, output_mode="int")
    expected = np.asarray(layer((tf.constant(first), tf.constant(second))))
    compiled = tf.function(lambda a, b: hashed_cross(a, b, num_bins), jit_compile=True)
    np.testing.assert_array_equal(np.asarray(hashed_cross(first, second, num_bins)), expected)
    np.testing.assert_array_equal(np.asarray(compiled(first, second)), expected)
    assert len(np.unique(expected)) > min(num_bins, 2020) * 0.5


@pytest.mark.parametrize("model_type", ["wide", "deep", "wide_deep"])
def test_cross_function_gives_the_models_cross_ids(model_type, trained_models, tiny_test):
    model = trained_models[model_type].model
    tensors = to_examples(tiny_test).tensors()
    encoded = encoder_model(model)({k: v for k, v in tensors.items() if k not in ("x", "z")})
    found = cross_function(model)({**encoded, "x": tensors["x"], "z": tensors["z"]})
    if model_type == "deep":  # its crosses have no embedding: the logit does not use them
        assert found == {} and cross_tensors(model) == {}
        return
    assert sorted(found) == ["color_x_city_x_x", "color_x_x", "dish_id_x_color"]
    expected = keras.Model(model.input, cross_tensors(model))(tensors)
    for name, ids in found.items():
        np.testing.assert_array_equal(np.asarray(ids), np.asarray(expected[name]))


def test_embedding_table_rows_follow_the_vocabulary_after_the_oov_rows(trained_models):
    trained = trained_models["wide_deep"]
    model = trained.model
    table = embedding_table(model, "color")
    tokens = embedding_tokens(trained.adapted, "color")
    assert table.shape == (len(tokens), 3)
    assert tokens[0] is None and sorted(tokens[1:]) == ["black", "blue", "green", "red"]
    layer_output = keras.Model(model.input, model.get_layer("color_embedding").output)
    instance = {
        "x": [0.0],
        "z": [0.0],
        "color": ["red"],
        "city": ["city1"],
        "tags": [""],
        "query": [""],
        "dish_id": [101],
    }
    tensors = {
        name: tf.constant(values, dtype=tf.int64 if name == "dish_id" else None)
        for name, values in instance.items()
    }
    np.testing.assert_array_equal(np.asarray(layer_output(tensors))[0], table[tokens.index("red")])
    for name in ("tags", "query", "dish_id"):
        assert len(embedding_tokens(trained.adapted, name)) == embedding_table(model, name).shape[0]
    with pytest.raises(KeyError, match="color_embedding"):
        embedding_table(trained_models["wide"].model, "color")
    with pytest.raises(ValueError, match="hashed"):
        embedding_tokens(trained.adapted, "city")


def _distance_model(train: list[float]) -> keras.Model:
    """A deep model over one numeric with a missing marker (-1), adapted on `train`."""
    spec = FeatureSpec(features=(NumericFeature("d", missing=-1.0, wide=False),), label="label")
    adapted = adapt_features(spec, {"d": np.array(train)})
    return build_model(adapted, ModelConfig(model_type="deep", hidden_units=(4,), dropout=0.0))


def test_a_missing_numeric_enters_the_deep_part_as_its_training_mean():
    model = _distance_model([-1.0, 2.0, 4.0])
    logits = model({"d": tf.constant([-1.0, 3.0, 2.0, 4.0])}).numpy().reshape(-1)
    assert logits[0] == pytest.approx(logits[1])  # unknown == the mean of the known values
    assert logits[2] != pytest.approx(logits[3])  # known values are told apart


def test_a_numeric_never_known_in_training_changes_nothing_when_known_later():
    model = _distance_model([-1.0, -1.0, -1.0])
    logits = model({"d": tf.constant([-1.0, 0.0, 5.0, 9000.0])}).numpy().reshape(-1)
    np.testing.assert_allclose(logits, logits[0])
