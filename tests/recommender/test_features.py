"""The feature declaration and what is adapted from the training split."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.features import (
    AdaptedSpec,
    CategoricalFeature,
    CrossFeature,
    FeatureSpec,
    FeatureSpecError,
    MultiCategoricalFeature,
    NumericFeature,
    adapt_features,
)
from tests.recommender.conftest import TINY_SPEC, make_columns


def test_cross_of_an_unbucketized_numeric_is_refused():
    with pytest.raises(FeatureSpecError, match="bucketized"):
        FeatureSpec(
            features=(
                NumericFeature("age"),
                CategoricalFeature("job"),
                CrossFeature("age_x_job", ("age", "job")),
            ),
            label="y",
        )


def test_unknown_cross_input_and_duplicates_are_refused():
    with pytest.raises(FeatureSpecError, match="unknown input 'nope'"):
        FeatureSpec(
            features=(CategoricalFeature("job"), CrossFeature("c", ("job", "nope"))), label="y"
        )
    with pytest.raises(FeatureSpecError, match="duplicate"):
        FeatureSpec(features=(CategoricalFeature("a"), NumericFeature("a")), label="y")


def test_vocabulary_is_stripped_and_ordered_by_frequency():
    spec = FeatureSpec(features=(CategoricalFeature("job", min_count=2),), label="y")
    columns = {"job": np.array([" cook", "cook", "chef ", "chef", "cook", "rare"], dtype=object)}
    adapted = adapt_features(spec, columns)
    assert adapted.stats["job"].vocabulary == ("cook", "chef")


def test_multi_valued_vocabulary_splits_on_the_separator():
    spec = FeatureSpec(features=(MultiCategoricalFeature("tags"),), label="y")
    columns = {"tags": np.array(["a|b", " b | c", "", None], dtype=object)}
    assert adapt_features(spec, columns).stats["tags"].vocabulary == ("b", "a", "c")


def test_quantile_boundaries_and_nonzero_quantiles():
    values = np.array([0.0] * 90 + list(range(1, 11)), dtype=object)
    spec = FeatureSpec(
        features=(
            NumericFeature("plain", buckets=4),
            NumericFeature("sparse", buckets=2, nonzero_quantiles=True),
        ),
        label="y",
    )
    adapted = adapt_features(spec, {"plain": values, "sparse": values})
    # most values are zero: plain quantiles collapse to few distinct boundaries
    assert adapted.stats["plain"].boundaries == (0.0,)
    sparse = adapted.stats["sparse"].boundaries
    assert sparse is not None and len(sparse) == 2
    assert 0.0 < sparse[0] < 1e-30 and sparse[1] == pytest.approx(5.5)
    assert adapted.stats["plain"].mean == pytest.approx(0.55)


def test_adapted_spec_round_trips_through_a_dict():
    adapted = adapt_features(TINY_SPEC, make_columns(100, seed=0))
    assert AdaptedSpec.from_dict(adapted.to_dict()) == adapted


def test_missing_training_column_is_named():
    with pytest.raises(FeatureSpecError, match="'color'"):
        adapt_features(TINY_SPEC, {"x": np.zeros(3), "z": np.zeros(3)})


def test_vocabularies_left_empty_by_training_data_get_a_placeholder():
    from recommender.features import (
        EMPTY_INTEGER_VOCABULARY,
        EMPTY_VOCABULARY,
        IntegerCategoricalFeature,
        MultiCategoricalFeature,
    )

    spec = FeatureSpec(
        features=(MultiCategoricalFeature("tags"), IntegerCategoricalFeature("position")),
        label="label",
    )
    # No tags at all, and only the "no position" value -1 (IntegerLookup's own OOV token).
    adapted = adapt_features(
        spec, {"tags": np.array(["", ""], dtype=object), "position": np.array([-1, -1])}
    )
    assert adapted.stats["tags"].vocabulary == EMPTY_VOCABULARY
    assert adapted.stats["position"].vocabulary == EMPTY_INTEGER_VOCABULARY
    mixed = adapt_features(
        spec, {"tags": np.array(["a", ""], dtype=object), "position": np.array([-1, 3])}
    )
    assert mixed.stats["position"].vocabulary == (3,)
    from recommender.model import ModelConfig, build_model

    model = build_model(adapted, ModelConfig(model_type="wide_deep", hidden_units=(4,)))
    assert model.count_params() > 0


def test_missing_numeric_values_are_left_out_of_the_statistics():
    spec = FeatureSpec(features=(NumericFeature("d", missing=-1.0, wide=False),), label="label")
    adapted = adapt_features(spec, {"d": np.array([-1.0, 2.0, -1.0, 4.0])})
    assert adapted.stats["d"].mean == pytest.approx(3.0)
    assert adapted.stats["d"].variance == pytest.approx(1.0)
    unknown = adapt_features(spec, {"d": np.array([-1.0, -1.0])})
    assert unknown.stats["d"].mean == 0.0 and unknown.stats["d"].variance == 0.0


def test_a_missing_marker_with_buckets_is_refused():
    with pytest.raises(FeatureSpecError, match="missing and buckets"):
        NumericFeature("d", missing=-1.0, buckets=4)
