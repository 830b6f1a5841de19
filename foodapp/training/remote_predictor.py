"""The "tfserving" predictor backend: predictions from TensorFlow Serving's REST API.

A version's metadata (its input schema, its extra files such as dish embeddings) is read from
the models folder the app shares with the server (the docker-compose models volume); only the
model itself runs in the server, through `POST /v1/models/<name>/versions/<n>:predict`. Offers
the part of recommender.serving.Predictor that serving and ranking use.
"""

from __future__ import annotations

import contextlib
import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from foodapp.core.dependencies import DependencyUnavailableError

METADATA_FILE = "metadata.json"
EXTRA_FILES_DIR = "assets.extra"
ERROR_UNREACHABLE = "TensorFlow Serving at {url} did not answer: {error}"
ERROR_ANSWER = "TensorFlow Serving answered {status}: {detail}"


class RemoteServingError(DependencyUnavailableError):
    """TensorFlow Serving could not be reached or failed (not a problem with the input)."""

    public_message = "the prediction server is unavailable; try again later"


class RemotePredictor:
    """One version served by TensorFlow Serving (or any server with its REST API).

    Args:
        base_url: the server, e.g. "http://tfserving:8501".
        name: the model name.
        version: the version number.
        path: the version folder in the shared models folder (for its metadata).
        timeout: seconds to wait for an answer.
    """

    def __init__(
        self, *, base_url: str, name: str, version: int, path: Path, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.version = version
        self.path = Path(path)
        self.timeout = timeout
        self.metadata: dict[str, Any] = json.loads((self.path / METADATA_FILE).read_text())
        self._schema: dict[str, dict[str, Any]] = self.metadata["inputs"]

    def __repr__(self) -> str:
        return f"RemotePredictor({self.base_url!r}, name={self.name!r}, version={self.version})"

    @property
    def url(self) -> str:
        """The predict URL of this version."""
        return f"{self.base_url}/v1/models/{self.name}/versions/{self.version}:predict"

    def input_schema(self) -> dict[str, dict[str, Any]]:
        """Each raw input's dtype and vocabulary, from the version's metadata."""
        return {name: dict(entry) for name, entry in self._schema.items()}

    def extra_file(self, name: str) -> bytes:
        """A file of `<version>/assets.extra/`, from the shared models folder.

        Raises:
            FileNotFoundError: the version has no such extra file.
        """
        if name not in self.metadata.get("extra_files", []):
            message = f"{self.name} version {self.version} has no extra file {name!r}"
            raise FileNotFoundError(message)
        return (self.path / EXTRA_FILES_DIR / name).read_bytes()

    def _post(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a predict body; the server's JSON answer.

        Raises:
            InputError: the server refused the input (HTTP 400; its message is kept).
            RemoteServingError: no answer, or any other failure.
        """
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(json.loads(detail).get("error", detail))
            if error.code == 400:
                from recommender.serving import InputError

                raise InputError(detail) from None
            failed = ERROR_ANSWER.format(status=error.code, detail=detail)
            raise RemoteServingError(failed) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            unreachable = ERROR_UNREACHABLE.format(url=self.base_url, error=error)
            raise RemoteServingError(unreachable) from None

    def predict(self, instances: Sequence[Mapping[str, object]]) -> list[dict[str, Any]]:
        """TensorFlow Serving's "instances" (row) format; see recommender.serving.Predictor."""
        return list(self._post({"instances": list(instances)})["predictions"])

    def predict_columns(self, inputs: Mapping[str, Sequence[object]]) -> dict[str, list[Any]]:
        """TensorFlow Serving's "inputs" (columnar) format; see recommender.serving.Predictor."""
        return dict(self._post({"inputs": {k: list(v) for k, v in inputs.items()}})["outputs"])

    def logits_arrays(self, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
        """The logit of every row; a one-value column stands for every row (as in Predictor).

        Returns:
            A float32 array [rows].
        """
        rows = max((len(values) for values in arrays.values()), default=0)
        columns = {
            name: _plain(np.broadcast_to(np.asarray(v), (rows,)) if len(v) == 1 else v)
            for name, v in arrays.items()
            if name in self._schema
        }
        outputs = self.predict_columns(columns)
        return np.asarray(outputs["logits"], dtype=np.float32).reshape(-1)

    def explain_arrays(self, arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """Not offered by TensorFlow Serving's predict API.

        Raises:
            ExplainUnavailableError: always.
        """
        from recommender.serving import ExplainUnavailableError

        raise ExplainUnavailableError(
            "explanations need the in-process predictor (PREDICTOR_BACKEND=local)"
        )


def _plain(values: Any) -> list[Any]:
    """A column as JSON-ready Python values (numpy scalars and bytes converted)."""
    out = []
    for value in np.asarray(values).tolist():
        if isinstance(value, bytes):
            value = value.decode()
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out.append(value)
    return out
