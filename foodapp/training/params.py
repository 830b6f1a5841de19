"""Validation of training parameters, shared by the admin, the API, the command and the task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from foodapp.training.registry import Trainer

ALLOWED_KEYS = ("model_type", "epochs", "seed", "max_rows")
MAX_EPOCHS = 1000


class InvalidParamsError(ValueError):
    """Training parameters that cannot be used; the message names the field."""


def _positive_int(params: Mapping[str, Any], key: str, maximum: int | None = None) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParamsError(f"{key}: must be a positive whole number, got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidParamsError(f"{key}: must be at most {maximum}, got {value}")
    return value


def clean_params(*, trainer: Trainer, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the parameters with defaults filled in; raise InvalidParamsError naming the field."""
    unknown = sorted(set(params) - set(ALLOWED_KEYS))
    if unknown:
        raise InvalidParamsError(
            f"{unknown[0]}: unknown parameter (allowed: {', '.join(ALLOWED_KEYS)})"
        )
    cleaned: dict[str, Any] = {**trainer.default_params}
    model_type = params.get("model_type", cleaned.get("model_type", trainer.model_types[-1]))
    if model_type not in trainer.model_types:
        raise InvalidParamsError(
            f"model_type: must be one of {', '.join(trainer.model_types)}, got {model_type!r}"
        )
    cleaned["model_type"] = model_type
    for key, maximum in (("epochs", MAX_EPOCHS), ("max_rows", None)):
        value = _positive_int(params, key, maximum)
        if value is not None:
            cleaned[key] = value
    seed = params.get("seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise InvalidParamsError(f"seed: must be a whole number >= 0, got {seed!r}")
        cleaned["seed"] = seed
    return cleaned
