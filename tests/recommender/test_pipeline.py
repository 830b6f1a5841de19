"""train_evaluate_export: per-epoch examples, extra validation and test metrics, extra files."""

from __future__ import annotations

import numpy as np

from recommender.model import ModelConfig, embedding_table
from recommender.pipeline import train_evaluate_export
from recommender.serving import load_predictor
from recommender.training import TrainConfig, predict_probabilities
from tests.recommender.conftest import TINY_SPEC, make_columns, to_examples


def test_train_evaluate_export_passes_the_food_model_hooks_through(tmp_path):
    columns = make_columns(100, seed=11)
    test = to_examples(make_columns(100, seed=13))
    epochs: list[int] = []
    seen: dict[str, np.ndarray] = {}

    def source(epoch: int):
        epochs.append(epoch)
        return to_examples(make_columns(100, seed=30 + epoch))

    def test_metrics(model, run):
        return {"mean_probability": float(predict_probabilities(model, test, run).mean())}

    def extra_files(model):
        seen["table"] = embedding_table(model, "color")
        return {"color_embeddings.npy": seen["table"].tobytes()}

    result = train_evaluate_export(
        spec=TINY_SPEC,
        train_columns=columns,
        train=source,
        validation=None,
        test=test,
        model_config=ModelConfig(hidden_units=(4,), dropout=0.0),
        train_config=TrainConfig(epochs=3, batch_size=100, patience=0, seed=1, monitor="val_n"),
        models_dir=tmp_path,
        name="food",
        data_summary={},
        validation_score=lambda model, run: {"val_n": 0.5},
        test_metrics=test_metrics,
        extra_files=extra_files,
    )
    assert epochs == [1, 2, 3]
    assert [epoch["val_n"] for epoch in result.metadata["training"]["history"]] == [0.5] * 3
    assert result.metadata["parameters"]["training"]["monitor"] == "val_n"
    assert 0 < result.metrics["mean_probability"] < 1 and "accuracy" in result.metrics
    predictor = load_predictor(tmp_path, "food")
    stored = np.frombuffer(predictor.extra_file("color_embeddings.npy"), dtype=np.float32)
    np.testing.assert_array_equal(stored, seen["table"].reshape(-1))
