"""Load an exported version and predict on raw instances, validated, in batches.

Prediction calls the SavedModel's `serving_default` concrete function (fixed [batch] signature,
so no retracing) with numpy arrays built from the instances; explanations call its `explain`
signature the same way. `logits_arrays` and `explain_arrays` take already-typed numpy columns
without per-value checks, for in-process ranking; a column of one value there stands for every
row (a ranked person's or query's features), and its string is converted to a tensor once.

Ranking the same items again and again (a catalogue's dishes), `encode_items` runs the items'
string and id preprocessing once (the "encode" signature), and `logits_items` / `explain_items`
then run per request only the shared inputs' encoding (one row) and the numeric part of the graph
("score_encoded" / "explain_encoded") on the gathered ids. Versions exported without these
signatures rank the same way through the raw signatures (`EncodedItems.encoded` is False).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import tensorflow as tf

from recommender.export import (
    ENCODED_KEY,
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
    "EncodedItems",
    "ExplainUnavailableError",
    "ExportFormatError",
    "InputError",
    "ModelNotFoundError",
    "Predictor",
    "list_versions",
    "load_predictor",
]

BATCH_SIZE = 8192
PADDED_ROWS = 256
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


def _padded_size(rows: int) -> int:
    """The batch size a compiled scorer runs `rows` rows at: the next multiple of
    PADDED_ROWS. Each size compiles once (seconds), and below a few hundred rows the call's
    fixed cost dominates, so one size serves every ranking of up to PADDED_ROWS candidates."""
    return max(1, -(-rows // PADDED_ROWS)) * PADDED_ROWS


@dataclass(frozen=True)
class EncodedItems:
    """Items' raw inputs with their preprocessing done once, for `Predictor.logits_items`.

    Attributes:
        owner: the Predictor that encoded them (another one refuses them).
        count: how many items (rows of every column).
        raw: the raw columns as given (what the raw path gathers).
        encoded: True when the ids come from the version's "encode" signature; False for a
            version exported without it, which then ranks through the raw signatures.
        ids: the non-numeric columns' encodings, [count] or [count, n] int64 tensors.
        table: the same ids side by side in one [count, columns] int64 tensor (the columns of
            `ids` in the model's input order), which a ranking call passes as one argument and
            gathers in one op; None when not encoded.
    """

    owner: Predictor
    count: int
    raw: Mapping[str, np.ndarray]
    encoded: bool
    ids: Mapping[str, tf.Tensor]
    table: tf.Tensor | None = None


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
        self._encoded_schema, self._encoded_signatures = self._encoded_path(metadata)
        self._compiled = bool(self._encoded_schema and metadata[ENCODED_KEY].get("jit_compile"))
        self._encoded_floats = [
            name
            for name, entry in (self._encoded_schema or {}).items()
            if entry["dtype"] == "float"
        ]
        # (item input names, explain?) -> the per-request function over encoded items.
        self._items_functions: dict[tuple[tuple[str, ...], bool], Callable[..., Any]] = {}

    def _encoded_path(
        self, metadata: Mapping[str, Any]
    ) -> tuple[dict[str, dict[str, Any]] | None, dict[str, Any]]:
        """The encodings' schema and the encode/score/explain signatures, or (None, {}) for a
        version exported without them."""
        entry = metadata.get(ENCODED_KEY)
        if not isinstance(entry, dict) or not isinstance(entry.get("inputs"), dict):
            return None, {}
        signatures = {
            key: self._loaded.signatures.get(entry.get(key, ""))
            for key in ("encode", "score", "explain")
        }
        if any(signature is None for signature in signatures.values()):
            return None, {}
        if not set(entry["inputs"]) <= set(self._schema):
            raise ExportFormatError(f"{self.path}: encoded inputs differ from metadata; retrain")
        return dict(entry["inputs"]), signatures

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

    @property
    def encodes_items(self) -> bool:
        """True when the version has the encoded signatures (`encode_items` then saves work)."""
        return self._encoded_schema is not None

    def encode_items(self, columns: Mapping[str, np.ndarray]) -> EncodedItems:
        """Run the preprocessing of the items' inputs once, for `logits_items`/`explain_items`.

        Args:
            columns: one typed 1-D array per raw input that belongs to the items (as for
                `logits_arrays`: object arrays of str, float32 or int64), all as long as there
                are items; keys that are no input of the model are ignored.

        Returns:
            The encoded items (for a version without the encoded signatures, the raw columns,
            which `logits_items` then gathers for the raw path).

        Raises:
            InputError: columns of different lengths.
        """
        raw = {name: np.asarray(values) for name, values in columns.items() if name in self._schema}
        lengths = {name: len(values) for name, values in raw.items()}
        count = max(lengths.values(), default=0)
        for name, length in lengths.items():
            if length != count:
                raise InputError(f"columns.{name}: expected {count} values, got {length}")
        if self._encoded_schema is None:
            return EncodedItems(owner=self, count=count, raw=raw, encoded=False, ids={})
        schema = self._encoded_schema
        names = [name for name in raw if schema.get(name, {}).get("dtype") == "int"]
        ids = self._encode(raw, names, count)
        ordered = [ids[name] for name in self._schema if name in ids]
        table = (
            tf.concat([tf.reshape(values, [count, -1]) for values in ordered], axis=1)
            if ordered
            else tf.zeros([count, 0], tf.int64)
        )
        return EncodedItems(owner=self, count=count, raw=raw, encoded=True, ids=ids, table=table)

    def _encode(
        self, raw: Mapping[str, np.ndarray], names: Sequence[str], count: int
    ) -> dict[str, tf.Tensor]:
        """The "encode" signature's ids of columns `names`, in batches (other inputs blank)."""
        assert self._encoded_schema is not None
        encode = self._encoded_signatures["encode"]
        inputs = [name for name, entry in self._encoded_schema.items() if entry["dtype"] == "int"]
        parts: dict[str, list[tf.Tensor]] = {name: [] for name in names}
        for start in range(0, count, BATCH_SIZE):
            size = min(BATCH_SIZE, count - start)
            feed = {}
            for name in inputs:
                string = self._schema[name]["dtype"] == "string"
                values = (
                    raw[name][start : start + size]
                    if name in raw
                    else np.full(size, "" if string else 0, dtype=object if string else np.int64)
                )
                feed[name] = tf.constant(values, dtype=tf.string if string else tf.int64)
            outputs = encode(**feed)
            for name in names:
                parts[name].append(outputs[name])
        return {
            name: tf.concat(chunks, axis=0)
            if chunks
            else tf.zeros([0, *self._encoded_schema[name]["shape"][1:]], tf.int64)
            for name, chunks in parts.items()
        }

    def logits_items(
        self, items: EncodedItems, positions: np.ndarray, arrays: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        """Logits of the items at `positions`, with the other inputs from `arrays`.

        The same logits as `logits_arrays` on the items' raw columns gathered at `positions`
        plus `arrays`, with only the numeric part of the graph run per row.

        Args:
            items: from this predictor's `encode_items`.
            positions: the rows of the items to score, int [rows].
            arrays: every raw input the items do not hold, typed as for `logits_arrays`: one
                value (standing for every row) or one per row; a non-numeric input with one
                value per row takes the raw path.

        Returns:
            The logits, float32 [rows].

        Raises:
            InputError: items of another predictor, a position out of range, a missing field or
                columns of the wrong length.
        """
        outputs = self._run_items(items, positions, arrays, explain=False)
        return outputs["logits"].reshape(-1)

    def explain_items(
        self, items: EncodedItems, positions: np.ndarray, arrays: Mapping[str, np.ndarray]
    ) -> dict[str, Any]:
        """The logit's parts of the items at `positions` (see `logits_items` for the input).

        Returns:
            The structure `explain_arrays` returns, with the same values.

        Raises:
            InputError: as `logits_items`.
            ExplainUnavailableError: the version has no explain signature.
        """
        self._explainer()
        outputs = self._run_items(items, positions, arrays, explain=True)
        return self._explanation(outputs, lambda values: values)

    def _run_items(
        self,
        items: EncodedItems,
        positions: np.ndarray,
        arrays: Mapping[str, np.ndarray],
        *,
        explain: bool,
    ) -> dict[str, np.ndarray]:
        """Check the input, then run the encoded path (or the raw one when it cannot)."""
        if items.owner is not self:
            raise InputError(f"items: encoded by {items.owner!r}, not by {self!r}")
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        rows = len(positions)
        if rows and (positions.min() < 0 or positions.max() >= items.count):
            raise InputError(f"positions: expected values in [0, {items.count})")
        others = [name for name in self._schema if name not in items.raw]
        for name in others:
            if name not in arrays:
                raise InputError(f"arrays: missing field {name!r}")
            if rows and len(arrays[name]) not in (1, rows):
                raise InputError(f"arrays.{name}: expected {rows} values, got {len(arrays[name])}")
        keys = EXPLAIN_KEYS if explain else ("logits",)
        if not rows:
            outputs = {key: np.zeros(0, dtype=np.float32) for key in keys}
            if explain:
                outputs["wide_contributions"] = np.zeros((0, len(self.wide_inputs)), np.float32)
            return outputs
        encoded = self._encoded_schema or {}
        shared = [name for name in others if encoded.get(name, {}).get("dtype") == "int"]
        if not items.encoded or any(len(arrays[name]) != 1 for name in shared):
            inputs = {name: values[positions] for name, values in items.raw.items()}
            inputs.update({name: arrays[name] for name in others})
            return self._run(inputs, rows, explain, keys)
        names = tuple(name for name in self._schema if name in items.ids)
        function = self._items_function(names, explain)
        table = items.table
        strings = [arrays[name][0] for name in shared if self._schema[name]["dtype"] == "string"]
        ints = [arrays[name][0] for name in shared if self._schema[name]["dtype"] == "int"]
        shared_strings = tf.constant(np.asarray(strings, dtype=object), dtype=tf.string)
        shared_ints = tf.constant(np.asarray(ints, dtype=np.int64).reshape(-1))
        parts: dict[str, list[np.ndarray]] = {key: [] for key in keys}
        for start in range(0, rows, BATCH_SIZE):
            chunk = positions[start : start + BATCH_SIZE]
            count = len(chunk)
            if self._compiled:
                # A compiled scorer compiles once per batch size: pad to a multiple of
                # PADDED_ROWS (the padding rows score item 0 and are dropped).
                chunk = np.concatenate([chunk, np.zeros(_padded_size(count) - count, np.int64)])
            floats = np.zeros((len(chunk), len(self._encoded_floats)), dtype=np.float32)
            for column, name in enumerate(self._encoded_floats):
                if name in items.raw:
                    floats[:count, column] = items.raw[name][chunk[:count]]
                else:
                    values = arrays[name]
                    floats[:count, column] = (
                        values if len(values) == 1 else values[start : start + count]
                    )
            outputs = function(
                table, tf.constant(chunk), shared_strings, shared_ints, tf.constant(floats)
            )
            for key in keys:
                parts[key].append(outputs[key].numpy()[:count])
        return {key: np.concatenate(chunks) for key, chunks in parts.items()}

    def _items_function(self, names: tuple[str, ...], explain: bool) -> Callable[..., Any]:
        """The traced per-request function for items holding the encodings of `names`: encode
        the shared inputs once (one row), gather the items' ids, score (or explain)."""
        function = self._items_functions.get((names, explain))
        if function is None:
            function = self._items_functions[(names, explain)] = self._trace_items(names, explain)
        return function

    def _trace_items(self, names: tuple[str, ...], explain: bool) -> Callable[..., Any]:
        """See `_items_function`."""
        schema = self._encoded_schema
        assert schema is not None
        encode = self._encoded_signatures["encode"]
        score = self._encoded_signatures["explain" if explain else "score"]
        encode_inputs = [name for name, entry in schema.items() if entry["dtype"] == "int"]
        strings = [name for name in self._strings if name in schema and name not in names]
        ints = [name for name in self._ints if name in schema and name not in names]
        floats = list(self._encoded_floats)
        # Where each item input's ids sit in the items' table (EncodedItems.table).
        widths = [int(np.prod(schema[name]["shape"][1:], dtype=np.int64)) for name in names]
        starts = np.cumsum([0, *widths]).tolist()

        def call(
            table: tf.Tensor,
            positions: tf.Tensor,
            shared_strings: tf.Tensor,
            shared_ints: tf.Tensor,
            numbers: tf.Tensor,
        ) -> dict[str, tf.Tensor]:
            rows = tf.shape(positions)[0]
            encoded: dict[str, tf.Tensor] = {}
            if strings or ints:
                one: dict[str, tf.Tensor] = {}
                for name in encode_inputs:
                    if name in strings:
                        index = strings.index(name)
                        one[name] = shared_strings[index : index + 1]
                    elif name in ints:
                        index = ints.index(name)
                        one[name] = shared_ints[index : index + 1]
                    elif self._schema[name]["dtype"] == "string":
                        one[name] = tf.constant([""])
                    else:
                        one[name] = tf.zeros([1], tf.int64)
                found = encode(**one)
                for name in (*strings, *ints):
                    encoded[name] = tf.repeat(found[name], rows, axis=0)
            rows_ids = tf.gather(table, positions)
            for index, name in enumerate(names):
                columns = rows_ids[:, starts[index] : starts[index + 1]]
                shape = schema[name]["shape"][1:]
                encoded[name] = tf.reshape(columns, [-1, *shape]) if shape else columns[:, 0]
            for column, name in enumerate(floats):
                encoded[name] = numbers[:, column]
            return cast(dict[str, tf.Tensor], score(**encoded))

        signature = [
            tf.TensorSpec([None, starts[-1]], tf.int64),
            tf.TensorSpec([None], tf.int64),
            tf.TensorSpec([len(strings)], tf.string),
            tf.TensorSpec([len(ints)], tf.int64),
            tf.TensorSpec([None, len(floats)], tf.float32),
        ]
        return tf.function(call, input_signature=signature).get_concrete_function()

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
