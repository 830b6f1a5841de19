"""Safe activation's margin rule: a version that falls behind the active one on the validation
metric by more than the configured margin is not served.

The policy is the setting TRAINING_ACTIVATION_POLICIES: model name -> {"metric": ..., "margin":
...}, with "*" for every model not named, and None (or no entry) for "no margin rule". The metric
is a dotted path into a version's metrics (e.g. "validation.auc"); metrics whose last part ends
in "loss" are better lower. The two versions are compared on their own validation splits (a newer
version validates on newer data), so the margin should allow for that noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ANY_MODEL = "*"
NOT_ACTIVATED_MARGIN = (
    "not activated: its {metric} {found:.4f} falls behind the active v{active} "
    "({active_value:.4f}) by {behind:.4f}, more than the allowed margin {margin:.4f}"
)
BAD_POLICY = (
    "TRAINING_ACTIVATION_POLICIES[{model!r}] must be None or {{'metric': str, 'margin': number "
    ">= 0}}, not {value!r}"
)


@dataclass(frozen=True)
class MarginPolicy:
    """Refuse a version whose `metric` is worse than the active version's by more than `margin`."""

    metric: str
    margin: float

    @property
    def lower_is_better(self) -> bool:
        """Losses are minimised; everything else (AUC, nDCG, accuracy) is maximised."""
        return self.metric.rsplit(".", 1)[-1].endswith("loss")


def margin_policy_for(model_name: str) -> MarginPolicy | None:
    """The margin rule configured for `model_name`, or None when it has none.

    Raises:
        ImproperlyConfigured: the setting's entry is malformed (the message names it).
    """
    policies: Mapping[str, Any] = getattr(settings, "TRAINING_ACTIVATION_POLICIES", {}) or {}
    key = model_name if model_name in policies else ANY_MODEL
    value = policies.get(key)
    if value is None:
        return None
    metric, margin = (
        (value.get("metric"), value.get("margin")) if isinstance(value, Mapping) else ("", None)
    )
    if (
        not isinstance(metric, str)
        or not metric
        or isinstance(margin, bool)
        or not isinstance(margin, int | float)
        or not math.isfinite(margin)
        or margin < 0
    ):
        raise ImproperlyConfigured(BAD_POLICY.format(model=key, value=value))
    return MarginPolicy(metric=metric, margin=float(margin))


def metric_value(metrics: Mapping[str, Any], path: str) -> float | None:
    """The number at a dotted path in a version's metrics, or None when absent or not finite."""
    value: Any = metrics
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def margin_refusal(
    *,
    policy: MarginPolicy,
    candidate_metrics: Mapping[str, Any],
    active_metrics: Mapping[str, Any],
    active_version: int,
) -> str:
    """Why the candidate falls too far behind the active version, or "" when it does not.

    A version lacking the metric (either of the two) is not judged by this rule.
    """
    found = metric_value(candidate_metrics, policy.metric)
    active_value = metric_value(active_metrics, policy.metric)
    if found is None or active_value is None:
        return ""
    behind = found - active_value if policy.lower_is_better else active_value - found
    # A hair of slack for floating point: a margin of 0.01 refuses 0.0101 behind, not 0.01.
    if behind <= policy.margin + 1e-12:
        return ""
    return NOT_ACTIVATED_MARGIN.format(
        metric=policy.metric,
        found=found,
        active=active_version,
        active_value=active_value,
        behind=behind,
        margin=policy.margin,
    )
