"""TensorFlow distribution strategies for training, chosen by name (the caller reads its setting).

- "none": no strategy, the default (one CPU or GPU).
- "mirrored": `tf.distribute.MirroredStrategy`, synchronous data parallelism over every GPU of
  one machine (each step's batch is split between them, gradients are all-reduced).
- "multi_worker_mirrored": `tf.distribute.MultiWorkerMirroredStrategy`, the same over several
  machines; each worker process reads the cluster and its own role from the TF_CONFIG
  environment variable ({"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task":
  {"type": "worker", "index": 0}}) and all of them run the same training.
"""

from __future__ import annotations

import tensorflow as tf

STRATEGIES = ("none", "mirrored", "multi_worker_mirrored")


def distribution_strategy(name: str) -> tf.distribute.Strategy | None:
    """The strategy called `name`, or None for "none".

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if name == "none":
        return None
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker_mirrored":
        return tf.distribute.MultiWorkerMirroredStrategy()
    known = ", ".join(STRATEGIES)
    raise ValueError(f"distribution strategy: expected one of {known}, got {name!r}")
