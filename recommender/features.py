"""One declaration of the features: raw inputs, their kinds, statistics adapted on training data.

A `FeatureSpec` names every raw input once. `adapt_features` computes what the preprocessing layers
need (vocabularies, quantile boundaries, means and variances) from the training split only, and the
model builder turns the adapted spec into Keras preprocessing layers, so the exported model takes
raw values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

FeatureKind = Literal[
    "numeric", "categorical", "integer_categorical", "hashed", "multi_categorical", "text", "cross"
]
Columns = Mapping[str, np.ndarray]

MISSING_STRING = ""
# Stands in for a vocabulary that training data left empty (lookup layers refuse an empty one):
# every value then falls into the out-of-vocabulary bucket, as an unseen value would.
EMPTY_VOCABULARY: tuple[Any, ...] = ("[none]",)
EMPTY_INTEGER_VOCABULARY: tuple[int, ...] = (-(2**62),)
INTEGER_OOV_TOKEN = -1


@dataclass(frozen=True)
class NumericFeature:
    """A continuous input: normalised for the deep part, optionally bucketized by quantiles.

    `buckets` > 0 adds quantile buckets (ids usable on the wide side, in crosses, and as a deep
    embedding when `bucket_embedding_dim` > 0). `log1p` applies log(1 + max(x, 0)) first.
    `nonzero_quantiles` takes the bucket boundaries from the non-zero values (for mostly-zero
    columns such as capital gain), with zero kept in a bucket of its own. `missing` is the raw
    value that means "unknown" (e.g. -1 for a distance without coordinates): those values are
    left out of the mean and variance and enter the model as 0, the mean after normalising; a
    feature whose known training values do not vary (none known, say) enters as 0 for every
    row, known or not, since training taught its weights nothing. Not with `buckets`.
    """

    name: str
    normalize: bool = True
    log1p: bool = False
    buckets: int = 0
    nonzero_quantiles: bool = False
    bucket_embedding_dim: int = 0
    wide: bool = True
    missing: float | None = None
    kind: FeatureKind = field(default="numeric", init=False)

    def __post_init__(self) -> None:
        if self.missing is not None and self.buckets:
            raise FeatureSpecError(f"numeric {self.name!r}: missing and buckets do not mix")


@dataclass(frozen=True)
class CategoricalFeature:
    """A string input with a vocabulary adapted on training data and out-of-vocabulary buckets."""

    name: str
    embedding_dim: int = 8
    num_oov: int = 1
    min_count: int = 1
    max_tokens: int | None = None
    vocabulary: tuple[str, ...] | None = None
    wide: bool = True
    deep: bool = True
    kind: FeatureKind = field(default="categorical", init=False)


@dataclass(frozen=True)
class IntegerCategoricalFeature:
    """An integer id input (e.g. a dish id) with a vocabulary adapted on training data."""

    name: str
    embedding_dim: int = 8
    num_oov: int = 1
    min_count: int = 1
    max_tokens: int | None = None
    vocabulary: tuple[int, ...] | None = None
    wide: bool = True
    deep: bool = True
    kind: FeatureKind = field(default="integer_categorical", init=False)


@dataclass(frozen=True)
class HashedFeature:
    """A string input with too many values for a vocabulary, hashed into `num_bins` ids."""

    name: str
    num_bins: int = 1000
    embedding_dim: int = 8
    wide: bool = True
    deep: bool = True
    kind: FeatureKind = field(default="hashed", init=False)


@dataclass(frozen=True)
class MultiCategoricalFeature:
    """A bag of categories given as one `separator`-joined string (e.g. "egg|flour|milk")."""

    name: str
    separator: str = "|"
    max_values: int = 16
    embedding_dim: int = 8
    num_oov: int = 1
    min_count: int = 1
    max_tokens: int | None = None
    wide: bool = True
    deep: bool = True
    kind: FeatureKind = field(default="multi_categorical", init=False)


@dataclass(frozen=True)
class TextFeature:
    """Free text (e.g. a search query): lower-cased, punctuation stripped, split on whitespace."""

    name: str
    max_tokens: int = 5000
    sequence_length: int = 16
    embedding_dim: int = 8
    wide: bool = True
    deep: bool = True
    kind: FeatureKind = field(default="text", init=False)


@dataclass(frozen=True)
class CrossFeature:
    """A hashed cross of two or more categorical, hashed or bucketized numeric features."""

    name: str
    inputs: tuple[str, ...]
    num_bins: int = 10_000
    embedding_dim: int = 0
    kind: FeatureKind = field(default="cross", init=False)


Feature = (
    NumericFeature
    | CategoricalFeature
    | IntegerCategoricalFeature
    | HashedFeature
    | MultiCategoricalFeature
    | TextFeature
    | CrossFeature
)
RawFeature = (
    NumericFeature
    | CategoricalFeature
    | IntegerCategoricalFeature
    | HashedFeature
    | MultiCategoricalFeature
    | TextFeature
)

_FEATURE_CLASSES: dict[str, type[Any]] = {
    "numeric": NumericFeature,
    "categorical": CategoricalFeature,
    "integer_categorical": IntegerCategoricalFeature,
    "hashed": HashedFeature,
    "multi_categorical": MultiCategoricalFeature,
    "text": TextFeature,
    "cross": CrossFeature,
}


def input_dtype(feature: RawFeature) -> str:
    """The raw input's dtype: "float" (numerics), "int" (integer ids) or "string"."""
    if isinstance(feature, NumericFeature):
        return "float"
    if isinstance(feature, IntegerCategoricalFeature):
        return "int"
    return "string"


