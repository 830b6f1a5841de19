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
