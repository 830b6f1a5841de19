"""The distribution strategy trainers pass to the model core, from TRAINING_DISTRIBUTION."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def training_strategy() -> Any:
    """The tf.distribute strategy named by TRAINING_DISTRIBUTION (None for "none").

    "multi_worker_mirrored" reads the cluster from TF_CONFIG (see `recommender.distribution`).
    """
    from recommender.distribution import distribution_strategy

    return distribution_strategy(str(getattr(settings, "TRAINING_DISTRIBUTION", "none")))
