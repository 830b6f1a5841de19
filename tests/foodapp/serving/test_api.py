"""TensorFlow Serving's REST API on the census model: same paths, same bodies, clear 400s."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training.models import ModelVersion

PREDICT = "/v1/models/census:predict"


def post(client: Client, body: Any, path: str = PREDICT, raw: bool = False) -> Any:
    data = body if raw else json.dumps(body)
    return client.post(path, data=data, content_type="application/json")


def stripped(example: dict[str, Any]) -> dict[str, Any]:
    return {k: v.strip() if isinstance(v, str) else v for k, v in example.items()}


@pytest.mark.django_db
def test_both_story_examples_work_exactly_as_written(
    client: Client, census_version: ModelVersion
) -> None:
    response = post(client, {"instances": list(STORY_EXAMPLES)})
    assert response.status_code == 200, response.content
    predictions = response.json()["predictions"]
    assert len(predictions) == 2
    for prediction in predictions:
        assert set(prediction) == {"probabilities", "logits", "classes", "logistic"}
        p_low, p_high = prediction["probabilities"]
        assert p_low + p_high == pytest.approx(1.0, abs=1e-5)
        assert prediction["logistic"] == [pytest.approx(p_high, abs=1e-6)]
        assert len(prediction["logits"]) == 1
        assert prediction["classes"] == int(p_high > 0.5)
    # The married executive with a capital gain is far likelier to earn >50K than the teenager.
    assert predictions[1]["logistic"][0] > predictions[0]["logistic"][0]


@pytest.mark.django_db
def test_values_without_the_leading_space_predict_the_same(
    client: Client, census_version: ModelVersion
) -> None:
    spaced = post(client, {"instances": list(STORY_EXAMPLES)}).json()
    plain = post(client, {"instances": [stripped(e) for e in STORY_EXAMPLES]}).json()
    assert plain == spaced


@pytest.mark.django_db
def test_an_unknown_category_still_predicts(client: Client, census_version: ModelVersion) -> None:
    person = {**STORY_EXAMPLES[0], "occupation": " Astronaut", "native_country": " Atlantis"}
    response = post(client, {"instances": [person]})
    assert response.status_code == 200
    assert 0.0 < response.json()["predictions"][0]["logistic"][0] < 1.0


@pytest.mark.django_db
def test_columnar_inputs_answer_columnar_outputs(
    client: Client, census_version: ModelVersion
) -> None:
    columns = {key: [e[key] for e in STORY_EXAMPLES] for key in STORY_EXAMPLES[0]}
    outputs = post(client, {"inputs": columns}).json()["outputs"]
    rows = post(client, {"instances": list(STORY_EXAMPLES)}).json()["predictions"]
    assert outputs["classes"] == [row["classes"] for row in rows]
    assert outputs["logistic"] == [row["logistic"] for row in rows]


@pytest.mark.django_db
def test_a_given_version_can_be_asked_for(client: Client, census_version: ModelVersion) -> None:
    path = f"/v1/models/census/versions/{census_version.version}:predict"
    assert post(client, {"instances": [STORY_EXAMPLES[0]]}, path).status_code == 200
    missing = post(
        client, {"instances": [STORY_EXAMPLES[0]]}, "/v1/models/census/versions/999:predict"
    )
    assert missing.status_code == 404
    assert "no version 999" in missing.json()["error"]


@pytest.mark.django_db
def test_status_and_metadata(client: Client, census_version: ModelVersion) -> None:
    status = client.get("/v1/models/census").json()["model_version_status"]
    assert status == [
        {
            "version": str(census_version.version),
            "state": "AVAILABLE",
            "status": {"error_code": "OK", "error_message": ""},
            "active": True,
        }
    ]
    metadata = client.get("/v1/models/census/metadata").json()
    signature = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert set(signature["inputs"]) == set(STORY_EXAMPLES[0])
    assert signature["inputs"]["age"]["dtype"] == "DT_FLOAT"
    assert signature["inputs"]["workclass"]["dtype"] == "DT_STRING"
    assert set(signature["outputs"]) == {"logits", "logistic", "probabilities", "classes"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "raw", "message"),
    [
        (
            {"instances": [{k: v for k, v in STORY_EXAMPLES[0].items() if k != "age"}]},
            False,
            "instances[0]: missing field 'age'",
        ),
        (
            {"instances": [{**STORY_EXAMPLES[0], "age": "twenty"}]},
            False,
            "instances[0].age: expected a number",
        ),
        (
            {"instances": [{**STORY_EXAMPLES[0], "workclass": 3}]},
            False,
            "instances[0].workclass: expected a string",
        ),
        ({"instances": [{**STORY_EXAMPLES[0], "age": None}]}, False, "instances[0].age"),
        ({"instances": []}, False, "instances: This list may not be empty"),
        ({"instances": [STORY_EXAMPLES[0]] * 1001}, False, "more than the limit of 1000"),
        ({"instances": ["a person"]}, False, "instances[0]: expected an object"),
        ({"inputs": {"age": [25]}}, False, "inputs: missing field"),
        ({"instances": [STORY_EXAMPLES[0]], "inputs": {"age": [1]}}, False, "not both"),
        ({"signature_name": "other", "instances": [STORY_EXAMPLES[0]]}, False, "unknown signature"),
        ({}, False, 'missing "instances"'),
        ("this is not json", True, "JSON parse error"),
        ("[1, 2]", True, "Expected a dictionary"),
    ],
)
def test_bad_requests_answer_400_naming_what_was_wrong(
    client: Client, census_version: ModelVersion, body: Any, raw: bool, message: str
) -> None:
    response = post(client, body, raw=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.django_db
def test_a_form_encoded_body_is_a_400_not_a_415(
    client: Client, census_version: ModelVersion
) -> None:
    response = client.post(PREDICT, data="age=25", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["error"]


@pytest.mark.django_db
def test_without_an_active_version_the_answer_is_404(client: Client) -> None:
    response = post(client, {"instances": [STORY_EXAMPLES[0]]})
    assert response.status_code == 404
    assert "no active version" in response.json()["error"]
    assert client.get("/v1/models/census").status_code == 404


@pytest.mark.django_db
def test_a_version_of_another_export_format_is_refused_with_a_clear_503(
    client: Client, census_version: ModelVersion, tmp_path, settings
) -> None:
    import shutil

    from foodapp.training import services

    old = tmp_path / "census" / "5"
    shutil.copytree(census_version.path, old)
    metadata = json.loads((old / "metadata.json").read_text())
    metadata["format_version"] = 0
    (old / "metadata.json").write_text(json.dumps(metadata))
    settings.MODELS_DIR = tmp_path
    stale = ModelVersion.objects.create(model_name="census", version=5, path=str(old))
    services.model_version_activate(version=stale)

    response = post(client, {"instances": [STORY_EXAMPLES[0]]})
    assert response.status_code == 503
    assert "retrain" in response.json()["error"]
    assert client.get("/v1/models/census/metadata").status_code == 503
