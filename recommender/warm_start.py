"""Warm start: a new version begins from an earlier version's weights when the two are compatible.

Compatible, precisely:
1. the earlier version's metadata carries the same spec fingerprint: a SHA-256 of the feature
   declaration (every feature's name, kind and options: vocabulary and OOV settings, hash bin
   counts, bucket counts, embedding sizes, crosses) and the architecture (model type, tower,
   dropout);
2. its adapted statistics are reused as they are (vocabularies, bucket boundaries, normalisation),
   so every variable of the new model has the shape and the meaning it had; values that appeared
   since then go to the OOV buckets. That is only acceptable while few did: when, for any
   vocabulary feature, more than `max_new_share` of the vocabulary a fresh adaptation of the new
   training data would give is missing from the earlier one, the start is cold;
3. every variable of the rebuilt model finds a variable of the same name and shape in the
   earlier version's SavedModel.
Otherwise the model starts cold and `WarmStartRefused` says why (the caller records it).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recommender.features import (
    AdaptedSpec,
    CategoricalFeature,
    FeatureSpec,
    IntegerCategoricalFeature,
    MultiCategoricalFeature,
    TextFeature,
)
from recommender.model import ModelConfig

FINGERPRINT_KEY = "spec_fingerprint"
MAX_NEW_VOCABULARY_SHARE = 0.1
NO_FINGERPRINT = "the earlier version has no spec fingerprint (exported before warm starts)"
OTHER_FINGERPRINT = "the feature spec or architecture changed (fingerprint {found} != {wanted})"
STALE_VOCABULARY = "{feature}: {share:.0%} of the new vocabulary is not in the earlier version's"
VARIABLES_DIFFER = "variable {name}: {detail}"


class WarmStartRefused(ValueError):  # noqa: N818 (a refusal with its reason, not a fault)
    """The earlier version cannot seed the new one; the message says why."""


@dataclass(frozen=True)
class WarmStart:
    """What a warm-started model is built from: the earlier version's adapted statistics and
    its weights by variable name."""

    source: str
    adapted: AdaptedSpec
    weights: Mapping[str, np.ndarray]
    load_seconds: float = 0.0

    def describe(self) -> dict[str, Any]:
        """For the new version's metadata."""
        return {
            "warm_start": True,
            "from": self.source,
            "load_seconds": round(self.load_seconds, 3),
        }


def spec_fingerprint(spec: FeatureSpec, model_config: ModelConfig) -> str:
    """The SHA-256 of the feature declaration and the architecture (see the module docstring).

    Args:
        spec: the feature declaration.
        model_config: model type, tower and dropout.

    Returns:
        64 hex digits; equal fingerprints mean the same variables for the same statistics.
    """
    payload = {"spec": spec.to_dict(), "model": model_config.to_dict()}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_VOCABULARY_KINDS = (
    CategoricalFeature,
    IntegerCategoricalFeature,
    MultiCategoricalFeature,
    TextFeature,
)


def new_vocabulary_shares(earlier: AdaptedSpec, fresh: AdaptedSpec) -> dict[str, float]:
    """Per vocabulary feature: the share of the fresh vocabulary missing from the earlier one."""
    shares = {}
    for feature in fresh.spec.raw_features:
        if not isinstance(feature, _VOCABULARY_KINDS):
            continue
        new = set(fresh.stats[feature.name].vocabulary or ())
        if new:
            old = set(earlier.stats[feature.name].vocabulary or ())
            shares[feature.name] = len(new - old) / len(new)
    return shares


def _saved_weights(version_path: Path) -> dict[str, np.ndarray]:
    """The variables of a SavedModel version folder by name, read from its checkpoint.

    The SavedModel's object graph names each variable; the checkpoint's object graph, whose
    nodes have the same ids, gives the key of its value. Nothing is traced or restored, so
    this takes milliseconds where `tf.saved_model.load` takes seconds.
    """
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2, trackable_object_graph_pb2

    saved = saved_model_pb2.SavedModel()
    saved.ParseFromString((Path(version_path) / "saved_model.pb").read_bytes())
    reader = tf.train.load_checkpoint(str(Path(version_path) / "variables" / "variables"))
    checkpoint_graph = trackable_object_graph_pb2.TrackableObjectGraph()
    checkpoint_graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    weights = {}
    for node_id, node in enumerate(saved.meta_graphs[0].object_graph_def.nodes):
        if node.WhichOneof("kind") != "variable" or node_id >= len(checkpoint_graph.nodes):
            continue
        for attribute in checkpoint_graph.nodes[node_id].attributes:
            if attribute.name == "VARIABLE_VALUE":
                weights[node.variable.name] = reader.get_tensor(attribute.checkpoint_key)
    return weights


def warm_start_load(
    version_path: Path,
    *,
    spec: FeatureSpec,
    model_config: ModelConfig,
    fresh: AdaptedSpec | None = None,
    max_new_share: float = MAX_NEW_VOCABULARY_SHARE,
) -> WarmStart:
    """Read an exported version as the start of a new model, if it is compatible.

    Args:
        version_path: the earlier version's folder (SavedModel + metadata.json).
        spec: the new model's feature declaration.
        model_config: the new model's architecture.
        fresh: the statistics adapted on the new training data; when given, a vocabulary that
            changed too much (over `max_new_share` new) refuses the warm start.
        max_new_share: see `fresh`.

    Returns:
        The statistics and weights to build the new model from.

    Raises:
        WarmStartRefused: not compatible (the message says why).
    """
    from recommender.export import read_metadata

    metadata = read_metadata(Path(version_path))
    found = metadata.get(FINGERPRINT_KEY)
    wanted = spec_fingerprint(spec, model_config)
    if not found:
        raise WarmStartRefused(NO_FINGERPRINT)
    if found != wanted:
        raise WarmStartRefused(OTHER_FINGERPRINT.format(found=found[:12], wanted=wanted[:12]))
    adapted = AdaptedSpec.from_dict(metadata["features"])
    if fresh is not None:
        for name, share in new_vocabulary_shares(adapted, fresh).items():
            if share > max_new_share:
                raise WarmStartRefused(STALE_VOCABULARY.format(feature=name, share=share))
    source = f"{metadata.get('name', '?')} v{metadata.get('version', '?')}"
    began = time.perf_counter()
    weights = _saved_weights(Path(version_path))
    return WarmStart(
        source=source,
        adapted=adapted,
        weights=weights,
        load_seconds=time.perf_counter() - began,
    )


def warm_start_apply(model: Any, warm: WarmStart) -> None:
    """Set every weight of `model` (built from `warm.adapted`) to the earlier version's value.

    Raises:
        WarmStartRefused: a variable is missing or has another shape (nothing is changed then).
    """
    values = []
    for variable in model.weights:  # not the dropout layers' random-seed states
        stored = warm.weights.get(variable.path)
        if stored is None:
            raise WarmStartRefused(VARIABLES_DIFFER.format(name=variable.path, detail="missing"))
        if tuple(stored.shape) != tuple(variable.shape):
            detail = f"shape {tuple(stored.shape)} != {tuple(variable.shape)}"
            raise WarmStartRefused(VARIABLES_DIFFER.format(name=variable.path, detail=detail))
        values.append(stored)
    for variable, value in zip(model.weights, values, strict=True):
        variable.assign(value)
