"""Versioned export: layout, signature, numbering, atomic rename and the format version."""

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
from recommender.serving import load_predictor


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


@pytest.fixture
def fake_writer(monkeypatch):
    """Replace the SavedModel writer with a fast fake that writes the marker files."""

    def write(model, adapted, path):
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"fake")

    monkeypatch.setattr(export, "_write_saved_model", write)


def _export(store: Path, exported_tiny: ExportResult) -> ExportResult:
    from recommender.features import AdaptedSpec

    adapted = AdaptedSpec.from_dict(exported_tiny.metadata["features"])
    return export_version(None, adapted, models_dir=store, name="m", metadata={})


def test_versions_are_numbered_max_plus_one(tmp_path, exported_tiny, fake_writer):
    assert list_versions(tmp_path, "m") == []
    assert _export(tmp_path, exported_tiny).version == 1
    assert _export(tmp_path, exported_tiny).version == 2
    shutil.rmtree(tmp_path / "m" / "1")
    assert _export(tmp_path, exported_tiny).version == 3
    assert list_versions(tmp_path, "m") == [2, 3]


def test_leftover_temp_and_foreign_folders_are_not_versions(tmp_path, exported_tiny, fake_writer):
    _export(tmp_path, exported_tiny)
    half = tmp_path / "m" / ".tmp-crashed"
    half.mkdir()
    (half / "saved_model.pb").write_bytes(b"half")
    (half / "metadata.json").write_text("{}")
    (tmp_path / "m" / "notes").mkdir()
    (tmp_path / "m" / "5").mkdir()  # no SavedModel inside: not complete
    assert list_versions(tmp_path, "m") == [1]


def test_crash_while_writing_leaves_no_version_and_no_temp(tmp_path, exported_tiny, monkeypatch):
    def crash(model, adapted, path):
        Path(path).mkdir()
        (Path(path) / "saved_model.pb").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_saved_model", crash)
    with pytest.raises(OSError, match="disk full"):
        _export(tmp_path, exported_tiny)
    assert list_versions(tmp_path, "m") == []
    assert list((tmp_path / "m").iterdir()) == []


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
