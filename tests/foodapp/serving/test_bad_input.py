"""Bodies an attacker would send to the TensorFlow Serving API: each a JSON 4xx, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training.models import ModelVersion

PREDICT = "/v1/models/census:predict"
DEEP = 1000


def post_raw(client: Client, body: str | bytes, path: str = PREDICT) -> Any:
    return client.post(path, data=body, content_type="application/json")


def error_of(response: Any) -> str:
    """The error message of a JSON error body (which must be valid UTF-8 JSON)."""
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content.decode("utf-8"))
    assert set(body) == {"error"}
    return str(body["error"])


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        nested_list(DEEP),
        nested_object(DEEP),
        '{"instances": ' + nested_list(DEEP) + "}",
        '{"instances": [' + json.dumps(STORY_EXAMPLES[0])[:-1] + ', "age": '
        + nested_list(DEEP) + "}]}",
        '{"inputs": {"age": [' + nested_object(DEEP) + "]}}",
        '{"signature_name": ' + nested_list(DEEP) + "}",
        # Deep, but not deep enough for the parser to give up: the limit still holds.
        '{"instances": [' + nested_list(200) + "]}",
    ],
    ids=["list", "object", "instances", "value", "inputs", "other-key", "200-levels"],
)  # fmt: skip
def test_json_nested_too_deeply_answers_400(
    client: Client, census_version: ModelVersion, body: str
) -> None:
    response = post_raw(client, body)
    assert response.status_code == 400
    assert "nested too deeply" in error_of(response)


@pytest.mark.django_db
def test_the_usual_nesting_still_predicts(client: Client, census_version: ModelVersion) -> None:
    columns = {key: [e[key] for e in STORY_EXAMPLES] for key in STORY_EXAMPLES[0]}
    assert post_raw(client, json.dumps({"inputs": columns})).status_code == 200
    assert post_raw(client, json.dumps({"instances": list(STORY_EXAMPLES)})).status_code == 200


LONE = "\ud800"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instances": [{**STORY_EXAMPLES[0], "workclass": LONE}]}, "instances[0].workclass"),
        ({"instances": [{**STORY_EXAMPLES[0], "occupation": f"Cook{LONE}"}]},
         "instances[0].occupation"),
        ({"instances": [{**STORY_EXAMPLES[0], LONE: 1}]}, "instances[0]"),
        ({"inputs": {**{k: [v] for k, v in STORY_EXAMPLES[0].items()}, "race": [" White", LONE]}},
         "inputs.race[1]"),
        ({"inputs": {LONE: [1]}}, "inputs"),
        ({"inputs": {f"age{LONE}": [1]}}, "inputs"),
        ({"signature_name": LONE, "instances": [STORY_EXAMPLES[0]]}, "signature_name"),
    ],
    ids=["value", "inside-a-value", "instance-key", "column-value", "inputs-key",
         "inputs-key-suffix", "signature"],
)  # fmt: skip
def test_a_lone_surrogate_answers_400_naming_the_field(
    client: Client,
    census_version: ModelVersion,
    settings: Any,
    debug: bool,
    body: dict[str, Any],
    field: str,
) -> None:
    settings.DEBUG = debug
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800
    assert "\\ud800" in raw
    response = post_raw(client, raw)
    assert response.status_code == 400
    message = error_of(response)
    assert message.startswith(f"{field}:"), message
    assert "surrogate" in message
    message.encode("utf-8")  # nothing unencodable is echoed back


@pytest.mark.django_db
def test_a_surrogate_pair_is_ordinary_text(client: Client, census_version: ModelVersion) -> None:
    person = {**STORY_EXAMPLES[0], "native_country": "\U0001f600land"}
    response = post_raw(client, json.dumps({"instances": [person]}))
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_answers_json_413(
    client: Client, census_version: ModelVersion, settings: Any
) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440  # Django's 2.5 MB
    body = json.dumps({"instances": [STORY_EXAMPLES[0]], "padding": "x" * limit})
    response = post_raw(client, body)
    assert response.status_code == 413
    assert "larger than" in error_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/v1/nothing-here", 404),
        ("get", "/v1/models/census:explain", 404),
        ("post", "/v1/models/no-such-model/versions/1/metadata/extra", 404),
        ("delete", PREDICT, 405),
        ("get", PREDICT, 405),
    ],
)
def test_other_errors_under_v1_are_json(
    census_version: ModelVersion, method: str, path: str, status: int
) -> None:
    client = Client(enforce_csrf_checks=True)  # as a real caller: no CSRF token
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert error_of(response)


@pytest.mark.django_db
def test_an_unexpected_failure_answers_json_500(
    client: Client, census_version: ModelVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foodapp.serving import api

    def broken(**_: Any) -> Any:
        raise RuntimeError("secret internals at /srv/models")

    monkeypatch.setattr(api, "predictor_for", broken)
    client.raise_request_exception = False
    response = post_raw(client, json.dumps({"instances": [STORY_EXAMPLES[0]]}))
    assert response.status_code == 500
    message = error_of(response)
    assert "/srv/models" not in message and "internal error" in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"instances": [{**STORY_EXAMPLES[0], "age": -25}]},
         "instances[0].age: -25 is outside 17 to 90, the range the model was trained on"),
        ({"instances": [STORY_EXAMPLES[1], {**STORY_EXAMPLES[0], "age": 1e300}]},
         "instances[1].age: 1e+300 is outside 17 to 90"),
        ({"instances": [{**STORY_EXAMPLES[0], "capital_loss": 5000.5}]},
         "instances[0].capital_loss: 5000.5 is outside 0 to 4356"),
        ({"instances": [{**STORY_EXAMPLES[0], "hours_per_week": 10**30}]},
         "instances[0].hours_per_week: 1000000000000000000000000000000 is outside 1 to 99"),
        ({"inputs": {**{k: [v, v] for k, v in STORY_EXAMPLES[0].items()}, "age": [25, -25]}},
         "inputs.age[1]: -25 is outside 17 to 90"),
        ({"inputs": {**{k: [v] for k, v in STORY_EXAMPLES[0].items()}, "education_num": [0]}},
         "inputs.education_num[0]: 0 is outside 1 to 16"),
    ],
)  # fmt: skip
def test_values_outside_the_training_range_answer_400(
    client: Client, census_version: ModelVersion, body: dict[str, Any], message: str
) -> None:
    response = post_raw(client, json.dumps(body))
    assert response.status_code == 400
    assert message in error_of(response)


@pytest.mark.django_db
def test_the_edges_of_the_training_range_predict(
    client: Client, census_version: ModelVersion
) -> None:
    people = [
        {**STORY_EXAMPLES[0], "age": 17, "capital_loss": 4356, "hours_per_week": 1},
        {**STORY_EXAMPLES[1], "age": 90.0, "capital_gain": 99_999, "education_num": 16},
    ]
    response = post_raw(client, json.dumps({"instances": people}))
    assert response.status_code == 200, response.content
