"""Load an exported version and predict on raw instances, validated, in batches.

Prediction calls the SavedModel's `serving_default` concrete function (fixed [batch] signature,
so no retracing) with numpy arrays built from the instances; explanations call its `explain`
signature the same way. `logits_arrays` and `explain_arrays` take already-typed numpy columns
without per-value checks, for in-process ranking; a column of one value there stands for every
row (a ranked person's or query's features), and its string is converted to a tensor once.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import tensorflow as tf

from recommender.export import (
    EXPLAIN_SIGNATURE,
    EXTRA_FILES_DIR,
    OUTPUT_KEYS,
    SIGNATURE_NAME,
    ExportFormatError,
    ModelNotFoundError,
    list_versions,
    model_dir,
    read_metadata,
)

__all__ = [
    "ExplainUnavailableError",
    "ExportFormatError",
    "InputError",
    "ModelNotFoundError",
    "Predictor",
    "list_versions",
    "load_predictor",
]

BATCH_SIZE = 8192
_PLAIN_NUMBERS: set[type] = {int, float}
_PLAIN_STRINGS: set[type] = {str}
_PLAIN_INTS: set[type] = {int}
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EXPLAIN_KEYS: tuple[str, ...] = (
    "logits",
    "wide_logit",
    "deep_logit",
    "wide_bias",
    "wide_contributions",
)


class InputError(ValueError):
    """Bad prediction input; the message names the field."""


class ExplainUnavailableError(LookupError):
    """The version was exported without the explain signature: retrain it to explain."""


def _describe(value: object) -> str:
    """A short rendering of a bad value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: object) -> bool:
    """True for ints and floats (numpy ones included), not for bools."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _check_value(value: object, dtype: str, where: str) -> None:
    """Raise InputError unless `value` fits a float or string input."""
    if dtype == "float":
        if not _is_number(value):
            raise InputError(f"{where}: expected a number, got {_describe(value)}")
        try:
            finite = math.isfinite(float(value))  # type: ignore[arg-type]
        except OverflowError:
            finite = False
        if not finite:
            raise InputError(f"{where}: expected a finite number, got {_describe(value)}")
    elif dtype == "int":
        if not isinstance(value, numbers.Integral) or isinstance(value, bool | np.bool_):
            raise InputError(f"{where}: expected an integer, got {_describe(value)}")
        if not INT64_MIN <= int(value) <= INT64_MAX:
            raise InputError(f"{where}: integer out of range, got {_describe(value)}")
    elif not isinstance(value, str):
        raise InputError(f"{where}: expected a string, got {_describe(value)}")


def _column_array(values: list[object], dtype: str, where: Callable[[int], str]) -> np.ndarray:
    """Validate one column and return it as float32 or object (str) array.

    Plain ints/floats and strs take a fast path; anything else is checked value by value so the
    error names the first bad one.
    """
    kinds = set(map(type, values))
    if dtype == "float":
        if kinds <= _PLAIN_NUMBERS:
            try:
                array = np.asarray(values, dtype=np.float64)
            except OverflowError:
                array = np.array([math.inf])
            if np.isfinite(array).all():
                return array.astype(np.float32)
    elif dtype == "int":
        if kinds == _PLAIN_INTS:
            try:
                return np.asarray(values, dtype=np.int64)
            except OverflowError:
                pass
    elif kinds == _PLAIN_STRINGS:
        return np.asarray(values, dtype=object)
    for index, value in enumerate(values):
        _check_value(value, dtype, where(index))
    if dtype == "float":
        return np.asarray([float(v) for v in values], dtype=np.float32)  # type: ignore[arg-type]
    if dtype == "int":
        return np.asarray([int(v) for v in values], dtype=np.int64)  # type: ignore[call-overload]
    return np.asarray([str(v) for v in values], dtype=object)


def _packed_function(
    signature: Callable[..., Any],
    strings: Sequence[str],
    floats: Sequence[str],
    ints: Sequence[str],
    *,
    string_table: bool = False,
) -> Callable[..., Any]:
    """A concrete function over three packed tensors that calls a signature of the SavedModel.

    One [batch, n] string, float32 and int64 tensor each instead of one tensor per feature: fewer
    conversions and a cheaper call, with a fixed signature (never retraced). With `string_table`
    the strings come as a [values] table and a [batch, n] int32 index into it, so that a value
    shared by every row is converted once.
    """

    def call(
        packed_strings: tf.Tensor, packed_floats: tf.Tensor, packed_ints: tf.Tensor
    ) -> dict[str, tf.Tensor]:
        inputs = {name: packed_strings[:, i] for i, name in enumerate(strings)}
        inputs.update({name: packed_floats[:, i] for i, name in enumerate(floats)})
        inputs.update({name: packed_ints[:, i] for i, name in enumerate(ints)})
        return cast(dict[str, tf.Tensor], signature(**inputs))

    def call_with_table(
        table: tf.Tensor, index: tf.Tensor, packed_floats: tf.Tensor, packed_ints: tf.Tensor
    ) -> dict[str, tf.Tensor]:
        return call(tf.gather(table, index), packed_floats, packed_ints)

    numbers = [
        tf.TensorSpec([None, len(floats)], tf.float32),
        tf.TensorSpec([None, len(ints)], tf.int64),
    ]
    if string_table:
        traced = tf.function(
            call_with_table,
            input_signature=[
                tf.TensorSpec([None], tf.string),
                tf.TensorSpec([None, len(strings)], tf.int32),
                *numbers,
            ],
        )
    else:
        traced = tf.function(
            call, input_signature=[tf.TensorSpec([None, len(strings)], tf.string), *numbers]
        )
    return traced.get_concrete_function()


def _row_place(name: str) -> Callable[[int], str]:
    """Names value i of field `name` in row-format input."""
    return lambda index: f"instances[{index}].{name}"


def _column_place(name: str) -> Callable[[int], str]:
    """Names value i of field `name` in columnar input."""
    return lambda index: f"inputs.{name}[{index}]"


class Predictor:
    """One loaded model version.

    Attributes:
        name: model name.
        version: version number.
        path: the version folder.
        metadata: the version's metadata.json.
        wide_inputs: names of the wide contributions `explain_*` return, in order (empty when
            the version has no explain signature).
    """

    def __init__(self, *, name: str, version: int, path: Path, metadata: dict[str, Any]) -> None:
        self.name = name
        self.version = version
        self.path = path
        self.metadata = metadata
        self._schema: dict[str, dict[str, Any]] = metadata["inputs"]
        try:
            self._loaded = tf.saved_model.load(str(path))
            signature = self._loaded.signatures[SIGNATURE_NAME]
        except (OSError, KeyError, ValueError, tf.errors.OpError) as error:
            raise ExportFormatError(f"{path}: cannot load the SavedModel ({error})") from error
        _, signature_inputs = signature.structured_input_signature
        if set(signature_inputs) != set(self._schema):
            raise ExportFormatError(f"{path}: signature inputs differ from metadata; retrain")
        self._strings = [n for n, e in self._schema.items() if e["dtype"] == "string"]
        self._floats = [n for n, e in self._schema.items() if e["dtype"] == "float"]
        self._ints = [n for n, e in self._schema.items() if e["dtype"] == "int"]
        self._signature = signature
        # (explain?, string table?) -> packed function, traced on first use.
        self._functions: dict[tuple[bool, bool], Callable[..., Any]] = {
            (False, False): _packed_function(signature, self._strings, self._floats, self._ints)
        }
        explain = metadata.get("explain")
        self._explain_signature = self._loaded.signatures.get(EXPLAIN_SIGNATURE)
        if self._explain_signature is None or not isinstance(explain, dict):
            self._explain_signature = None
            self.wide_inputs: list[str] = []
        else:
            self.wide_inputs = [str(name) for name in explain.get("wide_inputs", [])]

    def __repr__(self) -> str:
        return f"Predictor(name={self.name!r}, version={self.version})"

    def input_schema(self) -> dict[str, dict[str, Any]]:
        """Each raw input's dtype ("float", "int" or "string") and vocabulary (None if none).

        Returns:
            {"age": {"dtype": "float", "vocabulary": None, ...}, "workclass": {"dtype":
            "string", "vocabulary": ["Private", ...], ...}}
        """
        return {name: dict(entry) for name, entry in self._schema.items()}

    def _run(
        self,
        arrays: Mapping[str, np.ndarray],
        rows: int,
        explain: bool = False,
        keys: Sequence[str] = OUTPUT_KEYS,
    ) -> dict[str, np.ndarray]:
        """Pack the columns into a string, a float and an int matrix, run in batches.

        A column of one value (when rows > 1) is repeated for every row; when a string column
        is one, the strings go as a table of values converted once per batch.
        """
        floats = np.empty((rows, len(self._floats)), dtype=np.float32)
        for column, name in enumerate(self._floats):
            floats[:, column] = arrays[name]
        ints = np.empty((rows, len(self._ints)), dtype=np.int64)
        for column, name in enumerate(self._ints):
            ints[:, column] = arrays[name]
        if rows > 1 and any(len(arrays[name]) != rows for name in self._strings):
            return self._run_tabled(arrays, rows, self._function(explain, True), keys, floats, ints)
        function = self._function(explain, False)
        strings = np.empty((rows, len(self._strings)), dtype=object)
        for column, name in enumerate(self._strings):
            strings[:, column] = arrays[name]
        parts: dict[str, list[np.ndarray]] = {key: [] for key in keys}
        for start in range(0, rows, BATCH_SIZE):
            outputs = function(
                tf.constant(strings[start : start + BATCH_SIZE], dtype=tf.string),
                tf.constant(floats[start : start + BATCH_SIZE]),
                tf.constant(ints[start : start + BATCH_SIZE]),
            )
            for key in keys:
                parts[key].append(outputs[key].numpy())
        return {key: np.concatenate(chunks) for key, chunks in parts.items()}

    def _run_tabled(
        self,
        arrays: Mapping[str, np.ndarray],
        rows: int,
        function: Callable[..., Any],
        keys: Sequence[str],
        floats: np.ndarray,
        ints: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """`_run` for string columns of which some hold one value for every row."""
        parts: dict[str, list[np.ndarray]] = {key: [] for key in keys}
        for start in range(0, rows, BATCH_SIZE):
            stop = min(start + BATCH_SIZE, rows)
            table, index = self._string_table(arrays, rows, start, stop)
            outputs = function(
                tf.constant(table, dtype=tf.string),
                tf.constant(index),
                tf.constant(floats[start:stop]),
                tf.constant(ints[start:stop]),
            )
            for key in keys:
                parts[key].append(outputs[key].numpy())
        return {key: np.concatenate(chunks) for key, chunks in parts.items()}

    def _string_table(
        self, arrays: Mapping[str, np.ndarray], rows: int, start: int, stop: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows start:stop of the string columns as a table of values (a one-value column's
        value once) and an int32 [rows, columns] index into it."""
        count = stop - start
        sizes = [count if len(arrays[name]) == rows else 1 for name in self._strings]
        table = np.empty(sum(sizes), dtype=object)
        index = np.empty((count, len(self._strings)), dtype=np.int32)
        offset = 0
        for column, (name, size) in enumerate(zip(self._strings, sizes, strict=True)):
            values = arrays[name]
            if size == 1:
                table[offset] = values[0]
                index[:, column] = offset
            else:
                table[offset : offset + count] = values[start:stop]
                index[:, column] = np.arange(offset, offset + count, dtype=np.int32)
            offset += size
        return table, index

    def _function(self, explain: bool, tabled: bool) -> Callable[..., Any]:
        """The packed serving or explain function, plain or with a string table."""
        function = self._functions.get((explain, tabled))
        if function is None:
            signature = self._explainer() if explain else self._signature
            function = self._functions[(explain, tabled)] = _packed_function(
                signature, self._strings, self._floats, self._ints, string_table=tabled
            )
        return function

    def _explainer(self) -> Callable[..., Any]:
        """The explain signature, or ExplainUnavailableError."""
        if self._explain_signature is None:
            raise ExplainUnavailableError(
                f"{self.name} version {self.version} was exported without the "
                f"{EXPLAIN_SIGNATURE!r} signature; retrain it to explain predictions"
            )
        return cast(Callable[..., Any], self._explain_signature)

    def _validated_columns(
        self, inputs: Mapping[str, Sequence[object]]
    ) -> tuple[dict[str, np.ndarray], int]:
        """Check columnar input value by value; return typed arrays and the row count."""
        if not isinstance(inputs, Mapping):
            raise InputError(f"inputs: expected an object of columns, got {type(inputs).__name__}")
        rows: int | None = None
        first = ""
        arrays: dict[str, np.ndarray] = {}
        for name, entry in self._schema.items():
            if name not in inputs:
                raise InputError(f"inputs: missing field {name!r}")
            values = inputs[name]
            if isinstance(values, str | bytes) or not isinstance(values, Sequence):
                raise InputError(f"inputs.{name}: expected a list of values")
            if rows is None:
                rows, first = len(values), name
            elif len(values) != rows:
                raise InputError(
                    f"inputs.{name}: expected {rows} values like {first!r}, got {len(values)}"
                )
            arrays[name] = _column_array(list(values), entry["dtype"], _column_place(name))
        if not rows:
            raise InputError("inputs: expected at least one value per field")
        return arrays, rows

    def _typed_columns(self, arrays: Mapping[str, np.ndarray]) -> int:
        """Check typed columns for presence and equal length only (a column of one value stands
        for every row); return the row count."""
        lengths: dict[str, int] = {}
        for name in self._schema:
            if name not in arrays:
                raise InputError(f"arrays: missing field {name!r}")
            lengths[name] = len(arrays[name])
        rows = max(lengths.values(), default=0)
        for name, length in lengths.items():
            if length != rows and length != 1:
                raise InputError(f"arrays.{name}: expected {rows} values, got {length}")
        return rows

    def logits_arrays(self, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
        """Logits of already-typed columns, without per-value validation (in-process ranking).

        Args:
            arrays: one 1-D numpy array per raw input: object arrays of str for string inputs,
                float32 for float inputs, int64 for int inputs (other numeric dtypes are cast;
                wrong values are not reported by field). An array of one value stands for
                every row. Extra keys are ignored.

        Returns:
            The logits, float32 [rows] (empty for zero rows).

        Raises:
            InputError: a missing field or columns of different lengths (other than one).
        """
        rows = self._typed_columns(arrays)
        if not rows:
            return np.zeros(0, dtype=np.float32)
        return self._run(arrays, rows, keys=("logits",))["logits"].reshape(-1)

    def explain_arrays(self, arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """The logit's parts for already-typed columns (see `logits_arrays` for the input).

        Returns:
            {"logits", "wide_logit", "deep_logit", "wide_bias"}: float32 arrays [rows], and
            "contributions": {wide input name: float32 array [rows]} in `wide_inputs` order; the
            same structure as `explain_columns`, as numpy arrays.

        Raises:
            InputError: a missing field or columns of different lengths.
            ExplainUnavailableError: the version has no explain signature.
        """
        self._explainer()
        rows = self._typed_columns(arrays)
        if rows:
            outputs = self._run(arrays, rows, True, EXPLAIN_KEYS)
        else:
            outputs = {key: np.zeros(0, dtype=np.float32) for key in EXPLAIN_KEYS}
            outputs["wide_contributions"] = np.zeros((0, len(self.wide_inputs)), np.float32)
        return self._explanation(outputs, lambda values: values)

    def explain_columns(self, inputs: Mapping[str, Sequence[object]]) -> dict[str, Any]:
        """Explain predictions on columnar input (validated as in `predict_columns`).

        Returns:
            {"logits": [l, ...], "wide_logit": [...], "deep_logit": [...], "wide_bias": [...],
            "contributions": {wide input name: [...]}} as plain Python floats, one value per row;
            the wide logit is the bias plus the row's contributions, the logit the sum of the
            wide and deep logits (0 for a part the model does not have). A bag's contribution is
            the sum over its values; unbucketized numerics share one entry, "wide_numerics".

        Raises:
            InputError: as `predict_columns`.
            ExplainUnavailableError: the version has no explain signature.
        """
        self._explainer()
        arrays, rows = self._validated_columns(inputs)
        outputs = self._run(arrays, rows, True, EXPLAIN_KEYS)
        return self._explanation(outputs, lambda values: values.astype(float).tolist())

    def _explanation(
        self, outputs: Mapping[str, np.ndarray], convert: Callable[[np.ndarray], Any]
    ) -> dict[str, Any]:
        """The explain outputs as {"logits", ..., "contributions": {name: ...}}, converted."""
        contributions = outputs["wide_contributions"]
        if contributions.shape[1] != len(self.wide_inputs):
            raise ExportFormatError(
                f"{self.path}: {contributions.shape[1]} wide contributions but "
                f"{len(self.wide_inputs)} names in metadata; retrain"
            )
        return {
            "logits": convert(outputs["logits"].reshape(-1)),
            "wide_logit": convert(outputs["wide_logit"]),
            "deep_logit": convert(outputs["deep_logit"]),
            "wide_bias": convert(outputs["wide_bias"]),
            "contributions": {
                name: convert(contributions[:, index])
                for index, name in enumerate(self.wide_inputs)
            },
        }

    def extra_file(self, name: str) -> bytes:
        """The content of `<version>/assets.extra/<name>`, as written by `export_version`.

        Raises:
            FileNotFoundError: the version has no such extra file.
        """
        if name not in self.metadata.get("extra_files", []):
            raise FileNotFoundError(
                f"{self.name} version {self.version} has no extra file {name!r}"
            )
        return (self.path / EXTRA_FILES_DIR / name).read_bytes()

    def predict_columns(self, inputs: Mapping[str, Sequence[object]]) -> dict[str, list[Any]]:
        """Predict on columnar input: one equally long list per raw feature.

        Args:
            inputs: {"age": [25, 42], "workclass": ["Private", "Self-emp-inc"], ...}; numbers
                (ints fine) for float features, integers for int features, strings for string
                features; extra keys are ignored; unknown categories fall into the
                out-of-vocabulary bucket.

        Returns:
            {"probabilities": [[p0, p1], ...], "logits": [[l], ...], "classes": [0|1, ...],
            "logistic": [[p1], ...]} as plain Python floats and ints.

        Raises:
            InputError: empty or ragged input, a missing field, or a value of the wrong type.
        """
        arrays, rows = self._validated_columns(inputs)
        return self._to_lists(self._run(arrays, rows))

    def predict(self, instances: Sequence[Mapping[str, object]]) -> list[dict[str, Any]]:
        """Predict on row-format instances (TensorFlow Serving's "instances").

        Args:
            instances: [{"age": 25, "workclass": " Private", ...}, ...]; see `predict_columns`
                for the accepted values.

        Returns:
            One {"probabilities": [p0, p1], "logits": [l], "classes": 0|1, "logistic": [p1]}
            per instance, as plain Python floats and ints.

        Raises:
            InputError: no instances, a non-object instance, a missing field or a bad value.
        """
        if isinstance(instances, str | bytes | Mapping) or not isinstance(instances, Sequence):
            raise InputError("instances: expected a list of objects")
        if not instances:
            raise InputError("instances: expected at least one instance")
        if not all(type(instance) is dict for instance in instances):
            for index, instance in enumerate(instances):
                if not isinstance(instance, Mapping):
                    raise InputError(
                        f"instances[{index}]: expected an object, got {_describe(instance)}"
                    )
        arrays: dict[str, np.ndarray] = {}
        for name, entry in self._schema.items():
            try:
                values = [instance[name] for instance in instances]
            except KeyError:
                index = next(i for i, instance in enumerate(instances) if name not in instance)
                raise InputError(f"instances[{index}]: missing field {name!r}") from None
            arrays[name] = _column_array(values, entry["dtype"], _row_place(name))
        outputs = self._to_lists(self._run(arrays, len(instances)))
        return [{key: outputs[key][row] for key in OUTPUT_KEYS} for row in range(len(instances))]

    @staticmethod
    def _to_lists(outputs: Mapping[str, np.ndarray]) -> dict[str, list[Any]]:
        """numpy outputs as plain Python lists (floats as float, classes as int)."""
        return {
            "probabilities": outputs["probabilities"].astype(float).tolist(),
            "logits": outputs["logits"].astype(float).tolist(),
            "classes": [int(c) for c in outputs["classes"].tolist()],
            "logistic": outputs["logistic"].astype(float).tolist(),
        }


def load_predictor(models_dir: Path, name: str, version: int | None = None) -> Predictor:
    """Load a complete version of a model (the latest when `version` is None).

    Args:
        models_dir: root of the model store.
        name: model name.
        version: version number, or None for the latest.

    Returns:
        A ready Predictor.

    Raises:
        ModelNotFoundError: no such model or version.
        ExportFormatError: the version was written in another format (retrain it).
    """
    versions = list_versions(models_dir, name)
    if not versions:
        raise ModelNotFoundError(f"model {name!r} has no versions in {models_dir}")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise ModelNotFoundError(f"model {name!r} has no version {chosen}; available: {versions}")
    path = model_dir(models_dir, name) / str(chosen)
    metadata = read_metadata(path)
    if not isinstance(metadata.get("inputs"), dict):
        raise ExportFormatError(f"{path}: metadata has no input schema; retrain")
    return Predictor(name=name, version=chosen, path=path, metadata=metadata)
