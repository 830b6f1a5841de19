"""The training loop: progress, logs, per-epoch examples, early stopping on any metric, seeds,
encoded inputs."""

from __future__ import annotations

import numpy as np
import pytest

from recommender import training
from recommender.model import ModelConfig
from recommender.pipeline import fit
from recommender.training import Examples, TrainConfig, examples_join, predict_probabilities
from tests.recommender.conftest import TINY_SPEC, make_columns, to_examples

WIDE = ModelConfig(model_type="wide")


def _fit(train_config, **kwargs):
    columns = make_columns(200, seed=11)
    arguments = {
        "spec": TINY_SPEC,
        "train_columns": columns,
        "train": to_examples(columns),
        "validation": to_examples(make_columns(100, seed=12)),
        "model_config": WIDE,
        "train_config": train_config,
        **kwargs,
    }
    return fit(**arguments)


def test_progress_reports_and_tensorboard_logs(tmp_path):
    reports: list[dict] = []
    config = TrainConfig(epochs=2, batch_size=50, patience=0, seed=1, progress_every=2)
    trained = _fit(config, progress=reports.append, log_dir=tmp_path / "logs")
    assert all(set(r) == {"epoch", "epochs", "step", "steps", "metrics"} for r in reports)
    assert [(r["epoch"], r["step"]) for r in reports] == [(1, 2), (1, 4), (2, 2), (2, 4)]
    assert all(r["epochs"] == 2 and r["steps"] == 4 for r in reports)
    end_of_epoch = reports[1]["metrics"]
    assert {"loss", "val_loss", "val_accuracy", "val_auc"} <= end_of_epoch.keys()
    assert trained.training.epochs_run == 2
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))


def test_early_stopping_keeps_the_best_epoch():
    frozen = TrainConfig(
        epochs=20, batch_size=50, patience=2, seed=1, wide_learning_rate=0.0, deep_learning_rate=0.0
    )
    trained = _fit(frozen)
    # nothing can improve after the first epoch, so two stale epochs stop the run
    assert trained.training.best_epoch == 1
    assert trained.training.epochs_run == 3
    assert trained.training.stopped_early


def test_same_seed_gives_the_same_weights():
    config = TrainConfig(epochs=1, batch_size=50, patience=0, seed=5)
    first = _fit(config).model.get_weights()
    second = _fit(config).model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_an_epoch_source_is_called_each_epoch_and_the_optimizers_keep_counting():
    calls: list[int] = []
    sizes = {1: 100, 2: 150, 3: 200}

    def source(epoch: int):
        calls.append(epoch)
        return to_examples(make_columns(sizes[epoch], seed=20 + epoch))

    reports: list[dict] = []
    config = TrainConfig(epochs=3, batch_size=50, patience=0, seed=1)
    columns = make_columns(200, seed=11)
    trained = fit(
        spec=TINY_SPEC,
        train_columns=columns,
        train=source,
        validation=to_examples(make_columns(100, seed=12)),
        model_config=ModelConfig(hidden_units=(8,), dropout=0.0),
        train_config=config,
        progress=reports.append,
    )
    assert calls == [1, 2, 3]
    assert {r["epoch"]: r["steps"] for r in reports} == {1: 2, 2: 3, 3: 4}
    # built once: the step counts run on across epochs instead of restarting
    assert trained.training.optimizer_iterations == {"wide": 9, "deep": 9}


def test_an_empty_epoch_draw_is_refused():
    def source(epoch: int):
        return to_examples(make_columns(0, seed=epoch))

    with pytest.raises(ValueError, match="epoch 1: no training examples"):
        _fit(TrainConfig(epochs=3, batch_size=50, patience=0, seed=1), train=source)


@pytest.mark.parametrize(
    ("monitor", "script"),
    [
        ("val_score", [0.1, 0.5, 0.3, 0.2, 0.4, 0.6]),  # maximised
        ("val_rank_loss", [0.5, 0.1, 0.3, 0.4, 0.2, 0.0]),  # a loss: minimised
    ],
)
def test_monitor_follows_the_validation_score_and_restores_its_best_epoch(monitor, script):
    snapshots: list[list[np.ndarray]] = []

    def validation_score(model, run):
        snapshots.append(model.get_weights())
        probabilities = predict_probabilities(model, to_examples(make_columns(20, seed=3)), run)
        assert probabilities.shape == (20,)  # the traced predict function works on raw inputs
        return {monitor: script[len(snapshots) - 1]}

    config = TrainConfig(epochs=6, batch_size=50, patience=2, seed=1, monitor=monitor)
    trained = _fit(config, validation_score=validation_score)
    history = trained.training.history
    assert [epoch[monitor] for epoch in history] == script[:4]
    assert {"loss", "val_auc", "val_loss"} <= history[0].keys()
    assert trained.training.best_epoch == 2
    assert trained.training.epochs_run == 4 and trained.training.stopped_early
    best = snapshots[1]
    assert not all(np.array_equal(a, b) for a, b in zip(best, snapshots[-1], strict=True))
    restored = trained.model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(restored, best, strict=True))


def test_a_missing_monitored_metric_falls_back_to_val_auc():
    frozen = TrainConfig(
        epochs=2,
        batch_size=50,
        patience=0,
        seed=1,
        wide_learning_rate=0.0,
        deep_learning_rate=0.0,
        monitor="val_missing",
    )
    scores = iter([0.1, 0.9])
    trained = _fit(frozen, validation_score=lambda model, run: {"val_other": next(scores)})
    # equal val_auc every epoch (nothing learns): the first epoch stays the best
    assert trained.training.best_epoch == 1
    assert [epoch["val_other"] for epoch in trained.training.history] == [0.1, 0.9]


