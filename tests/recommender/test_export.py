"""Versioned export: layout, signatures, extra files, numbering, atomic rename, format version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import tensorflow as tf

from recommender import export
from recommender.export import (
    FORMAT_VERSION,
    ExportFormatError,
    ExportResult,
    export_version,
    list_versions,
    read_metadata,
)
from recommender.model import WIDE_NUMERICS
from recommender.pipeline import TrainedModel
from recommender.serving import load_predictor
from tests.recommender.conftest import TINY_EXTRA_FILES

WIDE_INPUTS = [
    "x",
    "color",
    "city",
    "tags",
    "query",
    "dish_id",
    "color_x_x",
    "color_x_city_x_x",
    "dish_id_x_color",
    WIDE_NUMERICS,
]


def test_version_folder_holds_saved_model_and_metadata(exported_tiny: ExportResult):
    assert exported_tiny.version == 1
    assert exported_tiny.path.name == "1"
    assert (exported_tiny.path / "saved_model.pb").is_file()
    metadata = json.loads((exported_tiny.path / "metadata.json").read_text())
    assert metadata["format_version"] == FORMAT_VERSION
    assert metadata["version"] == 1
    assert metadata["inputs"]["x"] == {"dtype": "float", "kind": "numeric", "vocabulary": None}
    assert set(metadata["inputs"]["color"]["vocabulary"]) == {"red", "green", "blue", "black"}
    assert metadata["metrics"] == {"accuracy": 0.5}
    assert metadata == exported_tiny.metadata


def test_serving_default_signature_takes_raw_tensors_by_name(exported_tiny: ExportResult):
    loaded = tf.saved_model.load(str(exported_tiny.path))
    signature = loaded.signatures["serving_default"]
    _, inputs = signature.structured_input_signature
    assert {name: spec.dtype for name, spec in inputs.items()} == {
        "x": tf.float32,
        "z": tf.float32,
        "color": tf.string,
        "city": tf.string,
        "tags": tf.string,
        "query": tf.string,
        "dish_id": tf.int64,
    }
    assert all(spec.shape.as_list() == [None] for spec in inputs.values())
    outputs = signature.structured_outputs
    assert outputs["logits"].shape.as_list() == [None, 1]
    assert outputs["logistic"].shape.as_list() == [None, 1]
    assert outputs["probabilities"].shape.as_list() == [None, 2]
    assert outputs["classes"].shape.as_list() == [None]
    assert outputs["classes"].dtype.is_integer


def test_explain_signature_takes_the_same_inputs_and_splits_the_logit(exported_tiny):
    loaded = tf.saved_model.load(str(exported_tiny.path))
    _, serving_inputs = loaded.signatures["serving_default"].structured_input_signature
    explain = loaded.signatures["explain"]
    _, inputs = explain.structured_input_signature
    assert inputs == serving_inputs
    outputs = explain.structured_outputs
    assert {name: tensor.shape.as_list() for name, tensor in outputs.items()} == {
        "logits": [None, 1],
        "wide_logit": [None],
        "deep_logit": [None],
        "wide_bias": [None],
        "wide_contributions": [None, len(WIDE_INPUTS)],
    }


def test_encoded_signatures_split_the_graph_at_the_encodings(exported_tiny):
    loaded = tf.saved_model.load(str(exported_tiny.path))
    encoded = exported_tiny.metadata["encoded"]
    assert (encoded["encode"], encoded["score"], encoded["explain"]) == (
        "encode",
        "score_encoded",
        "explain_encoded",
    )
    assert encoded["inputs"] == {
        "city": {"dtype": "int", "shape": [None]},
        "color": {"dtype": "int", "shape": [None]},
        "dish_id": {"dtype": "int", "shape": [None]},
        "query": {"dtype": "int", "shape": [None, 4]},
        "tags": {"dtype": "int", "shape": [None, 4]},
        "x": {"dtype": "float", "shape": [None]},
        "z": {"dtype": "float", "shape": [None]},
    }
    _, encode_inputs = loaded.signatures["encode"].structured_input_signature
    assert sorted(encode_inputs) == ["city", "color", "dish_id", "query", "tags"]
    raw = {
        "color": tf.constant(["red", " blue", "purple"]),
        "city": tf.constant(["city1", "city2", "city3"]),
        "tags": tf.constant(["spicy|vegan", "", "sweet"]),
        "query": tf.constant(["fried chicken", "iced latte", ""]),
        "dish_id": tf.constant([101, 104, 999], dtype=tf.int64),
    }
    ids = loaded.signatures["encode"](**raw)
    assert ids["tags"].shape == (3, 4) and ids["tags"].dtype == tf.int64
    numerics = {"x": tf.constant([0.5, -1.0, 2.0]), "z": tf.constant([0.0, 1.0, -2.0])}
    scored = loaded.signatures["score_encoded"](**ids, **numerics)["logits"]
    served = loaded.signatures["serving_default"](**raw, **numerics)["logits"]
    assert scored.shape == (3, 1)
    assert float(tf.reduce_max(tf.abs(scored - served))) < 1e-5
    explained = loaded.signatures["explain_encoded"](**ids, **numerics)
    expected = loaded.signatures["explain"](**raw, **numerics)
    for key, tensor in expected.items():
        assert float(tf.reduce_max(tf.abs(explained[key] - tensor))) < 1e-5, key


def test_metadata_names_the_wide_contributions_in_order(exported_tiny):
    explain = exported_tiny.metadata["explain"]
    assert explain["signature"] == "explain"
    assert explain["wide_inputs"] == WIDE_INPUTS


def test_extra_files_land_in_assets_extra(exported_tiny):
    folder = exported_tiny.path / "assets.extra"
    assert sorted(p.name for p in folder.iterdir()) == sorted(TINY_EXTRA_FILES)
    for name, content in TINY_EXTRA_FILES.items():
        assert (folder / name).read_bytes() == content
    assert exported_tiny.metadata["extra_files"] == sorted(TINY_EXTRA_FILES)


@pytest.fixture
def fake_writer(monkeypatch):
    """Replace the SavedModel writer with a fast fake that writes the marker files."""

    def write(model, adapted, path):
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"fake")

    monkeypatch.setattr(export, "_write_saved_model", write)


@pytest.fixture
def wide(trained_models: dict[str, TrainedModel]) -> TrainedModel:
    return trained_models["wide"]


def _export(store: Path, trained: TrainedModel, **kwargs) -> ExportResult:
    return export_version(
        trained.model, trained.adapted, models_dir=store, name="m", metadata={}, **kwargs
    )


def test_versions_are_numbered_max_plus_one(tmp_path, wide, fake_writer):
    assert list_versions(tmp_path, "m") == []
    assert _export(tmp_path, wide).version == 1
    assert _export(tmp_path, wide).version == 2
    shutil.rmtree(tmp_path / "m" / "1")
    assert _export(tmp_path, wide).version == 3
    assert list_versions(tmp_path, "m") == [2, 3]


def test_leftover_temp_and_foreign_folders_are_not_versions(tmp_path, wide, fake_writer):
    _export(tmp_path, wide)
    half = tmp_path / "m" / ".tmp-crashed"
    half.mkdir()
    (half / "saved_model.pb").write_bytes(b"half")
    (half / "metadata.json").write_text("{}")
    (tmp_path / "m" / "notes").mkdir()
    (tmp_path / "m" / "5").mkdir()  # no SavedModel inside: not complete
    assert list_versions(tmp_path, "m") == [1]


def test_crash_while_writing_leaves_no_version_and_no_temp(tmp_path, wide, monkeypatch):
    def crash(model, adapted, path):
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_saved_model", crash)
    with pytest.raises(OSError, match="disk full"):
        _export(tmp_path, wide)
    assert list_versions(tmp_path, "m") == []
    assert list((tmp_path / "m").iterdir()) == []


def test_crash_while_writing_extra_files_leaves_nothing(tmp_path, wide, fake_writer, monkeypatch):
    written: list[Path] = []

    def write_then_crash(path, extra_files):
        (path / "assets.extra").mkdir()
        (path / "assets.extra" / "first.bin").write_bytes(b"1")
        written.extend(path.rglob("*"))
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_extra_files", write_then_crash)
    with pytest.raises(OSError, match="disk full"):
        _export(tmp_path, wide, extra_files={"first.bin": b"1"})
    assert any(p.name == "saved_model.pb" for p in written)  # the crash came after the model
    assert list((tmp_path / "m").iterdir()) == []


def test_a_non_bytes_extra_file_fails_the_export_without_a_trace(tmp_path, wide, fake_writer):
    with pytest.raises(TypeError):
        _export(tmp_path, wide, extra_files={"a.bin": b"1", "b.bin": "text"})  # type: ignore[dict-item]
    assert list((tmp_path / "m").iterdir()) == []


@pytest.mark.parametrize("name", ["", "../up", "sub/file", ".hidden", "back\\slash"])
def test_extra_file_names_must_be_plain(tmp_path, wide, fake_writer, name):
    with pytest.raises(ValueError, match="extra_files"):
        _export(tmp_path, wide, extra_files={name: b"x"})
    assert list_versions(tmp_path, "m") == []
    assert not (tmp_path / "m").exists()


def test_other_format_version_raises_export_format_error(tmp_path, exported_tiny):
    copy = tmp_path / "tiny" / "1"
    shutil.copytree(exported_tiny.path, copy)
    metadata = json.loads((copy / "metadata.json").read_text())
    metadata["format_version"] = FORMAT_VERSION + 1
    (copy / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ExportFormatError, match="format version"):
        load_predictor(tmp_path, "tiny")


def test_unreadable_metadata_raises_export_format_error(tmp_path):
    version = tmp_path / "1"
    version.mkdir()
    (version / "metadata.json").write_text("{not json")
    with pytest.raises(ExportFormatError, match="retrain"):
        read_metadata(version)


def test_bad_model_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="name"):
        list_versions(tmp_path, "../escape")
