"""Training under a tf.distribute strategy: chosen by name, and two replicas train the same
weights as no strategy (each replica takes half of every batch; their gradients are summed).
Dropout is off in the comparison: its random draws differ between one device and two."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tensorflow as tf

from recommender.distribution import distribution_strategy

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh process: the two logical CPUs must be declared before TensorFlow starts.
TWO_REPLICAS = """
import json
import numpy as np
import tensorflow as tf
[cpu] = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from recommender.model import ModelConfig
from recommender.pipeline import fit
from recommender.training import TrainConfig
from tests.recommender.conftest import TINY_SPEC, make_columns, to_examples

def weights(strategy):
    columns = make_columns(200, seed=11)
    trained = fit(
        spec=TINY_SPEC, train_columns=columns, train=to_examples(columns),
        validation=to_examples(make_columns(100, seed=12)),
        model_config=ModelConfig(model_type=MODEL_TYPE, dropout=0.0),
        train_config=TrainConfig(epochs=2, batch_size=50, patience=0, seed=1),
        strategy=strategy,
    )
    return [w.tolist() for w in trained.model.get_weights()], trained.training.history[-1]["loss"]

strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
plain, plain_loss = weights(None)
mirrored, mirrored_loss = weights(strategy)
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "losses": [plain_loss, mirrored_loss],
    "max_difference": max(
        float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) if np.size(a) else 0.0
        for a, b in zip(plain, mirrored)
    ),
}))
"""


def test_strategies_by_name() -> None:
    assert distribution_strategy("none") is None
    assert isinstance(distribution_strategy("mirrored"), tf.distribute.MirroredStrategy)
    with pytest.raises(ValueError, match="expected one of none, mirrored, multi_worker_mirrored"):
        distribution_strategy("tpu")


@pytest.mark.parametrize("model_type", ["wide", "wide_deep"])
def test_two_mirrored_replicas_train_the_same_weights_as_none(model_type: str) -> None:
    script = f"MODEL_TYPE = {model_type!r}\n" + TWO_REPLICAS
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["replicas"] == 2
    assert found["losses"][0] == pytest.approx(found["losses"][1], rel=1e-4)
    assert found["max_difference"] < 1e-4
