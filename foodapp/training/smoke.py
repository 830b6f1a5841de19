"""The smoke prediction a version must answer before it is served: one plain instance built from
its own input schema, through the same Predictor that serving uses."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from foodapp.training.models import ModelVersion


class VersionDoesNotLoadError(RuntimeError):
    """The version's files could not be loaded as a model."""


def smoke_instance(schema: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One instance with an ordinary value per input: the first vocabulary entry of a
    categorical input, else 0 for numbers and the empty string for text."""
    instance: dict[str, Any] = {}
    for name, entry in schema.items():
        vocabulary = entry.get("vocabulary") or []
        dtype = entry.get("dtype")
        if vocabulary:
            instance[name] = vocabulary[0]
        elif dtype == "float":
            instance[name] = 0.0
        elif dtype == "int":
            instance[name] = 0
        else:
            instance[name] = ""
    return instance


def _numbers(value: Any) -> list[float]:
    """Every number in a prediction (nested lists flattened)."""
    if isinstance(value, list | tuple):
        return [number for item in value for number in _numbers(item)]
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    return []


def predictor_smoke_check(version: ModelVersion) -> None:
    """Load `version` (as serving will, warming its cache) and predict one instance.

    Raises:
        VersionDoesNotLoadError: the files do not load as a model of this export format.
        ValueError: the prediction is missing or not a finite probability.
        Exception: whatever the prediction raised.
    """
    from foodapp.training.predictors import predictor_for_version

    try:
        predictor = predictor_for_version(version)
    except Exception as error:
        raise VersionDoesNotLoadError(f"{type(error).__name__}: {error}") from error
    [prediction] = predictor.predict([smoke_instance(predictor.input_schema())])
    numbers = _numbers(prediction.get("logistic"))
    if len(numbers) != 1 or not math.isfinite(numbers[0]) or not 0.0 <= numbers[0] <= 1.0:
        raise ValueError(f"the prediction is not a probability: {prediction!r}")
