"""All three model types build from one spec and learn the tiny synthetic task."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from recommender.evaluation import accuracy
from recommender.layers import BagEmbedding, SparseLinear, SplitValues, StripWhitespace
from recommender.model import ModelConfig, split_variables
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
