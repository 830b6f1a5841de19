"""Serving: reload gives the in-memory predictions and explanations, validation names the field."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from recommender import export, serving
from recommender.export import ExportResult
from recommender.model import explain_function, wide_input_names
from recommender.pipeline import TrainedModel
from recommender.serving import (
    ExplainUnavailableError,
    InputError,
    ModelNotFoundError,
    Predictor,
    load_predictor,
)
from recommender.training import predict_probabilities
from tests.recommender.conftest import TINY_EXTRA_FILES, to_examples

FIELDS = ("x", "z", "color", "city", "tags", "query", "dish_id")


@pytest.fixture(scope="module")
def predictor(exported_tiny: ExportResult) -> Predictor:
    return load_predictor(exported_tiny.path.parents[1], "tiny")


def _instance(**overrides):
    instance = {
        "x": 0.5,
        "z": -1.0,
        "color": "red",
        "city": "city3",
        "tags": "spicy|vegan",
        "query": "fried chicken",
        "dish_id": 104,
    }
    instance.update(overrides)
    return instance


def _columns(raw, rows=50):
    return {
        name: [v.item() if hasattr(v, "item") else v for v in raw[name][:rows]] for name in FIELDS
    }


def test_reloaded_predictions_equal_the_in_memory_model(
    predictor, trained_models: dict[str, TrainedModel], tiny_test
):
    in_memory = predict_probabilities(trained_models["wide_deep"].model, to_examples(tiny_test))
    served = predictor.predict_columns(_columns(tiny_test, rows=len(tiny_test["x"])))
    logistic = np.array(served["logistic"], dtype=np.float32).reshape(-1)
    np.testing.assert_array_equal(logistic, in_memory.astype(np.float32))


def test_rows_and_columns_agree_and_are_plain_python(predictor, tiny_test):
    columns = _columns(tiny_test, rows=5)
    rows = [{name: columns[name][i] for name in FIELDS} for i in range(5)]
    by_row = predictor.predict(rows)
    by_column = predictor.predict_columns(columns)
    assert [r["probabilities"] for r in by_row] == by_column["probabilities"]
    first = by_row[0]
    assert set(first) == {"probabilities", "logits", "classes", "logistic"}
    assert type(first["classes"]) is int and first["classes"] in (0, 1)
    assert all(type(v) is float for v in first["probabilities"] + first["logits"])
    assert first["probabilities"][1] == pytest.approx(first["logistic"][0])
    assert sum(first["probabilities"]) == pytest.approx(1.0)
    assert first["classes"] == int(first["logistic"][0] >= 0.5)


def test_batching_gives_the_same_predictions(predictor, tiny_test, monkeypatch):
    columns = _columns(tiny_test, rows=30)
    whole = predictor.predict_columns(columns)
    monkeypatch.setattr(serving, "BATCH_SIZE", 7)
    batched = predictor.predict_columns(columns)
    assert batched["classes"] == whole["classes"]
    # matrix kernels may round differently for other batch shapes: equal up to float32 noise
    np.testing.assert_allclose(batched["logits"], whole["logits"], rtol=1e-5, atol=1e-6)


def test_surrounding_whitespace_does_not_change_the_prediction(predictor):
    plain = predictor.predict([_instance(color="blue", city="city1")])
    padded = predictor.predict([_instance(color=" blue", city="city1 ")])
    assert padded == plain


def test_unknown_category_still_predicts(predictor):
    [result] = predictor.predict(
        [_instance(color="purple", city="atlantis", tags="new|odd", dish_id=999)]
    )
    assert sum(result["probabilities"]) == pytest.approx(1.0)
    known = predictor.predict([_instance(color="red")])[0]
    assert result["logits"] != known["logits"]


def test_ints_are_accepted_for_float_features(predictor):
    assert predictor.predict([_instance(x=1)]) == predictor.predict([_instance(x=1.0)])


def test_input_schema_lists_dtypes_and_vocabularies(predictor):
    schema = predictor.input_schema()
    assert list(schema) == list(FIELDS)
    assert schema["x"]["dtype"] == "float" and schema["x"]["vocabulary"] is None
    assert schema["color"]["dtype"] == "string"
    assert set(schema["color"]["vocabulary"]) == {"red", "green", "blue", "black"}
    assert schema["city"]["vocabulary"] is None  # hashed: no vocabulary
    assert schema["dish_id"]["dtype"] == "int"
    assert sorted(schema["dish_id"]["vocabulary"]) == list(range(100, 110))


@pytest.mark.parametrize(
    ("instances", "message"),
    [
        ([], "instances: expected at least one instance"),
        ({"x": 1}, "instances: expected a list of objects"),
        ([_instance(), "oops"], "instances[1]: expected an object"),
        (
            [_instance(), {k: v for k, v in _instance().items() if k != "color"}],
            "instances[1]: missing field 'color'",
        ),
        ([_instance(x="abc")], "instances[0].x: expected a number, got 'abc'"),
        ([_instance(x=None)], "instances[0].x: expected a number, got null"),
        ([_instance(x=True)], "instances[0].x: expected a number, got true"),
        ([_instance(x=float("nan"))], "instances[0].x: expected a finite number"),
        ([_instance(color=3)], "instances[0].color: expected a string, got 3"),
        ([_instance(color=False)], "instances[0].color: expected a string, got false"),
        ([_instance(color=None)], "instances[0].color: expected a string, got null"),
        ([_instance(dish_id="104")], "instances[0].dish_id: expected an integer, got '104'"),
        ([_instance(dish_id=104.0)], "instances[0].dish_id: expected an integer, got 104.0"),
        ([_instance(dish_id=2**70)], "instances[0].dish_id: integer out of range"),
    ],
)
def test_bad_instances_raise_input_error_naming_the_field(predictor, instances, message):
    with pytest.raises(InputError) as error:
        predictor.predict(instances)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.pop("tags"), "inputs: missing field 'tags'"),
        (lambda c: c["z"].pop(), "inputs.z: expected 2 values"),
        (lambda c: c.__setitem__("x", [1, "2"]), "inputs.x[1]: expected a number, got '2'"),
        (lambda c: c.__setitem__("query", "fried"), "inputs.query: expected a list"),
    ],
)
def test_bad_columns_raise_input_error_naming_the_field(predictor, change, message):
    columns = {name: [value, value] for name, value in _instance().items()}
    change(columns)
    with pytest.raises(InputError) as error:
        predictor.predict_columns(columns)
    assert message in str(error.value)


def test_empty_columns_raise_input_error(predictor):
    with pytest.raises(InputError, match="at least one"):
        predictor.predict_columns({name: [] for name in FIELDS})


def test_unknown_model_or_version_raises_model_not_found(exported_tiny, tmp_path):
    store = exported_tiny.path.parents[1]
    assert serving.list_versions(store, "tiny") == [1]
    with pytest.raises(ModelNotFoundError, match="no version 9"):
        load_predictor(store, "tiny", 9)
    with pytest.raises(ModelNotFoundError, match="no versions"):
        load_predictor(tmp_path, "tiny")


def test_numpy_numbers_take_the_checked_path_and_predict_the_same(predictor):
    plain = predictor.predict([_instance(x=2.0, z=-1.0)])
    numpy_values = _instance(x=np.float64(2.0), z=np.int64(-1), dish_id=np.int32(104))
    assert predictor.predict([numpy_values]) == plain


def test_overflowing_number_is_refused(predictor):
    with pytest.raises(InputError, match=r"instances\[0\]\.x: expected a finite number"):
        predictor.predict([_instance(x=10**400)])


def _arrays(raw, rows):
    """Typed columns as the recommendation service builds them."""
    return {
        name: np.asarray(raw[name][:rows], dtype=dtype)
        for name, dtype in (
            ("x", np.float32),
            ("z", np.float32),
            ("color", object),
            ("city", object),
            ("tags", object),
            ("query", object),
            ("dish_id", np.int64),
        )
    }


def test_logits_arrays_equal_predict_columns(predictor, tiny_test):
    columns = _columns(tiny_test, rows=200)
    expected = np.array(predictor.predict_columns(columns)["logits"], dtype=np.float32)
    logits = predictor.logits_arrays(_arrays(tiny_test, 200))
    assert logits.dtype == np.float32 and logits.shape == (200,)
    np.testing.assert_array_equal(logits, expected.reshape(-1))


def test_logits_arrays_check_fields_and_lengths_only(predictor, tiny_test):
    arrays = _arrays(tiny_test, 5)
    with pytest.raises(InputError, match="missing field 'tags'"):
        predictor.logits_arrays({k: v for k, v in arrays.items() if k != "tags"})
    with pytest.raises(InputError, match=r"arrays\.z: expected 5 values, got 4"):
        predictor.logits_arrays({**arrays, "z": arrays["z"][:4]})
    empty = predictor.logits_arrays({name: values[:0] for name, values in arrays.items()})
    assert empty.shape == (0,)


def test_reloaded_explanation_equals_the_in_memory_one_and_adds_up(
    predictor, trained_models: dict[str, TrainedModel], tiny_test
):
    model = trained_models["wide_deep"].model
    in_memory = explain_function(model)(to_examples(tiny_test).tensors())
    served = predictor.explain_columns(_columns(tiny_test, rows=len(tiny_test["x"])))
    assert set(served) == {"logits", "wide_logit", "deep_logit", "wide_bias", "contributions"}
    assert list(served["contributions"]) == predictor.metadata["explain"]["wide_inputs"]
    assert list(served["contributions"]) == wide_input_names(model)
    assert all(type(v) is float for v in served["logits"] + served["contributions"]["color"])
    for key in ("wide_logit", "deep_logit", "wide_bias"):
        np.testing.assert_allclose(served[key], np.asarray(in_memory[key]), atol=1e-6)
    np.testing.assert_allclose(served["logits"], np.asarray(in_memory["logits"])[:, 0], atol=1e-6)
    contributions = np.array(list(served["contributions"].values())).T
    np.testing.assert_allclose(
        contributions, np.asarray(in_memory["wide_contributions"]), atol=1e-6
    )
    np.testing.assert_allclose(
        served["wide_logit"], np.array(served["wide_bias"]) + contributions.sum(axis=1), atol=1e-5
    )
    np.testing.assert_allclose(
        served["logits"], np.add(served["wide_logit"], served["deep_logit"]), atol=1e-5
    )
    logits = predictor.predict_columns(_columns(tiny_test, rows=len(tiny_test["x"])))["logits"]
    np.testing.assert_allclose(served["logits"], np.array(logits)[:, 0], atol=1e-6)


def test_explain_arrays_equal_explain_columns(predictor, tiny_test):
    by_column = predictor.explain_columns(_columns(tiny_test, rows=20))
    by_array = predictor.explain_arrays(_arrays(tiny_test, 20))
    for key in ("logits", "wide_logit", "deep_logit", "wide_bias"):
        assert by_array[key].shape == (20,)
        assert by_array[key].tolist() == by_column[key]
    assert {k: v.tolist() for k, v in by_array["contributions"].items()} == by_column[
        "contributions"
    ]


def test_explain_columns_validate_like_predict_columns(predictor):
    columns = {name: [value, value] for name, value in _instance(x="abc").items()}
    with pytest.raises(InputError, match=r"inputs\.x\[0\]: expected a number"):
        predictor.explain_columns(columns)


def test_extra_files_are_read_back(predictor):
    for name, content in TINY_EXTRA_FILES.items():
        assert predictor.extra_file(name) == content
    with pytest.raises(FileNotFoundError, match=r"no extra file 'missing\.txt'"):
        predictor.extra_file("missing.txt")


def _write_without_explain(model, adapted, path):
    """The writer of versions exported before the explain signature existed."""
    names = [feature.name for feature in adapted.spec.raw_features]

    def serve(*tensors):
        return export.serving_outputs(model(dict(zip(names, tensors, strict=True))))

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        name="serving_default", fn=serve, input_signature=export._input_signature(adapted)
    )
    archive.write_out(str(path), verbose=False)


def _old_export(trained, models_dir, monkeypatch, *dropped: str):
    """A version as an older export wrote it: without the explain signature (and encoded ones),
    its metadata without the `dropped` entries."""
    monkeypatch.setattr(export, "_write_saved_model", _write_without_explain)
    result = export.export_version(
        trained.model, trained.adapted, models_dir=models_dir, name="old", metadata={}
    )
    metadata = json.loads((result.path / "metadata.json").read_text())
    for key in dropped:
        del metadata[key]
    (result.path / "metadata.json").write_text(json.dumps(metadata))
    return load_predictor(models_dir, "old")


def test_version_without_explain_signature_predicts_and_refuses_to_explain(
    trained_models, tiny_test, tmp_path, monkeypatch
):
    trained = trained_models["wide"]
    old = _old_export(trained, tmp_path, monkeypatch, "explain", "extra_files")
    columns = _columns(tiny_test, rows=10)
    in_memory = predict_probabilities(trained.model, to_examples(tiny_test))[:10]
    logistic = np.array(old.predict_columns(columns)["logistic"]).reshape(-1)
    np.testing.assert_allclose(logistic, in_memory, rtol=1e-6)
    assert old.wide_inputs == []
    with pytest.raises(ExplainUnavailableError, match="without the 'explain' signature; retrain"):
        old.explain_columns(columns)
    with pytest.raises(ExplainUnavailableError):
        old.explain_arrays(_arrays(tiny_test, 10))


ITEM_FIELDS = ("z", "color", "city", "tags", "dish_id")


def _items_and_request(raw, rows, seed=0):
    """Items from the first `rows` columns; a request: 60 positions (repeats too), one query
    for every row and a per-row x."""
    items = {name: values for name, values in _arrays(raw, rows).items() if name in ITEM_FIELDS}
    positions = np.random.default_rng(seed).integers(0, rows, 60)
    arrays = {
        "query": np.asarray([raw["query"][seed]], dtype=object),
        "x": np.asarray(raw["x"][:60], dtype=np.float32),
    }
    gathered = {name: values[positions] for name, values in items.items()}
    gathered.update(query=np.repeat(arrays["query"], 60), x=arrays["x"])
    return items, positions, arrays, gathered


def test_encoded_items_rank_and_explain_as_the_raw_signatures(predictor, tiny_test):
    assert predictor.encodes_items
    items, positions, arrays, gathered = _items_and_request(tiny_test, 300)
    encoded = predictor.encode_items({**items, "label": np.zeros(300)})
    assert encoded.encoded and encoded.count == 300
    assert sorted(encoded.ids) == ["city", "color", "dish_id", "tags"]
    assert encoded.ids["tags"].shape == (300, 4)
    for seed in range(3):
        _, positions, arrays, gathered = _items_and_request(tiny_test, 300, seed)
        logits = predictor.logits_items(encoded, positions, arrays)
        assert logits.dtype == np.float32 and logits.shape == (60,)
        np.testing.assert_allclose(logits, predictor.logits_arrays(gathered), atol=1e-5)
        parts = predictor.explain_items(encoded, positions, arrays)
        expected = predictor.explain_arrays(gathered)
        for key in ("logits", "wide_logit", "deep_logit", "wide_bias"):
            np.testing.assert_allclose(parts[key], expected[key], atol=1e-5)
        assert list(parts["contributions"]) == predictor.wide_inputs
        for name, values in expected["contributions"].items():
            np.testing.assert_allclose(parts["contributions"][name], values, atol=1e-5)
        np.testing.assert_allclose(
            parts["wide_logit"] + parts["deep_logit"], parts["logits"], atol=1e-5
        )


def test_encoded_items_take_the_raw_path_for_a_per_row_string(predictor, tiny_test):
    items, positions, arrays, gathered = _items_and_request(tiny_test, 100)
    per_row = {**arrays, "query": np.asarray(tiny_test["query"][:60], dtype=object)}
    logits = predictor.logits_items(predictor.encode_items(items), positions, per_row)
    np.testing.assert_array_equal(
        logits, predictor.logits_arrays({**gathered, "query": per_row["query"]})
    )


def test_encoded_items_check_their_owner_positions_and_fields(predictor, exported_tiny, tiny_test):
    items, positions, arrays, _ = _items_and_request(tiny_test, 100)
    encoded = predictor.encode_items(items)
    other = load_predictor(exported_tiny.path.parents[1], "tiny")
    with pytest.raises(InputError, match="items: encoded by"):
        other.logits_items(encoded, positions, arrays)
    with pytest.raises(InputError, match=r"positions: expected values in \[0, 100\)"):
        predictor.logits_items(encoded, np.array([0, 100]), arrays)
    with pytest.raises(InputError, match="missing field 'query'"):
        predictor.logits_items(encoded, positions, {"x": arrays["x"]})
    with pytest.raises(InputError, match=r"arrays\.x: expected 60 values, got 5"):
        predictor.logits_items(encoded, positions, {**arrays, "x": arrays["x"][:5]})
    with pytest.raises(InputError, match=r"columns\.z: expected 100 values, got 99"):
        predictor.encode_items({**items, "z": items["z"][:99]})
    assert predictor.logits_items(encoded, positions[:0], arrays).shape == (0,)
    assert predictor.explain_items(encoded, positions[:0], arrays)["logits"].shape == (0,)


def test_version_without_encoded_signatures_ranks_items_through_the_raw_path(
    trained_models, tiny_test, tmp_path, monkeypatch
):
    old = _old_export(trained_models["wide"], tmp_path, monkeypatch, "encoded")
    assert not old.encodes_items
    items, positions, arrays, gathered = _items_and_request(tiny_test, 100)
    encoded = old.encode_items(items)
    assert not encoded.encoded and not encoded.ids
    np.testing.assert_array_equal(
        old.logits_items(encoded, positions, arrays), old.logits_arrays(gathered)
    )


@pytest.mark.parametrize("model_type", ["wide", "deep"])
def test_encoded_items_rank_as_the_raw_signatures_for_each_model_type(
    model_type, trained_models, tiny_test, tmp_path
):
    trained = trained_models[model_type]
    export.export_version(
        trained.model, trained.adapted, models_dir=tmp_path, name=model_type, metadata={}
    )
    loaded = load_predictor(tmp_path, model_type)
    assert loaded.encodes_items
    items, positions, arrays, gathered = _items_and_request(tiny_test, 100)
    encoded = loaded.encode_items(items)
    np.testing.assert_allclose(
        loaded.logits_items(encoded, positions, arrays), loaded.logits_arrays(gathered), atol=1e-5
    )
    parts = loaded.explain_items(encoded, positions, arrays)
    expected = loaded.explain_arrays(gathered)
    for key in ("logits", "wide_logit", "deep_logit", "wide_bias"):
        np.testing.assert_allclose(parts[key], expected[key], atol=1e-5)


def test_encoded_items_rank_batches_past_the_padded_size_and_one_row(predictor, tiny_test):
    items, _, arrays, _ = _items_and_request(tiny_test, 300)
    encoded = predictor.encode_items(items)
    for rows in (1, serving.PADDED_ROWS + 1):
        positions = np.arange(rows) % 300
        x = np.asarray(tiny_test["x"][:rows], dtype=np.float32)
        gathered = {name: values[positions] for name, values in items.items()}
        gathered.update(query=np.repeat(arrays["query"], rows), x=x)
        np.testing.assert_allclose(
            predictor.logits_items(encoded, positions, {**arrays, "x": x}),
            predictor.logits_arrays(gathered),
            atol=1e-5,
        )
