"""Tiny synthetic data with every feature kind, and models trained once per test session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recommender.export import ExportResult, export_version
from recommender.features import (
    CategoricalFeature,
    CrossFeature,
    FeatureSpec,
    HashedFeature,
    IntegerCategoricalFeature,
    MultiCategoricalFeature,
    NumericFeature,
    TextFeature,
    columns_to_arrays,
)
from recommender.model import ModelConfig
from recommender.pipeline import TrainedModel, fit
from recommender.training import Examples, TrainConfig

COLORS = ("red", "green", "blue", "black")
TAGS = ("spicy", "sweet", "salty", "sour", "vegan")
QUERIES = ("fried chicken", "chicken fried rice", "iced latte", "hot latte", "seafood pasta")

TINY_SPEC = FeatureSpec(
    features=(
        NumericFeature("x", buckets=8, bucket_embedding_dim=3),
        NumericFeature("z"),
        CategoricalFeature("color", embedding_dim=3),
        HashedFeature("city", num_bins=16, embedding_dim=3),
        MultiCategoricalFeature("tags", max_values=4, embedding_dim=3),
        TextFeature("query", sequence_length=4, embedding_dim=3),
        IntegerCategoricalFeature("dish_id", embedding_dim=3),
        CrossFeature("color_x_x", ("color", "x"), num_bins=64),
        CrossFeature("color_x_city_x_x", ("color", "city", "x"), num_bins=128),
        CrossFeature("dish_id_x_color", ("dish_id", "color"), num_bins=64),
    ),
    label="label",
)
TINY_MODEL = ModelConfig(hidden_units=(16, 8), dropout=0.0)
TINY_EXTRA_FILES = {"notes.txt": b"tiny model\n", "table.bin": bytes(range(256))}
TINY_TRAINING = TrainConfig(
    epochs=8, batch_size=32, patience=0, seed=7, wide_learning_rate=0.2, deep_learning_rate=0.01
)


def make_columns(rows: int, seed: int) -> dict[str, np.ndarray]:
    """Synthetic raw columns whose label depends on x, color, tags and the query."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    z = rng.normal(size=rows)
    color = rng.choice(COLORS, rows)
    city = rng.choice([f"city{i}" for i in range(20)], rows)
    tags = np.array(
        ["|".join(rng.choice(TAGS, size=rng.integers(0, 3), replace=False)) for _ in range(rows)],
        dtype=object,
    )
    query = rng.choice(QUERIES, rows)
    dish_id = rng.integers(100, 110, rows)
    logit = (
        2.0 * x
        + 2.0 * (color == "red")
        - 2.0 * (color == "blue")
        + 1.5 * np.array(["spicy" in t for t in tags])
        - 1.5 * np.array(["latte" in q for q in query])
        + 1.0 * (dish_id % 2 == 0)
    )
    label = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    # raw strings as clients send them, some with surrounding whitespace
    color_raw = np.array([f" {c}" if i % 3 == 0 else c for i, c in enumerate(color)], dtype=object)
    return {
        "x": x.astype(object),
        "z": z.astype(object),
        "color": color_raw,
        "city": city.astype(object),
        "tags": tags,
        "query": query.astype(object),
        "dish_id": dish_id,
        "label": label,
    }


def to_examples(columns: dict[str, np.ndarray]) -> Examples:
    """Synthetic columns as model-ready examples."""
    return Examples(
        features=columns_to_arrays(TINY_SPEC, columns),
        labels=np.asarray(columns["label"], dtype=np.float32),
    )


@pytest.fixture(scope="session")
def tiny_train() -> dict[str, np.ndarray]:
    return make_columns(640, seed=1)


@pytest.fixture(scope="session")
def tiny_test() -> dict[str, np.ndarray]:
    return make_columns(400, seed=2)


@pytest.fixture(scope="session")
def trained_models(tiny_train: dict[str, np.ndarray]) -> dict[str, TrainedModel]:
    """One tiny model of each type, trained once for the whole session."""
    validation = to_examples(make_columns(160, seed=3))
    models = {}
    for model_type in ("wide", "deep", "wide_deep"):
        models[model_type] = fit(
            spec=TINY_SPEC,
            train_columns=tiny_train,
            train=to_examples(tiny_train),
            validation=validation,
            model_config=ModelConfig(
                model_type=model_type,
                hidden_units=TINY_MODEL.hidden_units,
                dropout=TINY_MODEL.dropout,
            ),
            train_config=TINY_TRAINING,
        )
    return models


@pytest.fixture(scope="session")
def exported_tiny(
    trained_models: dict[str, TrainedModel], tmp_path_factory: pytest.TempPathFactory
) -> ExportResult:
    """The tiny wide & deep model exported once into a session model store."""
    trained = trained_models["wide_deep"]
    store: Path = tmp_path_factory.mktemp("store")
    return export_version(
        trained.model,
        trained.adapted,
        models_dir=store,
        name="tiny",
        metadata={"metrics": {"accuracy": 0.5}, "model_type": "wide_deep"},
        extra_files=TINY_EXTRA_FILES,
    )
