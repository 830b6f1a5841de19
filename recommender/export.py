"""Versioned export: `<models_dir>/<name>/<version>/` = a TensorFlow SavedModel + metadata.json.

The layout is TensorFlow Serving's (a numbered folder per version holding saved_model.pb and
variables/), so a version can be served there unchanged. A version is written into a temporary
folder next to the versions and renamed into place, so a crash never leaves half a version.

Next to `serving_default`, each version has an "explain" signature over the same raw inputs that
splits the logit into its wide and deep parts and the wide part into one contribution per wide
input (names in metadata["explain"]["wide_inputs"]). Caller files go to `<version>/assets.extra/`,
which TensorFlow Serving ignores.

For ranking in process, three more signatures split the same graph (recommender.model's
`encoder_model` and `scorer_model`, sharing the variables): "encode" turns the non-numeric raw
inputs into ids, "score_encoded" and "explain_encoded" go from those ids and the raw numerics to
the logits and to the explanation (metadata["encoded"] lists them and the encodings' shapes).
Versions exported before have none; `recommender.serving` then ranks through the raw signatures.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import keras
import tensorflow as tf

from recommender.features import AdaptedSpec, input_dtype
from recommender.model import (
    EXPLAIN_OUTPUTS,
    cross_function,
    encoded_tensors,
    encoder_model,
    explain_function,
    scorer_model,
    wide_input_names,
)

FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
SAVED_MODEL_FILE = "saved_model.pb"
SIGNATURE_NAME = "serving_default"
EXPLAIN_SIGNATURE = "explain"
ENCODE_SIGNATURE = "encode"
SCORE_ENCODED_SIGNATURE = "score_encoded"
EXPLAIN_ENCODED_SIGNATURE = "explain_encoded"
ENCODED_KEY = "encoded"
# The numeric part (crosses with recommender.model.hashed_cross, gathers, sums, the tower) runs
# as one XLA computation, compiled once per batch size: callers should pad batches to a few
# sizes, as recommender.serving does.
JIT_COMPILE_SCORER = True
EXTRA_FILES_DIR = "assets.extra"
TEMP_PREFIX = ".tmp-"
OUTPUT_KEYS: tuple[str, ...] = ("logits", "logistic", "probabilities", "classes")
RENAME_ATTEMPTS = 20


class ExportFormatError(RuntimeError):
    """A stored version was written in another (or no readable) format: retrain it."""


class ModelNotFoundError(LookupError):
    """The model name or version does not exist in the store."""


@dataclass(frozen=True)
class ExportResult:
    """One exported version.

    Args:
        name: model name in the store.
        version: version number (1, 2, ...).
        path: the version folder.
        metrics: evaluation metrics on the test split (with ROC and calibration points).
        metadata: everything written to metadata.json.
    """

    name: str
    version: int
    path: Path
    metrics: dict[str, Any]
    metadata: dict[str, Any]


def model_dir(models_dir: Path, name: str) -> Path:
    """The folder holding all versions of one model."""
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        raise ValueError(f"name: not a valid model name: {name!r}")
    return Path(models_dir) / name


def _is_version_name(text: str) -> bool:
    """True for folder names that are positive integers without leading zeros."""
    return text.isdigit() and not text.startswith("0")


def list_versions(models_dir: Path, name: str) -> list[int]:
    """The complete versions of a model, ascending.

    A version counts only once renamed into place with its SavedModel and metadata.json; leftover
    temporary folders and other entries are ignored.

    Args:
        models_dir: root of the model store.
        name: model name.

    Returns:
        Sorted version numbers (empty if the model has none).
    """
    folder = model_dir(models_dir, name)
    if not folder.is_dir():
        return []
    versions = []
    for entry in folder.iterdir():
        if (
            _is_version_name(entry.name)
            and entry.is_dir()
            and (entry / SAVED_MODEL_FILE).is_file()
            and (entry / METADATA_FILE).is_file()
        ):
            versions.append(int(entry.name))
    return sorted(versions)


def _next_version(folder: Path) -> int:
    """Max existing numbered folder + 1 (complete or not, so numbers are never reused)."""
    numbers = [int(e.name) for e in folder.iterdir() if _is_version_name(e.name)]
    return max(numbers, default=0) + 1


def read_metadata(path: Path) -> dict[str, Any]:
    """metadata.json of a version folder, checked for the format version.

    Raises:
        ExportFormatError: unreadable metadata or another format version.
    """
    file = Path(path) / METADATA_FILE
    try:
        metadata = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ExportFormatError(f"{file}: unreadable metadata ({error}); retrain") from error
    if not isinstance(metadata, dict):
        raise ExportFormatError(f"{file}: metadata is not a JSON object; retrain")
    found = metadata.get("format_version")
    if found != FORMAT_VERSION:
        raise ExportFormatError(
            f"{path}: export format version {found!r}, this code reads version "
            f"{FORMAT_VERSION}; retrain the model"
        )
    return metadata


def _input_signature(adapted: AdaptedSpec) -> list[tf.TensorSpec]:
    """One [batch] tensor per raw feature: float32 numerics, int64 ids, strings otherwise."""
    dtypes = {"float": tf.float32, "int": tf.int64, "string": tf.string}
    return [
        tf.TensorSpec(shape=[None], dtype=dtypes[input_dtype(feature)], name=feature.name)
        for feature in adapted.spec.raw_features
    ]


def serving_outputs(logits: tf.Tensor) -> dict[str, tf.Tensor]:
    """The four outputs TensorFlow Serving's classifier exports, from logits [batch, 1]."""
    logits = tf.reshape(tf.cast(logits, tf.float32), [-1, 1])
    logistic = tf.sigmoid(logits)
    return {
        "logits": logits,
        "logistic": logistic,
        "probabilities": tf.concat([1.0 - logistic, logistic], axis=1),
        "classes": tf.cast(logistic[:, 0] >= 0.5, tf.int64),
    }


