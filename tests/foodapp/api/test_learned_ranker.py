"""A trained wide & deep model behind the API: results carry its version, and activating another
version drops the cached lists (the key holds the version that serves)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from foodapp.people.models import Profile
from foodapp.training import services
from foodapp.training.models import ModelVersion
from tests.foodapp.api.conftest import token_client
from tests.foodapp.recommendations.conftest import START, simulated_history  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
URL = "/api/v1/recommendations/"


@dataclass(frozen=True)
class CopiedExport:
    """An export folder copied under the next version number (same model, new version)."""

    version: int
    path: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def test_v4_answers_with_its_version_and_a_new_version_misses_the_cache(
    simulated_history: object,  # noqa: F811
    models_dir: Path,
) -> None:
    run = services.training_run_create(model_name="food_wide_deep", params={"epochs": 1})
    finished = services.training_run_execute(run_id=run.pk)
    assert finished is not None and finished.state == "succeeded", finished and finished.error
    first = ModelVersion.objects.get(model_name="food_wide_deep", state="active")

    person = Profile.objects.filter(attributes__simulated=True).order_by("id").first()
    assert person is not None
    client: APIClient = token_client(person.user)
    params = {"q": "fried chicken", "k": 5, "explain": "true", "record_impressions": "false"}
    body = client.get(URL, params).json()
    assert (body["ranker"], body["model_name"], body["version"]) == (
        "v4",
        "food_wide_deep",
        first.version,
    )
    assert all(r["version"] == first.version and r["ranker"] == "v4" for r in body["results"])
    explanation = body["results"][0]["explanation"]
    assert explanation["wide"] + explanation["deep"] == pytest.approx(explanation["logit"], 1e-4)
    assert client.get(URL, params).json()["cached"] is True

    copy = Path(first.path).parent / str(first.version + 1)
    shutil.copytree(first.path, copy)
    second = services.model_version_register(
        model_name="food_wide_deep",
        exported=CopiedExport(first.version + 1, copy),  # type: ignore[arg-type]
        model_type="wide_deep",
    )
    services.model_version_activate(version=second)
    again = client.get(URL, params).json()
    assert again["cached"] is False and again["version"] == second.version

    # The food model is reachable through the TensorFlow Serving style API too.
    status = client.get("/v1/models/food_wide_deep").json()["model_version_status"]
    assert {(v["version"], v["active"]) for v in status} == {
        (str(first.version), False),
        (str(second.version), True),
    }
    inputs = client.get("/v1/models/food_wide_deep/metadata").json()["metadata"]
    signature = inputs["signature_def"]["signature_def"]["serving_default"]["inputs"]
    blank = {"DT_STRING": "", "DT_FLOAT": 0.0, "DT_INT64": 0}
    instance = {name: blank[tensor["dtype"]] for name, tensor in signature.items()}
    instance.update(query="fried chicken", dish_name="Fried Chicken")
    predicted = client.post(
        "/v1/models/food_wide_deep:predict", {"instances": [instance]}, format="json"
    )
    assert predicted.status_code == 200, predicted.json()
    assert 0 <= predicted.json()["predictions"][0]["logistic"][0] <= 1
