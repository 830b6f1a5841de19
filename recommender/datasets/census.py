"""The UCI Adult census data: schema, loader of the real files, feature spec, train-and-export.

Predicts whether income is over $50K from 13 columns; fnlwgt is a survey weight, not a feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from recommender.export import ExportResult
from recommender.features import (
    CategoricalFeature,
    CrossFeature,
    Feature,
    FeatureSpec,
    NumericFeature,
    columns_to_arrays,
    is_missing,
)
from recommender.model import ModelConfig, ModelType
from recommender.pipeline import ProgressCallback, train_evaluate_export
from recommender.training import Examples, TrainConfig

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "census"
MODEL_NAME = "census"
SPLIT_FILES = {"train": "adult.data", "test": "adult.test"}

COLUMNS: tuple[str, ...] = (
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "gender",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income_bracket",
)
NUMERIC_COLUMNS: tuple[str, ...] = (
    "age",
    "fnlwgt",
    "education_num",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
)
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "workclass",
    "education",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "gender",
    "native_country",
)
FEATURE_COLUMNS: tuple[str, ...] = tuple(
    c for c in COLUMNS if c not in ("fnlwgt", "income_bracket")
)
# The span of each numeric input in adult.data, the rows the model is trained on (adult.test lies
# inside it). Outside it a quantile bucket only says "beyond the last edge" and a normalised value
# is an extrapolation, so the app refuses such values (form, API and CSV upload alike).
NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "age": (17, 90),
    "education_num": (1, 16),
    "capital_gain": (0, 99_999),
    "capital_loss": (0, 4_356),
    "hours_per_week": (1, 99),
}
LABEL = "label"
WEIGHT_COLUMN = "fnlwgt"
POSITIVE_BRACKET = ">50K"
MISSING_TOKEN = "?"
VALIDATION_FRACTION = 0.1
SPLIT_SEED = 20160624


class CensusFormatError(ValueError):
    """A census file line does not have the expected shape."""


def _parse_line(line: str, path: Path, number: int) -> list[Any] | None:
    """One data line as typed values, or None for the blank/comment lines."""
    text = line.strip()
    if not text or text.startswith("|"):
        return None
    fields = [field.strip() for field in text.split(",")]
    if len(fields) != len(COLUMNS):
        raise CensusFormatError(
            f"{path.name} line {number}: expected {len(COLUMNS)} fields, got {len(fields)}"
        )
    row: list[Any] = []
    for name, value in zip(COLUMNS, fields, strict=True):
        if name in NUMERIC_COLUMNS:
            try:
                row.append(float(value))
            except ValueError as error:
                raise CensusFormatError(
                    f"{path.name} line {number}: {name}: expected a number, got {value!r}"
                ) from error
        elif name == "income_bracket":
            row.append(value.rstrip("."))
        else:
            row.append(None if value == MISSING_TOKEN else value)
    return row


def load_split(
    split: Literal["train", "test"],
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Read adult.data ("train") or adult.test ("test").

    Handles the real format: no header, ", " separators, "?" for missing (returned as missing
    values), the "|1x3 Cross validator" first line and trailing periods of adult.test, and the
    trailing blank line.

    Args:
        split: "train" or "test".
        data_dir: folder holding the UCI files.
        max_rows: stop after this many rows (None: all).

    Returns:
        One row per person: the 15 columns (numbers as floats, income_bracket without the
        period) plus `label` (1 for ">50K", else 0).
    """
    if split not in SPLIT_FILES:
        raise ValueError(f"split: expected 'train' or 'test', got {split!r}")
    path = Path(data_dir) / SPLIT_FILES[split]
    rows: list[list[Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if max_rows is not None and len(rows) >= max_rows:
                break
            row = _parse_line(line, path, number)
            if row is not None:
                rows.append(row)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for name in NUMERIC_COLUMNS:
        frame[name] = frame[name].astype("float64")
    frame[LABEL] = (frame["income_bracket"] == POSITIVE_BRACKET).astype("int64")
    return frame


def build_census_spec(
    *,
    age_buckets: int = 40,
    hours_buckets: int = 20,
    capital_buckets: int = 12,
    embedding_dim: int = 8,
    cross_bins: int = 5_000,
    use_sample_weight: bool = False,
) -> FeatureSpec:
    """The census features: the 13 columns, quantile buckets and crosses on the wide side.

    Args:
        age_buckets: quantile buckets of age.
        hours_buckets: quantile buckets of hours per week.
        capital_buckets: quantile buckets of the non-zero log capital gain/loss.
        embedding_dim: embedding size of the larger categorical columns.
        cross_bins: hash bins of each cross.
        use_sample_weight: weight examples by fnlwgt.

    Returns:
        The feature spec.
    """
    small = max(2, embedding_dim // 2)
    features: list[Feature] = [
        NumericFeature("age", buckets=age_buckets, bucket_embedding_dim=small),
        CategoricalFeature("workclass", embedding_dim=small),
        CategoricalFeature("education", embedding_dim=embedding_dim),
        NumericFeature("education_num", wide=False),
        CategoricalFeature("marital_status", embedding_dim=small),
        CategoricalFeature("occupation", embedding_dim=embedding_dim),
        CategoricalFeature("relationship", embedding_dim=small),
        CategoricalFeature("race", embedding_dim=small),
        CategoricalFeature("gender", embedding_dim=2),
        NumericFeature(
            "capital_gain",
            log1p=True,
            buckets=capital_buckets,
            nonzero_quantiles=True,
            bucket_embedding_dim=small,
        ),
        NumericFeature(
            "capital_loss",
            log1p=True,
            buckets=capital_buckets,
            nonzero_quantiles=True,
            bucket_embedding_dim=small,
        ),
        NumericFeature("hours_per_week", buckets=hours_buckets, bucket_embedding_dim=small),
        CategoricalFeature("native_country", embedding_dim=embedding_dim, min_count=1),
        CrossFeature("education_x_occupation", ("education", "occupation"), num_bins=cross_bins),
        CrossFeature(
            "age_x_education_x_occupation",
            ("age", "education", "occupation"),
            num_bins=cross_bins,
        ),
        CrossFeature(
            "native_country_x_occupation", ("native_country", "occupation"), num_bins=cross_bins
        ),
        CrossFeature(
            "marital_status_x_relationship", ("marital_status", "relationship"), num_bins=1000
        ),
        CrossFeature("age_x_gender", ("age", "gender"), num_bins=1000),
        CrossFeature("education_x_gender", ("education", "gender"), num_bins=1000),
    ]
    return FeatureSpec(
        features=tuple(features),
        label=LABEL,
        weight=WEIGHT_COLUMN if use_sample_weight else None,
    )


CENSUS_SPEC = build_census_spec()
CENSUS_MODEL_CONFIG = ModelConfig(model_type="wide_deep", hidden_units=(256, 128, 64), dropout=0.2)
CENSUS_TRAIN_CONFIG = TrainConfig(
    epochs=20,
    batch_size=512,
    patience=3,
    wide_learning_rate=0.1,
    deep_learning_rate=0.002,
)


def model_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Feature columns as the model sees them: missing categories become "?" as in the raw data."""
    columns = {}
    for name in FEATURE_COLUMNS:
        values = frame[name].to_numpy(dtype=object)
        if name in CATEGORICAL_COLUMNS:
            values = np.array([MISSING_TOKEN if is_missing(v) else v for v in values], dtype=object)
        columns[name] = values
    return columns


def to_examples(frame: pd.DataFrame, spec: FeatureSpec = CENSUS_SPEC) -> Examples:
    """Census rows as model-ready examples for `spec`."""
    weights = None
    if spec.weight is not None:
        raw = frame[spec.weight].to_numpy(dtype=np.float64)
        weights = (raw / raw.mean()).astype(np.float32)
    return Examples(
        features=columns_to_arrays(spec, model_columns(frame)),
        labels=frame[spec.label].to_numpy(dtype=np.float32),
        weights=weights,
    )


def split_train_validation(
    frame: pd.DataFrame, fraction: float = VALIDATION_FRACTION, seed: int = SPLIT_SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed random validation split carved from the training rows."""
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = max(1, round(len(frame) * fraction))
    return (
        frame.iloc[order[cut:]].reset_index(drop=True),
        frame.iloc[order[:cut]].reset_index(drop=True),
    )


def _summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Rows and positive rate of one split."""
    return {"rows": len(frame), "positive_rate": float(frame[LABEL].mean()) if len(frame) else 0.0}


def train_and_export(
    *,
    models_dir: Path,
    model_type: str = "wide_deep",
    epochs: int | None = None,
    seed: int | None = 42,
    progress: ProgressCallback | None = None,
    log_dir: Path | None = None,
    max_rows: int | None = None,
    data_dir: Path = DEFAULT_DATA_DIR,
    name: str = MODEL_NAME,
    hidden_units: Sequence[int] | None = None,
    strategy: Any = None,
) -> ExportResult:
    """Train a census model on adult.data, evaluate it on adult.test and export a new version.

    Args:
        models_dir: root of the model store; the version goes to `<models_dir>/<name>/<n>/`.
        model_type: "wide", "deep" or "wide_deep".
        epochs: maximum epochs (None: the tuned default, with early stopping on validation AUC).
        seed: fixes initialisation, shuffling and dropout (None: not reproducible).
        progress: called with {"epoch", "epochs", "step", "steps", "metrics"} during training.
        log_dir: TensorBoard log folder (None: no logs).
        max_rows: use only the first rows of each split (for quick tests).
        data_dir: folder with the UCI files.
        name: model name in the store.
        hidden_units: override the deep tower.
        strategy: a tf.distribute strategy (`recommender.distribution`), None for none.

    Returns:
        The exported version (name, number, path, test metrics, metadata).
    """
    if model_type not in ("wide", "deep", "wide_deep"):
        raise ValueError(f"model_type: expected 'wide', 'deep' or 'wide_deep', got {model_type!r}")
    typed_model: ModelType = model_type  # type: ignore[assignment]
    full_train = load_split("train", data_dir, max_rows=max_rows)
    test = load_split("test", data_dir, max_rows=max_rows)
    train, validation = split_train_validation(full_train)
    spec = CENSUS_SPEC
    model_config = ModelConfig(
        model_type=typed_model,
        hidden_units=tuple(hidden_units) if hidden_units else CENSUS_MODEL_CONFIG.hidden_units,
        dropout=CENSUS_MODEL_CONFIG.dropout,
    )
    train_config = TrainConfig(
        **{
            **CENSUS_TRAIN_CONFIG.to_dict(),
            "seed": seed,
            "epochs": epochs if epochs is not None else CENSUS_TRAIN_CONFIG.epochs,
        }
    )
    return train_evaluate_export(
        spec=spec,
        train_columns=model_columns(train),
        train=to_examples(train, spec),
        validation=to_examples(validation, spec),
        test=to_examples(test, spec),
        model_config=model_config,
        train_config=train_config,
        models_dir=models_dir,
        name=name,
        data_summary={
            "dataset": "UCI Adult (census income)",
            "train": _summary(train),
            "validation": _summary(validation),
            "test": _summary(test),
            "max_rows": max_rows,
        },
        progress=progress,
        log_dir=log_dir,
        strategy=strategy,
    )
