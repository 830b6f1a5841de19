"""The Prometheus endpoint: who may read it, and what it says about requests, suggestions and
training runs."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from foodapp.settings.environment import env_networks
from foodapp.training.models import TrainingRun
from tests.foodapp.people.factories import UserFactory
from tests.foodapp.simulation.conftest import catalogue_in_db as catalogue_in_db  # a fixture

pytestmark = pytest.mark.django_db


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


def test_guests_and_people_are_refused(client: Client) -> None:
    assert client.get("/metrics").status_code == 403
    client.force_login(UserFactory())
    response = client.get("/metrics")
    assert response.status_code == 403 and b"foodapp_" not in response.content


def test_an_allowed_network_reads_without_signing_in(client: Client, settings) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.2.3").status_code == 403


def test_request_latency_is_by_view(staff_client: Client) -> None:
    before = staff_client.get("/metrics").content.decode()
    assert staff_client.get("/healthz").status_code == 200
    text = staff_client.get("/metrics").content.decode()
    labels = {"view": "healthz", "method": "GET", "status": "2xx"}
    assert sample(text, "foodapp_request_seconds_count", **labels) == (
        sample(before, "foodapp_request_seconds_count", **labels) + 1
    )


def test_suggestions_served_by_ranker_and_version(staff_client: Client, catalogue_in_db) -> None:
    labels = {"ranker": "v1", "version": "none"}
    before = sample(
        staff_client.get("/metrics").content.decode(),
        "foodapp_recommendations_served_total",
        **labels,
    )
    assert (
        staff_client.get(
            "/api/v1/recommendations/?ranker=v1&q=pizza&record_impressions=false"
        ).status_code
        == 200
    )
    assert staff_client.get("/search/?q=pizza").status_code == 200
    text = staff_client.get("/metrics").content.decode()
    assert sample(text, "foodapp_recommendations_served_total", **labels) >= before + 2


def test_training_runs_by_model_and_state(staff_client: Client) -> None:
    TrainingRun.objects.create(model_name="census", state=TrainingRun.State.FAILED)
    TrainingRun.objects.create(model_name="census", state=TrainingRun.State.FAILED)
    TrainingRun.objects.create(model_name="food_wide", state=TrainingRun.State.SUCCEEDED)
    text = staff_client.get("/metrics").content.decode()
    assert sample(text, "foodapp_training_runs", model="census", state="failed") == 2
    assert sample(text, "foodapp_training_runs", model="food_wide", state="succeeded") == 1


def test_a_malformed_network_setting_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,not-a-network")
    with pytest.raises(ImproperlyConfigured, match=r"METRICS_ALLOWED_NETWORKS.*not-a-network"):
        env_networks("METRICS_ALLOWED_NETWORKS")