def _traces_of_training(monkeypatch, epochs: int) -> int:
    """Python traces (tf.function bodies and tf.data map functions) of one training run whose
    examples are drawn afresh each epoch, with a different size each time."""
    import functools

    import tensorflow as tf

    count = [0]

    def counted(func):
        @functools.wraps(func)
        def body(*args, **kwargs):
            count[0] += 1
            return func(*args, **kwargs)

        return body

    real_function, real_map = tf.function, tf.data.Dataset.map

    def function(func=None, **options):
        if func is None:
            return lambda f: real_function(counted(f), **options)
        return real_function(counted(func), **options)

    monkeypatch.setattr(tf, "function", function)
    monkeypatch.setattr(
        tf.data.Dataset, "map", lambda self, f, *a, **k: real_map(self, counted(f), *a, **k)
    )
    columns = make_columns(120, seed=11)
    fit(
        spec=TINY_SPEC,
        train_columns=columns,
        train=lambda epoch: to_examples(make_columns(90 + 10 * epoch, seed=30 + epoch)),
        validation=to_examples(make_columns(60, seed=12)),
        model_config=ModelConfig(hidden_units=(8,), dropout=0.0),
        train_config=TrainConfig(epochs=epochs, batch_size=32, patience=0, seed=1),
    )
    return count[0]


def test_fresh_examples_each_epoch_do_not_retrace_the_training_step(monkeypatch):
    # Each epoch brings new examples (e.g. fresh sampled negatives) of another size: the step
    # and the input pipeline are traced once for the run, not once per epoch.
    assert _traces_of_training(monkeypatch, epochs=5) == _traces_of_training(monkeypatch, epochs=1)


def test_joined_examples_read_their_parts_end_to_end():
    first, second = to_examples(make_columns(30, seed=40)), to_examples(make_columns(20, seed=41))
    joined = examples_join([first, examples_join([second])])
    assert joined.parts == (first, second)  # nested joins are flattened
    assert len(joined) == 50 and joined.weights is None
    assert set(joined.features) == set(first.features) and "color" in joined.features
    for name in first.features:
        expected = np.concatenate([first.features[name], second.features[name]])
        assert np.array_equal(joined.features[name], expected)
    weighted = examples_join([first, Examples(second.features, second.labels, np.full(20, 2.0))])
    assert weighted.weights is not None
    assert weighted.weights.tolist() == [1.0] * 30 + [2.0] * 20
    with pytest.raises(ValueError, match="no examples"):
        examples_join([])


def _fit_joined(monkeypatch, *, raw: bool):
    """Train three epochs of a fixed part joined to a fresh draw each epoch; count encodings."""
    encoded: list[int] = []
    real_tensors = training._Encoding.tensors

    def counted(self, examples):
        encoded.append(len(examples))
        return real_tensors(self, examples)

    monkeypatch.setattr(training._Encoding, "tensors", counted)
    if raw:  # as if the model had no encoding layers: every step on raw strings
        monkeypatch.setattr(training, "encoder_model", _no_encoder)
    fixed = to_examples(make_columns(120, seed=50))

    def source(epoch: int):
        return examples_join([fixed, to_examples(make_columns(30, seed=60 + epoch))])

    trained = fit(
        spec=TINY_SPEC,
        train_columns=make_columns(150, seed=50),
        train=source,
        validation=to_examples(make_columns(60, seed=12)),
        model_config=ModelConfig(hidden_units=(8,), dropout=0.2),
        train_config=TrainConfig(epochs=3, batch_size=32, patience=0, seed=3),
    )
    return trained, encoded


def _no_encoder(model, **options):
    raise ValueError("no encoding layers")


def test_a_part_every_epoch_shares_is_encoded_once_and_training_learns_the_same(monkeypatch):
    trained, encoded = _fit_joined(monkeypatch, raw=False)
    # validation once, the fixed part once, each epoch's fresh draw once
    assert sorted(encoded) == [30, 30, 30, 60, 120]
    raw, _ = _fit_joined(monkeypatch, raw=True)
    # encoding the inputs once instead of in every step changes nothing the model learns
    for ours, theirs in zip(trained.training.history, raw.training.history, strict=True):
        assert ours == pytest.approx(theirs, rel=1e-5)
    for ours, theirs in zip(trained.model.get_weights(), raw.model.get_weights(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_ids_are_kept_in_the_smallest_integer_type():
    import tensorflow as tf

    assert training._compact_dtype(256) == tf.uint8
    assert training._compact_dtype(257) == tf.uint16
    assert training._compact_dtype(70_000) == tf.int32
    assert training._compact_dtype(2**32) == tf.int64


def test_validation_is_scored_once_an_epoch_for_all_its_metrics(monkeypatch):
    scored: list[int] = []
    real = training.Predictor.probabilities

    def counted(self, examples):
        before = len(self._scored)
        found = real(self, examples)
        if len(self._scored) > before:
            scored.append(len(examples))
        return found

    monkeypatch.setattr(training.Predictor, "probabilities", counted)
    validation = to_examples(make_columns(100, seed=12))
    seen: list[np.ndarray] = []

    def validation_score(model, run):
        seen.append(predict_probabilities(model, validation, run))
        return {}

    trained = _fit(
        TrainConfig(epochs=2, batch_size=50, patience=0, seed=1),
        validation=validation,
        validation_score=validation_score,
    )
    assert scored == [100, 100]  # one scoring an epoch, shared by val_auc and the callback
    assert not np.array_equal(seen[0], seen[1])  # forgotten when the weights changed
    fresh = predict_probabilities(trained.model, validation)  # raw inputs, no Predictor
    assert fresh.shape == (100,)