class FeatureSpecError(ValueError):
    """The feature declaration is inconsistent (unknown cross input, duplicate name...)."""


@dataclass(frozen=True)
class FeatureSpec:
    """All features of one model, declared once.

    Args:
        features: raw features and crosses, in the order the model's inputs are listed.
        label: name of the binary label column (0/1) in training data.
        weight: optional name of a per-example sample-weight column (not a feature).
    """

    features: tuple[Feature, ...]
    label: str
    weight: str | None = None

    def __post_init__(self) -> None:
        names = [feature.name for feature in self.features]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise FeatureSpecError(f"duplicate feature names: {duplicates}")
        by_name = {feature.name: feature for feature in self.features}
        for feature in self.features:
            if isinstance(feature, CrossFeature):
                self._check_cross(feature, by_name)

    @staticmethod
    def _check_cross(cross: CrossFeature, by_name: Mapping[str, Feature]) -> None:
        """Raise FeatureSpecError unless every cross input yields one id per example."""
        if len(cross.inputs) < 2:
            raise FeatureSpecError(f"cross {cross.name!r} needs at least two inputs")
        for name in cross.inputs:
            source = by_name.get(name)
            if source is None:
                raise FeatureSpecError(f"cross {cross.name!r}: unknown input {name!r}")
            crossable = isinstance(
                source, CategoricalFeature | IntegerCategoricalFeature | HashedFeature
            ) or (isinstance(source, NumericFeature) and source.buckets > 0)
            if not crossable:
                raise FeatureSpecError(
                    f"cross {cross.name!r}: input {name!r} must be categorical, integer, hashed "
                    "or a bucketized numeric feature"
                )

    @property
    def raw_features(self) -> tuple[RawFeature, ...]:
        """The features that are model inputs (everything but crosses)."""
        return tuple(f for f in self.features if not isinstance(f, CrossFeature))

    @property
    def crosses(self) -> tuple[CrossFeature, ...]:
        """The crossed features."""
        return tuple(f for f in self.features if isinstance(f, CrossFeature))

    def input_dtypes(self) -> dict[str, str]:
        """Map each raw input name to "float", "int" or "string"."""
        return {f.name: input_dtype(f) for f in self.raw_features}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the spec."""
        return {
            "label": self.label,
            "weight": self.weight,
            "features": [_feature_to_dict(f) for f in self.features],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        """Rebuild a spec from `to_dict` output."""
        features = tuple(_feature_from_dict(item) for item in data["features"])
        return cls(features=features, label=data["label"], weight=data.get("weight"))


def _feature_to_dict(feature: Feature) -> dict[str, Any]:
    """A feature as a JSON-ready dict (tuples become lists)."""
    data = asdict(feature)
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


def _feature_from_dict(data: Mapping[str, Any]) -> Feature:
    """Rebuild one feature from `_feature_to_dict` output."""
    values = dict(data)
    kind = values.pop("kind")
    cls = _FEATURE_CLASSES.get(kind)
    if cls is None:
        raise FeatureSpecError(f"unknown feature kind {kind!r}")
    for key in ("inputs", "vocabulary"):
        if isinstance(values.get(key), list):
            values[key] = tuple(values[key])
    feature: Feature = cls(**values)
    return feature


@dataclass(frozen=True)
class FeatureStats:
    """What the preprocessing layers of one feature were adapted to."""

    vocabulary: tuple[Any, ...] | None = None
    boundaries: tuple[float, ...] | None = None
    mean: float | None = None
    variance: float | None = None


@dataclass(frozen=True)
class AdaptedSpec:
    """A feature spec plus the statistics adapted on the training split."""

    spec: FeatureSpec
    stats: Mapping[str, FeatureStats]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description: the spec and each feature's statistics."""
        return {
            "spec": self.spec.to_dict(),
            "stats": {
                name: {
                    key: list(value) if isinstance(value, tuple) else value
                    for key, value in asdict(stat).items()
                }
                for name, stat in self.stats.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AdaptedSpec:
        """Rebuild from `to_dict` output."""
        stats = {}
        for name, raw in data["stats"].items():
            vocabulary = raw.get("vocabulary")
            boundaries = raw.get("boundaries")
            stats[name] = FeatureStats(
                vocabulary=tuple(vocabulary) if vocabulary is not None else None,
                boundaries=tuple(boundaries) if boundaries is not None else None,
                mean=raw.get("mean"),
                variance=raw.get("variance"),
            )
        return cls(spec=FeatureSpec.from_dict(data["spec"]), stats=stats)

    def input_schema(self) -> dict[str, dict[str, Any]]:
        """Each raw input's dtype and, for categorical inputs, its vocabulary."""
        schema: dict[str, dict[str, Any]] = {}
        for feature in self.spec.raw_features:
            vocabulary = None
            if isinstance(
                feature, CategoricalFeature | IntegerCategoricalFeature | MultiCategoricalFeature
            ):
                vocabulary = list(self.stats[feature.name].vocabulary or ())
            schema[feature.name] = {
                "dtype": input_dtype(feature),
                "kind": feature.kind,
                "vocabulary": vocabulary,
            }
        return schema


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' NA."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, float) and math.isnan(value)


def strip_strings(values: Iterable[object]) -> list[str]:
    """Strip surrounding whitespace; missing values (None/NaN/NA) become the empty string."""
    return [MISSING_STRING if is_missing(value) else str(value).strip() for value in values]


def _vocabulary(
    tokens: Iterable[Any],
    *,
    min_count: int,
    max_tokens: int | None,
    empty: tuple[Any, ...] = EMPTY_VOCABULARY,
) -> tuple[Any, ...]:
    """Tokens by descending frequency (ties alphabetical), at least `min_count` times; `empty`
    when none qualifies."""
    counts = Counter(tokens)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = [token for token, count in ordered if count >= min_count]
    if max_tokens is not None:
        kept = kept[:max_tokens]
    return tuple(kept) or empty


def known_values(values: np.ndarray, feature: NumericFeature) -> np.ndarray:
    """The values other than the feature's `missing` marker (all of them without one)."""
    array = np.asarray(values, dtype=np.float64)
    return array if feature.missing is None else array[array != feature.missing]


def numeric_transform(values: np.ndarray, feature: NumericFeature) -> np.ndarray:
    """The transform applied before normalising/bucketizing (mirrors the model's layer)."""
    array = np.asarray(values, dtype=np.float64)
    if feature.log1p:
        array = np.log1p(np.maximum(array, 0.0))
    return array


def _quantile_boundaries(values: np.ndarray, feature: NumericFeature) -> tuple[float, ...]:
    """Distinct quantile boundaries for `feature.buckets` buckets."""
    source = values
    extra: list[float] = []
    if feature.nonzero_quantiles:
        source = values[values != 0]
        extra = [float(np.nextafter(np.float32(0), np.float32(1)))]
    if source.size == 0:
        return tuple(extra)
    quantiles = np.linspace(0, 1, feature.buckets + 1)[1:-1]
    boundaries = np.unique(np.quantile(source, quantiles).astype(np.float32))
    return tuple(sorted({*extra, *(float(b) for b in boundaries)}))


def _text_vocabulary(values: Sequence[str], feature: TextFeature) -> tuple[str, ...]:
    """Adapt a TextVectorization layer on the strings and return its vocabulary (no pad/OOV)."""
    import keras
    import tensorflow as tf

    layer = keras.layers.TextVectorization(max_tokens=feature.max_tokens, output_mode="int")
    layer.adapt(tf.constant(list(values), dtype=tf.string))
    return tuple(str(token) for token in layer.get_vocabulary()[2:]) or EMPTY_VOCABULARY


def adapt_features(spec: FeatureSpec, columns: Columns) -> AdaptedSpec:
    """Compute every feature's preprocessing statistics from training columns.

    Args:
        spec: the feature declaration.
        columns: training split only, one array per raw input name.

    Returns:
        The spec with vocabularies, quantile boundaries, means and variances.
    """
    stats: dict[str, FeatureStats] = {}
    for feature in spec.raw_features:
        if feature.name not in columns:
            raise FeatureSpecError(f"training data has no column {feature.name!r}")
        raw = columns[feature.name]
        if isinstance(feature, NumericFeature):
            values = numeric_transform(known_values(raw, feature), feature)
            if not values.size:
                values = np.zeros(1)
            boundaries = _quantile_boundaries(values, feature) if feature.buckets else None
            stats[feature.name] = FeatureStats(
                boundaries=boundaries,
                mean=float(values.mean()),
                variance=float(values.var()),
            )
        elif isinstance(feature, CategoricalFeature):
            vocabulary = feature.vocabulary or _vocabulary(
                strip_strings(raw), min_count=feature.min_count, max_tokens=feature.max_tokens
            )
            stats[feature.name] = FeatureStats(vocabulary=vocabulary)
        elif isinstance(feature, IntegerCategoricalFeature):
            # IntegerLookup reserves -1 as its out-of-vocabulary token: -1 stays out of the
            # vocabulary (it maps to the OOV bucket), so "no value" (-1) is one bucket.
            vocabulary = feature.vocabulary or _vocabulary(
                (int(v) for v in np.asarray(raw, dtype=np.int64) if v != INTEGER_OOV_TOKEN),
                min_count=feature.min_count,
                max_tokens=feature.max_tokens,
                empty=EMPTY_INTEGER_VOCABULARY,
            )
            stats[feature.name] = FeatureStats(vocabulary=vocabulary)
        elif isinstance(feature, MultiCategoricalFeature):
            tokens = (
                token.strip()
                for value in strip_strings(raw)
                for token in value.split(feature.separator)
                if token.strip()
            )
            vocabulary = _vocabulary(
                tokens, min_count=feature.min_count, max_tokens=feature.max_tokens
            )
            stats[feature.name] = FeatureStats(vocabulary=vocabulary)
        elif isinstance(feature, TextFeature):
            stats[feature.name] = FeatureStats(
                vocabulary=_text_vocabulary(strip_strings(raw), feature)
            )
        else:
            stats[feature.name] = FeatureStats()
    return AdaptedSpec(spec=spec, stats=stats)


def columns_to_arrays(spec: FeatureSpec, columns: Columns) -> dict[str, np.ndarray]:
    """Raw columns as model-ready arrays: float32 numerics, int64 ids, object str for strings."""
    arrays: dict[str, np.ndarray] = {}
    for feature in spec.raw_features:
        values = columns[feature.name]
        if isinstance(feature, NumericFeature):
            arrays[feature.name] = np.asarray(values, dtype=np.float32)
        elif isinstance(feature, IntegerCategoricalFeature):
            arrays[feature.name] = np.asarray(values, dtype=np.int64)
        else:
            arrays[feature.name] = np.asarray(
                [MISSING_STRING if is_missing(v) else str(v) for v in values], dtype=object
            )
    return arrays
