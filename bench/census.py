"""Benchmark the census models against scikit-learn baselines on the standard adult.test split.

Run from the repository root:
    python bench/census.py [--seed 42] [--models-dir DIR]

Trains wide, deep and wide & deep (recommender.datasets.census.train_and_export, validation split
carved from adult.data, early stopping on validation AUC) and, on the same training rows,
scikit-learn's LogisticRegression and HistGradientBoostingClassifier; prints one table with test
accuracy, ROC AUC, log loss, training seconds and microseconds per predicted row (the census
models through Predictor.predict_columns on the whole test split).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from machine_info import machine_summary  # noqa: E402

from recommender.datasets import census  # noqa: E402
from recommender.evaluation import accuracy, log_loss, roc_auc  # noqa: E402
from recommender.serving import load_predictor  # noqa: E402

MODEL_TYPES = ("wide", "deep", "wide_deep")
NUMERIC = ("age", "education_num", "capital_gain", "capital_loss", "hours_per_week")


def machine_lines() -> list[str]:
    """Machine, Python and TensorFlow versions and the date, one per line."""
    import keras
    import sklearn
    import tensorflow as tf

    return [
        f"machine  {machine_summary()}",
        f"python   {platform.python_version()}, tensorflow {tf.__version__}, "
        f"keras {keras.__version__}, scikit-learn {sklearn.__version__}",
        f"date     {datetime.now(UTC).isoformat(timespec='seconds')}",
    ]


def arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42, help="training seed (default 42)")
    parser.add_argument(
        "--models-dir", type=Path, default=None, help="model store (default: a temporary folder)"
    )
    return parser.parse_args()


def census_row(models_dir: Path, model_type: str, seed: int, test: pd.DataFrame) -> dict[str, Any]:
    """Train, export and time one census model type."""
    result = census.train_and_export(models_dir=models_dir, model_type=model_type, seed=seed)
    predictor = load_predictor(models_dir, result.name, result.version)
    columns = {name: values.tolist() for name, values in census.model_columns(test).items()}
    predictor.predict_columns({k: v[:10] for k, v in columns.items()})
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        predictor.predict_columns(columns)
        timings.append(time.perf_counter() - started)
    per_row = min(timings) / len(test) * 1e6
    metrics = result.metrics
    return {
        "model": f"{model_type} (v{result.version})",
        "accuracy": metrics["accuracy"],
        "auc": metrics["roc_auc"],
        "log_loss": metrics["log_loss"],
        "train_s": result.metadata["training_seconds"],
        "us_per_row": per_row,
        "epochs": f"{result.metadata['training']['best_epoch']}/"
        f"{result.metadata['training']['epochs_run']}",
    }


def sklearn_rows(train: pd.DataFrame, test: pd.DataFrame, seed: int) -> list[dict[str, Any]]:
    """LogisticRegression (one-hot + scaled numerics) and HistGradientBoosting baselines."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    categorical = list(census.CATEGORICAL_COLUMNS)
    numeric = list(NUMERIC)

    def frame(data: pd.DataFrame) -> pd.DataFrame:
        out = data[numeric + categorical].copy()
        for name in categorical:
            out[name] = out[name].fillna("?").astype(object)
        for name in ("capital_gain", "capital_loss"):
            out[name] = np.log1p(out[name])
        return out

    x_train, x_test = frame(train), frame(test)
    y_train, y_test = train["label"].to_numpy(), test["label"].to_numpy()
    models = {
        "sklearn LogisticRegression": make_pipeline(
            ColumnTransformer(
                [
                    ("num", StandardScaler(), numeric),
                    ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
                ]
            ),
            LogisticRegression(max_iter=2000),
        ),
        "sklearn HistGradientBoosting": make_pipeline(
            ColumnTransformer(
                [
                    ("num", "passthrough", numeric),
                    (
                        "cat",
                        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                        categorical,
                    ),
                ]
            ),
            HistGradientBoostingClassifier(
                categorical_features=list(range(len(numeric), len(numeric) + len(categorical))),
                random_state=seed,
            ),
        ),
    }
    rows = []
    for name, model in models.items():
        started = time.perf_counter()
        model.fit(x_train, y_train)
        train_seconds = time.perf_counter() - started
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            probabilities = model.predict_proba(x_test)[:, 1]
            timings.append(time.perf_counter() - started)
        per_row = min(timings) / len(x_test) * 1e6
        rows.append(
            {
                "model": name,
                "accuracy": accuracy(y_test, probabilities),
                "auc": roc_auc(y_test, probabilities),
                "log_loss": log_loss(y_test, probabilities),
                "train_s": train_seconds,
                "us_per_row": per_row,
                "epochs": "-",
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    """One Markdown table of the results."""
    print(
        "| model | test accuracy | test ROC AUC | test log loss | training s "
        "| µs / predicted row | best/run epochs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['model']} | {row['accuracy']:.4f} | {row['auc']:.4f} | "
            f"{row['log_loss']:.4f} | {row['train_s']:.1f} | {row['us_per_row']:.1f} "
            f"| {row['epochs']} |"
        )


def main() -> None:
    """Run the benchmark and print the table and the machine."""
    options = arguments()
    full_train = census.load_split("train")
    test = census.load_split("test")
    train, _ = census.split_train_validation(full_train)
    rows = []
    with tempfile.TemporaryDirectory(prefix="census-bench-") as scratch:
        models_dir = options.models_dir or Path(scratch)
        for model_type in MODEL_TYPES:
            rows.append(census_row(models_dir, model_type, options.seed, test))
            print(f"trained {rows[-1]['model']}", file=sys.stderr, flush=True)
    rows.extend(sklearn_rows(train, test, options.seed))
    print(
        f"Census income (UCI Adult): train {len(train)} rows (+ {len(full_train) - len(train)} "
        f"validation, from adult.data), test {len(test)} rows (adult.test); seed {options.seed}"
    )
    print_table(rows)
    for line in machine_lines():
        print(line)


if __name__ == "__main__":
    main()
