"""Serving on TensorFlow Serving: the model config file the app writes, and the "tfserving"
predictor backend.

There is no TensorFlow Serving binary here, so the remote backend is tested against this app's
own TensorFlow-Serving-compatible endpoint (foodapp/serving) run as a live server: the same REST
paths and bodies; a real TensorFlow Serving is what the docker-compose `tfserving` service runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training.experiments import experiment_start
from foodapp.training.models import ModelVersion
from foodapp.training.predictors import predictor_for, predictor_for_version
from foodapp.training.remote_predictor import RemotePredictor, RemoteServingError
from foodapp.training.tfserving_config import tfserving_config_path, tfserving_config_text
from recommender.serving import InputError
from tests.foodapp.training.factories import ModelVersionFactory


def test_the_config_text_lists_versions_and_labels() -> None:
    text = tfserving_config_text(
        served={"food_wide_deep": [4, 3], "census": [1]},
        labels={"food_wide_deep": {"stable": 3, "canary": 4}, "census": {"stable": 1}},
        base_path="/models/",
    )
    assert text == (
        "model_config_list {\n"
        "  config {\n"
        '    name: "census"\n'
        '    base_path: "/models/census"\n'
        '    model_platform: "tensorflow"\n'
        "    model_version_policy { specific { versions: 1 } }\n"
        '    version_labels { key: "stable" value: 1 }\n'
        "  }\n"
        "  config {\n"
        '    name: "food_wide_deep"\n'
        '    base_path: "/models/food_wide_deep"\n'
        '    model_platform: "tensorflow"\n'
        "    model_version_policy { specific { versions: 3 versions: 4 } }\n"
        '    version_labels { key: "canary" value: 4 }\n'
        '    version_labels { key: "stable" value: 3 }\n'
        "  }\n"
        "}\n"
    )


@pytest.mark.django_db
def test_the_config_file_follows_activation_and_a_b_tests(
    census_version: ModelVersion, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TFSERVING_MODEL_CONFIG = str(tmp_path / "serving" / "models.config")
    from foodapp.training import services

    services.model_version_activate(version=census_version)
    written = tfserving_config_path().read_text()
    assert 'name: "census"' in written and "versions: 1 }" in written
    assert 'version_labels { key: "stable" value: 1 }' in written
    monkeypatch.setattr(services, "activation_refusal", lambda version, margin=True: "")
    candidate = ModelVersionFactory(model_name="census", version=2, path=census_version.path)
    experiment_start(control=census_version, treatment=candidate, treatment_share=0.1)
    written = tfserving_config_path().read_text()
    assert "specific { versions: 1 versions: 2 }" in written
    assert 'version_labels { key: "canary" value: 2 }' in written
    assert not list(tfserving_config_path().parent.glob(".models-config-*"))  # renamed into place


@pytest.mark.django_db(transaction=True)
def test_the_remote_backend_predicts_like_the_local_one(
    live_server: Any, census_version: ModelVersion
) -> None:
    local = predictor_for_version(census_version)
    remote = RemotePredictor(
        base_url=live_server.url, name="census", version=1, path=Path(census_version.path)
    )
    instances = [dict(example) for example in STORY_EXAMPLES]
    assert remote.input_schema() == local.input_schema()
    expected = local.predict(instances)
    for got, want in zip(remote.predict(instances), expected, strict=True):
        assert got["classes"] == want["classes"]
        assert got["logistic"] == pytest.approx(want["logistic"], rel=1e-6)
    columns = {name: [example[name] for example in instances] for name in instances[0]}
    got_logits = np.asarray(remote.predict_columns(columns)["logits"])
    assert got_logits == pytest.approx(np.asarray(local.predict_columns(columns)["logits"]))
    arrays = {name: np.asarray(values) for name, values in columns.items()}
    arrays["age"] = np.asarray([40.0])  # one value stands for every row, as in Predictor
    assert remote.logits_arrays(arrays) == pytest.approx(local.logits_arrays(arrays), rel=1e-5)
    with pytest.raises(InputError, match="age"):
        remote.predict([{**instances[0], "age": "old"}])


def test_an_unreachable_server_is_a_clear_error(census_export: Any) -> None:
    remote = RemotePredictor(
        base_url="http://127.0.0.1:1", name="census", version=1, path=Path(census_export.path)
    )
    with pytest.raises(RemoteServingError, match="did not answer"):
        remote.predict([dict(STORY_EXAMPLES[0])])


@pytest.mark.django_db
def test_the_tfserving_backend_points_at_the_configured_server(
    census_version: ModelVersion, settings: Any
) -> None:
    settings.PREDICTOR_BACKEND = "tfserving"
    settings.TFSERVING_URL = "http://tfserving.internal:8501/"
    predictor = predictor_for(model_name="census")
    assert isinstance(predictor, RemotePredictor)
    assert predictor.url == "http://tfserving.internal:8501/v1/models/census/versions/1:predict"


@pytest.mark.django_db
def test_an_unreachable_server_answers_a_json_503_on_the_api(
    census_version: ModelVersion, settings: Any, client: Any
) -> None:
    settings.PREDICTOR_BACKEND = "tfserving"
    settings.TFSERVING_URL = "http://127.0.0.1:1"
    response = client.post(
        "/v1/models/census:predict",
        {"instances": [dict(STORY_EXAMPLES[0])]},
        content_type="application/json",
    )
    assert response.status_code == 503
    body = response.json()
    assert body == {"error": "the prediction server is unavailable; try again later"}
    assert "127.0.0.1" not in response.content.decode()
