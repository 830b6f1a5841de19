"""Warm start: a new version starts from an earlier one's statistics and weights when the spec
fingerprint matches, and starts cold, saying why, when it does not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from recommender.export import export_version
from recommender.features import CategoricalFeature, FeatureSpec, adapt_features
from recommender.model import build_model
from recommender.pipeline import fit, train_evaluate_export
from recommender.serving import load_predictor
from recommender.training import predict_probabilities
from recommender.warm_start import (
    FINGERPRINT_KEY,
    NO_FINGERPRINT,
    WarmStartRefused,
    spec_fingerprint,
    warm_start_apply,
    warm_start_load,
)
from tests.recommender.conftest import (
    TINY_MODEL,
    TINY_SPEC,
    TINY_TRAINING,
    make_columns,
    to_examples,
)

ONE_EPOCH = replace(TINY_TRAINING, epochs=1)


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory, tiny_train, tiny_test):
    """A tiny wide & deep version exported with its fingerprint (8 epochs)."""
    return train_evaluate_export(
        spec=TINY_SPEC,
        train_columns=tiny_train,
        train=to_examples(tiny_train),
        validation=to_examples(make_columns(160, seed=3)),
        test=to_examples(tiny_test),
        model_config=TINY_MODEL,
        train_config=TINY_TRAINING,
        models_dir=tmp_path_factory.mktemp("warm-store"),
        name="tiny",
        data_summary={},
    )


def test_the_export_records_the_fingerprint_of_spec_and_architecture(earlier) -> None:
    assert earlier.metadata[FINGERPRINT_KEY] == spec_fingerprint(TINY_SPEC, TINY_MODEL)
    assert earlier.metadata["start"] == {"warm_start": False}
    deeper = replace(TINY_MODEL, hidden_units=(32, 8))
    assert spec_fingerprint(TINY_SPEC, deeper) != spec_fingerprint(TINY_SPEC, TINY_MODEL)


def test_a_warm_started_model_predicts_what_the_earlier_version_did(earlier, tiny_test) -> None:
    warm = warm_start_load(earlier.path, spec=TINY_SPEC, model_config=TINY_MODEL)
    model = build_model(warm.adapted, TINY_MODEL)
    warm_start_apply(model, warm)
    examples = to_examples(tiny_test)
    served = load_predictor(earlier.path.parent.parent, "tiny", earlier.version)
    expected = 1.0 / (1.0 + np.exp(-served.logits_arrays(examples.features).reshape(-1)))
    np.testing.assert_allclose(predict_probabilities(model, examples), expected, atol=1e-5)


def test_new_data_keeps_the_earlier_vocabularies_while_few_values_are_new(earlier) -> None:
    newer = make_columns(640, seed=11)  # same colours, cities and dishes, other rows
    trained = fit(
        spec=TINY_SPEC,
        train_columns=newer,
        train=to_examples(newer),
        validation=None,
        model_config=TINY_MODEL,
        train_config=ONE_EPOCH,
        warm_start=earlier.path,
    )
    assert (trained.start["warm_start"], trained.start["from"]) == (
        True,
        f"tiny v{earlier.version}",
    )
    assert 0 <= trained.start["load_seconds"] < 5  # read from the checkpoint, not traced
    assert trained.adapted.stats["x"].boundaries == tuple(
        earlier.metadata["features"]["stats"]["x"]["boundaries"]
    )


def test_a_changed_spec_starts_cold_and_says_why(earlier, tiny_train) -> None:
    wider = FeatureSpec(
        features=tuple(
            replace(f, embedding_dim=5) if isinstance(f, CategoricalFeature) else f
            for f in TINY_SPEC.features
        ),
        label=TINY_SPEC.label,
    )
    trained = fit(
        spec=wider,
        train_columns=tiny_train,
        train=to_examples(tiny_train),
        validation=None,
        model_config=TINY_MODEL,
        train_config=ONE_EPOCH,
        warm_start=earlier.path,
    )
    assert trained.start["warm_start"] is False
    assert "feature spec or architecture changed" in trained.start["cold_start_reason"]


def test_a_vocabulary_that_changed_too_much_starts_cold(earlier) -> None:
    newer = make_columns(640, seed=12)
    newer["dish_id"] = newer["dish_id"] + 50  # every dish is new
    fresh = adapt_features(TINY_SPEC, newer)
    with pytest.raises(WarmStartRefused, match="dish_id: 100% of the new vocabulary"):
        warm_start_load(earlier.path, spec=TINY_SPEC, model_config=TINY_MODEL, fresh=fresh)


def test_a_version_exported_without_a_fingerprint_starts_cold(exported_tiny) -> None:
    with pytest.raises(WarmStartRefused, match=NO_FINGERPRINT.split("(")[0].strip()):
        warm_start_load(exported_tiny.path, spec=TINY_SPEC, model_config=TINY_MODEL)


def test_warm_starting_beats_a_cold_start_after_one_epoch(earlier) -> None:
    newer = make_columns(640, seed=13)
    validation = to_examples(make_columns(400, seed=14))
    results = {}
    for label, start in (("cold", None), ("warm", Path(earlier.path))):
        trained = fit(
            spec=TINY_SPEC,
            train_columns=newer,
            train=to_examples(newer),
            validation=validation,
            model_config=TINY_MODEL,
            train_config=ONE_EPOCH,
            warm_start=start,
        )
        results[label] = trained.training.history[0]["val_auc"]
    assert results["warm"] > results["cold"]


def test_a_model_with_dropout_warm_starts_too(tmp_path: Path, tiny_train, tiny_test) -> None:
    """Dropout layers carry a random-seed state that is not a weight (nor in the SavedModel)."""
    with_dropout = replace(TINY_MODEL, dropout=0.3)
    adapted = adapt_features(TINY_SPEC, tiny_train)
    model = build_model(adapted, with_dropout)
    exported = export_version(
        model,
        adapted,
        models_dir=tmp_path,
        name="dropout",
        metadata={FINGERPRINT_KEY: spec_fingerprint(TINY_SPEC, with_dropout)},
    )
    warm = warm_start_load(exported.path, spec=TINY_SPEC, model_config=with_dropout)
    rebuilt = build_model(warm.adapted, with_dropout)
    warm_start_apply(rebuilt, warm)
    examples = to_examples(tiny_test)
    np.testing.assert_allclose(
        predict_probabilities(rebuilt, examples), predict_probabilities(model, examples), atol=1e-6
    )
