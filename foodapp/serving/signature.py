"""TensorFlow Serving's JSON descriptions of a model: version status and signature metadata."""

from __future__ import annotations

from typing import Any

from foodapp.training.models import ModelVersion

TF_DTYPES = {"float": "DT_FLOAT", "string": "DT_STRING", "int": "DT_INT64"}
OUTPUT_SIGNATURE = {
    "logits": ("DT_FLOAT", [-1, 1]),
    "logistic": ("DT_FLOAT", [-1, 1]),
    "probabilities": ("DT_FLOAT", [-1, 2]),
    "classes": ("DT_INT64", [-1]),
}


def version_status(versions: list[ModelVersion]) -> dict[str, Any]:
    """GET /v1/models/<name>: every registered version is loadable on request ("AVAILABLE")."""
    return {
        "model_version_status": [
            {
                "version": str(version.version),
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
                "active": version.state == ModelVersion.State.ACTIVE,
            }
            for version in versions
        ]
    }


def _tensor(name: str, dtype: str, shape: list[int]) -> dict[str, Any]:
    return {
        "dtype": dtype,
        "tensor_shape": {
            "dim": [{"size": str(size), "name": ""} for size in shape],
            "unknown_rank": False,
        },
        "name": name,
    }


def signature_metadata(
    *, model_name: str, version: int, input_schema: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """GET /v1/models/<name>/metadata: the serving_default signature's inputs and outputs."""
    inputs = {
        name: _tensor(f"serving_default_{name}:0", TF_DTYPES.get(entry["dtype"], "DT_STRING"), [-1])
        for name, entry in input_schema.items()
    }
    outputs = {
        name: _tensor(f"StatefulPartitionedCall:{index}", dtype, shape)
        for index, (name, (dtype, shape)) in enumerate(OUTPUT_SIGNATURE.items())
    }
    return {
        "model_spec": {"name": model_name, "signature_name": "", "version": str(version)},
        "metadata": {
            "signature_def": {
                "signature_def": {
                    "serving_default": {
                        "inputs": inputs,
                        "outputs": outputs,
                        "method_name": "tensorflow/serving/predict",
                    }
                }
            }
        },
    }
