"""The census income model: its trainer for the training app, its input ranges for serving."""

from __future__ import annotations

from foodapp.serving.input_ranges import Ranges
from foodapp.training.registry import ExportedVersion, Trainer, TrainingRequest
from foodapp.training.strategy import training_strategy

MODEL_NAME = "census"


def train_census(request: TrainingRequest) -> ExportedVersion:
    """Train on adult.data, evaluate on adult.test, export a new version."""
    from recommender.datasets import census

    params = request.params
    return census.train_and_export(
        models_dir=request.models_dir,
        model_type=str(params.get("model_type", "wide_deep")),
        epochs=params.get("epochs"),
        seed=params.get("seed", 42),
        progress=request.progress,
        log_dir=request.log_dir,
        max_rows=params.get("max_rows"),
        strategy=training_strategy(),
    )


def census_input_ranges() -> Ranges:
    """The numeric inputs' valid ranges, declared with the dataset (imported when first asked)."""
    from recommender.datasets.census import NUMERIC_RANGES

    return NUMERIC_RANGES


CENSUS_TRAINER = Trainer(
    model_name=MODEL_NAME,
    train=train_census,
    description="US Census income (UCI Adult): does a person earn more than $50K a year?",
    default_params={"model_type": "wide_deep"},
    reads_data_window=False,
)
