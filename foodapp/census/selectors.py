"""Reads for the census demo page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foodapp.census.charts import calibration_svg, roc_svg
from foodapp.census.trainer import MODEL_NAME
from foodapp.training.models import ModelVersion
from foodapp.training.selectors import model_version_active

HEADLINE_METRICS = (
    ("accuracy", "Accuracy"),
    ("roc_auc", "ROC AUC"),
    ("log_loss", "Log loss"),
    ("precision", "Precision"),
    ("recall", "Recall"),
    ("ece", "Expected calibration error"),
)


@dataclass(frozen=True)
class CensusModelSummary:
    version: ModelVersion
    metrics: list[tuple[str, float]]
    roc_svg: str
    calibration_svg: str
    test_examples: int | None


def census_model_summary() -> CensusModelSummary | None:
    """The active census version with its headline test metrics and charts, if there is one."""
    version = model_version_active(model_name=MODEL_NAME)
    if version is None:
        return None
    metrics: dict[str, Any] = version.metrics or {}
    headline = [
        (label, float(metrics[key]))
        for key, label in HEADLINE_METRICS
        if isinstance(metrics.get(key), int | float)
    ]
    return CensusModelSummary(
        version=version,
        metrics=headline,
        roc_svg=roc_svg(metrics.get("roc_curve") or [], metrics.get("roc_auc")),
        calibration_svg=calibration_svg(metrics.get("calibration") or [], metrics.get("ece")),
        test_examples=metrics.get("examples"),
    )