def encoded_schema(model: keras.Model) -> dict[str, dict[str, Any]]:
    """Each raw input's encoding as the encoded signatures take it: {"dtype": "int" (ids) or
    "float" (a raw numeric), "shape": [None] or [None, n]}, in the model's input order."""
    schema = {}
    for name, tensor in encoded_tensors(model).items():
        dtype = tf.as_dtype(tensor.dtype)
        schema[name] = {
            "dtype": "float" if dtype.is_floating else "int",
            "shape": [None, *[int(d) for d in tensor.shape[1:]]],
        }
    return schema


def _encoded_signature(schema: Mapping[str, Mapping[str, Any]]) -> list[tf.TensorSpec]:
    """One tensor per raw input's encoding: int64 ids or float32 raw numerics."""
    return [
        tf.TensorSpec(
            shape=entry["shape"],
            dtype=tf.float32 if entry["dtype"] == "float" else tf.int64,
            name=name,
        )
        for name, entry in schema.items()
    ]


def _write_saved_model(model: keras.Model, adapted: AdaptedSpec, path: Path) -> None:
    """Save the model with serving_default and explain signatures over the raw inputs, and the
    encode, score_encoded and explain_encoded signatures of the split graph."""
    names = [feature.name for feature in adapted.spec.raw_features]
    explain = explain_function(model)
    encoder = encoder_model(model, skip_unused=True)
    crosses = cross_function(model)
    scorer = scorer_model(model, crossed=True)
    explain_crossed = explain_function(model, crossed=True)

    def crossed(encoded: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        return {**encoded, **crosses(encoded)}

    score_numeric = tf.function(
        lambda encoded: scorer(crossed(encoded), training=False), jit_compile=JIT_COMPILE_SCORER
    )
    explain_numeric = tf.function(
        lambda encoded: explain_crossed(crossed(encoded)), jit_compile=JIT_COMPILE_SCORER
    )
    schema = encoded_schema(model)
    encoded_names = list(schema)
    raw_signature = {spec.name: spec for spec in _input_signature(adapted)}
    encode_names = [name for name in names if schema.get(name, {}).get("dtype") == "int"]

    def serve(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        inputs = dict(zip(names, tensors, strict=True))
        return serving_outputs(model(inputs, training=False))

    def explain_endpoint(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        return explain(dict(zip(names, tensors, strict=True)))

    def encode_endpoint(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = encoder(dict(zip(encode_names, tensors, strict=True)), training=False)
        return {name: tf.cast(outputs[name], tf.int64) for name in encode_names}

    def score_encoded_endpoint(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        logits = score_numeric(dict(zip(encoded_names, tensors, strict=True)))
        return {"logits": tf.reshape(tf.cast(logits, tf.float32), [-1, 1])}

    def explain_encoded_endpoint(*tensors: tf.Tensor) -> dict[str, tf.Tensor]:
        encoded = dict(zip(encoded_names, tensors, strict=True))
        return cast(dict[str, tf.Tensor], explain_numeric(encoded))

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(name=SIGNATURE_NAME, fn=serve, input_signature=_input_signature(adapted))
    archive.add_endpoint(
        name=EXPLAIN_SIGNATURE, fn=explain_endpoint, input_signature=_input_signature(adapted)
    )
    archive.add_endpoint(
        name=ENCODE_SIGNATURE,
        fn=encode_endpoint,
        input_signature=[raw_signature[name] for name in encode_names],
    )
    for name, endpoint in (
        (SCORE_ENCODED_SIGNATURE, score_encoded_endpoint),
        (EXPLAIN_ENCODED_SIGNATURE, explain_encoded_endpoint),
    ):
        archive.add_endpoint(name=name, fn=endpoint, input_signature=_encoded_signature(schema))
    archive.write_out(str(path), verbose=False)


def _check_extra_name(name: str) -> None:
    """Refuse extra-file names that are not plain file names."""
    if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"extra_files: not a plain file name: {name!r}")


def _write_extra_files(path: Path, extra_files: Mapping[str, bytes]) -> None:
    """Write the caller's files into `<path>/assets.extra/`."""
    folder = path / EXTRA_FILES_DIR
    folder.mkdir()
    for name, content in extra_files.items():
        (folder / name).write_bytes(content)


def export_version(
    model: keras.Model,
    adapted: AdaptedSpec,
    *,
    models_dir: Path,
    name: str,
    metadata: Mapping[str, Any],
    extra_files: Mapping[str, bytes] | None = None,
) -> ExportResult:
    """Write a new version of `name` atomically and return it.

    Args:
        model: the trained model (raw inputs -> logit).
        adapted: its adapted feature spec (recorded with vocabularies in metadata.json).
        models_dir: root of the model store.
        name: model name.
        metadata: extra metadata (metrics, data summary, training seconds, parameters...).
        extra_files: {file name: content} written to `<version>/assets.extra/<name>` before the
            version is renamed into place (plain names only; listed in metadata["extra_files"]).

    Returns:
        The new version.

    Raises:
        ValueError: an extra file name with a path separator or a leading dot.
    """
    extra = dict(extra_files or {})
    for extra_name in extra:
        _check_extra_name(extra_name)
    explain = {
        "signature": EXPLAIN_SIGNATURE,
        "outputs": list(EXPLAIN_OUTPUTS),
        "wide_inputs": wide_input_names(model),
    }
    encoded = {
        "encode": ENCODE_SIGNATURE,
        "score": SCORE_ENCODED_SIGNATURE,
        "explain": EXPLAIN_ENCODED_SIGNATURE,
        "inputs": encoded_schema(model),
        "jit_compile": JIT_COMPILE_SCORER,
    }
    folder = model_dir(models_dir, name)
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        _write_saved_model(model, adapted, temp)
        if extra:
            _write_extra_files(temp, extra)
        for attempt in range(RENAME_ATTEMPTS):
            version = _next_version(folder)
            content = {
                **metadata,
                "format_version": FORMAT_VERSION,
                "name": name,
                "version": version,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "features": adapted.to_dict(),
                "inputs": adapted.input_schema(),
                "signature": {
                    "name": SIGNATURE_NAME,
                    "inputs": {f: s["dtype"] for f, s in adapted.input_schema().items()},
                    "outputs": list(OUTPUT_KEYS),
                },
                "explain": explain,
                ENCODED_KEY: encoded,
                "extra_files": sorted(extra),
                "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
            }
            metadata_file = temp / METADATA_FILE
            metadata_file.write_text(json.dumps(content, indent=2) + "\n")
            final = folder / str(version)
            try:
                os.rename(temp, final)
            except OSError:
                if attempt == RENAME_ATTEMPTS - 1:
                    raise
                continue
            return ExportResult(
                name=name,
                version=version,
                path=final,
                metrics=dict(content.get("metrics", {})),
                metadata=content,
            )
        raise RuntimeError("unreachable")  # pragma: no cover
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
