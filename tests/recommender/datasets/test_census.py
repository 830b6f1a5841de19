"""The census loader on the real files, and a quick train-and-export on a slice."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.datasets import census
from recommender.datasets.census_examples import TALK_INSTANCES
from recommender.export import ExportResult
from recommender.serving import Predictor, list_versions, load_predictor


def test_the_talk_instances_name_every_feature_column_in_order():
    assert tuple(TALK_INSTANCES[0]) == census.FEATURE_COLUMNS
    assert tuple(TALK_INSTANCES[1]) == census.FEATURE_COLUMNS


def test_train_split_counts_and_labels():
    frame = census.load_split("train")
    assert len(frame) == 32_561
    assert frame["label"].sum() == 7_841
    assert (frame["income_bracket"] == "<=50K").sum() == 24_720
    assert frame.iloc[0]["workclass"] == "State-gov"  # leading space removed
    rows_with_missing = frame[list(census.CATEGORICAL_COLUMNS)].isna().any(axis=1).sum()
    assert rows_with_missing == 2_399


def test_test_split_skips_the_odd_first_line_and_label_periods():
    frame = census.load_split("test")
    assert len(frame) == 16_281
    assert set(frame["income_bracket"]) == {"<=50K", ">50K"}
    assert frame["label"].sum() == 3_846
    assert frame.iloc[0]["age"] == 25.0
    assert frame[list(census.CATEGORICAL_COLUMNS)].isna().any(axis=1).sum() == 1_221


def test_malformed_line_names_file_and_line(tmp_path: Path):
    (tmp_path / "adult.data").write_text("39, State-gov, 77516\n")
    with pytest.raises(census.CensusFormatError, match=r"adult\.data line 1"):
        census.load_split("train", tmp_path)


def test_spec_declares_the_thirteen_columns_without_fnlwgt():
    names = {f.name for f in census.CENSUS_SPEC.raw_features}
    assert names == set(census.FEATURE_COLUMNS)
    assert len(names) == 13 and "fnlwgt" not in names
    assert any(len(c.inputs) == 3 for c in census.CENSUS_SPEC.crosses)


@pytest.fixture(scope="module")
def small_census(tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    store = tmp_path_factory.mktemp("census_store")
    return census.train_and_export(models_dir=store, epochs=1, max_rows=2000)


@pytest.fixture(scope="module")
def census_predictor(small_census: ExportResult) -> Predictor:
    return load_predictor(small_census.path.parents[1], "census")


def test_train_and_export_on_a_slice(small_census: ExportResult):
    assert small_census.version == 1
    assert list_versions(small_census.path.parents[1], "census") == [1]
    metrics = small_census.metrics
    assert metrics["examples"] == 2000
    assert metrics["accuracy"] > 0.76  # better than always "<=50K" (0.76 of the slice)
    assert len(metrics["roc_curve"]) == 51 and metrics["calibration"]
    metadata = small_census.metadata
    assert metadata["data"]["train"]["rows"] == 1800
    assert metadata["training_seconds"] > 0
    vocabulary = metadata["inputs"]["workclass"]["vocabulary"]
    assert "Private" in vocabulary
    assert "?" in vocabulary  # missing values keep the raw data's token


def test_leading_space_and_stripped_strings_predict_the_same(census_predictor: Predictor):
    stripped = [
        {k: v.strip() if isinstance(v, str) else v for k, v in instance.items()}
        for instance in TALK_INSTANCES
    ]
    assert census_predictor.predict(TALK_INSTANCES) == census_predictor.predict(stripped)


def test_unknown_country_still_predicts(census_predictor: Predictor):
    instance = {**TALK_INSTANCES[1], "native_country": "Atlantis"}
    [result] = census_predictor.predict([instance])
    assert 0.0 < result["logistic"][0] < 1.0


def test_census_input_errors_name_the_field(census_predictor: Predictor):
    from recommender.serving import InputError

    with pytest.raises(InputError, match=r"instances\[1\]\.age: expected a number, got 'abc'"):
        census_predictor.predict([TALK_INSTANCES[0], {**TALK_INSTANCES[1], "age": "abc"}])
    missing = {k: v for k, v in TALK_INSTANCES[0].items() if k != "workclass"}
    with pytest.raises(InputError, match="missing field 'workclass'"):
        census_predictor.predict([missing])


def test_max_rows_stops_reading_early():
    frame = census.load_split("test", max_rows=5)
    assert len(frame) == 5
    assert frame["age"].tolist() == census.load_split("test")["age"].head(5).tolist()


def test_numeric_ranges_are_the_span_of_the_training_data():
    train = census.load_split("train")
    assert set(census.NUMERIC_RANGES) == set(census.NUMERIC_COLUMNS) - {census.WEIGHT_COLUMN}
    for name, (low, high) in census.NUMERIC_RANGES.items():
        assert (train[name].min(), train[name].max()) == (low, high), name
    test = census.load_split("test")
    for name, (low, high) in census.NUMERIC_RANGES.items():
        assert low <= test[name].min() and test[name].max() <= high, name
