"""Version swap: web processes follow the version stamp in the shared cache (read at most once a
second), reload their snapshot only when it moves, and ask the database nothing per request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training import services, version_stamp
from foodapp.training.models import ModelVersion
from foodapp.training.predictors import predictor_for, served_version_for
from foodapp.training.served import SERVED, ServedVersions, Snapshot


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    """A stamp source and a loader that count their calls."""

    def __init__(self) -> None:
        self.stamp: str | None = "a"
        self.stamp_reads = 0
        self.loads: list[str | None] = []

    def read_stamp(self) -> str | None:
        self.stamp_reads += 1
        return self.stamp

    def load(self, stamp: str | None) -> Snapshot:
        self.loads.append(stamp)
        return Snapshot(stamp=stamp)


def test_the_stamp_is_read_at_most_once_a_second_and_a_move_reloads() -> None:
    clock, source = FakeClock(), Recorder()
    served = ServedVersions(load=source.load, read_stamp=source.read_stamp, clock=clock)
    first = served.current()
    assert (source.stamp_reads, source.loads) == (1, ["a"])
    clock.now += 0.99
    source.stamp = "b"
    assert served.current() is first  # within the second: neither the stamp nor the database
    assert (source.stamp_reads, source.loads) == (1, ["a"])
    clock.now += 0.02
    assert served.current().stamp == "b"
    assert (source.stamp_reads, source.loads) == (2, ["a", "b"])
    clock.now += 5
    same = served.current()
    assert same.stamp == "b" and (source.stamp_reads, source.loads) == (3, ["a", "b"])


def test_an_unreadable_stamp_reloads_at_most_once_a_second() -> None:
    clock, source = FakeClock(), Recorder()
    source.stamp = None
    served = ServedVersions(load=source.load, read_stamp=source.read_stamp, clock=clock)
    for _ in range(5):
        served.current()
    assert len(source.loads) == 1
    clock.now += 1.0
    served.current()
    assert len(source.loads) == 2


def test_invalidate_reloads_at_the_next_request() -> None:
    clock, source = FakeClock(), Recorder()
    served = ServedVersions(load=source.load, read_stamp=source.read_stamp, clock=clock)
    served.current()
    served.invalidate()
    served.current()
    assert source.loads == ["a", "a"]


def predict(client: Client, path: str = "/v1/models/census:predict") -> Any:
    body = json.dumps({"instances": [STORY_EXAMPLES[0]]})
    return client.post(path, data=body, content_type="application/json")


@pytest.mark.django_db
def test_a_prediction_asks_the_database_nothing_once_the_snapshot_is_loaded(
    client: Client, census_version: ModelVersion, django_assert_num_queries: Any
) -> None:
    assert predict(client).status_code == 200
    with django_assert_num_queries(0):
        for _ in range(3):
            assert predict(client).status_code == 200
        assert predict(client, "/v1/models/census/versions/1:predict").status_code == 200
        assert client.get("/v1/models/census/metadata").status_code == 200


def second_census_version(census_version: ModelVersion, store: Path) -> ModelVersion:
    """A copy of the census model registered as version 2 (its own folder, same weights)."""
    folder = store / "census" / "2"
    shutil.copytree(census_version.path, folder)
    return ModelVersion.objects.create(
        model_name="census", version=2, path=str(folder), model_type="wide_deep"
    )


@pytest.mark.django_db
def test_a_version_activated_by_another_process_is_served_after_the_stamp_moves(
    census_version: ModelVersion,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(SERVED, "_clock", clock)
    SERVED.invalidate()
    in_flight = predictor_for(model_name="census")
    assert in_flight.version == 1
    new = second_census_version(census_version, tmp_path)
    # Another process activates it: the rows change and the stamp moves; this process's
    # snapshot is not told directly.
    ModelVersion.objects.filter(pk=census_version.pk).update(state=ModelVersion.State.RETIRED)
    ModelVersion.objects.filter(pk=new.pk).update(state=ModelVersion.State.ACTIVE)
    version_stamp._write_new_stamp()
    with django_assert_num_queries(0):
        assert served_version_for(model_name="census").version == 1  # within its second
    clock.now += 1.0
    assert served_version_for(model_name="census").version == 2
    assert predictor_for(model_name="census").version == 2
    # The request that started before the swap still finishes with its own predictor.
    [answer] = in_flight.predict([STORY_EXAMPLES[0]])
    assert 0.0 <= answer["logistic"][0] <= 1.0


@pytest.mark.django_db
def test_activating_here_is_served_at_the_next_request(
    census_version: ModelVersion, tmp_path: Path
) -> None:
    assert served_version_for(model_name="census").version == 1
    new = second_census_version(census_version, tmp_path)
    services.model_version_activate(version=new)
    assert served_version_for(model_name="census").version == 2


@pytest.mark.django_db
def test_a_registered_version_is_known_at_once(census_version: ModelVersion) -> None:
    served_version_for(model_name="census")
    exported = type("Exported", (), {})()
    exported.version, exported.path = 3, Path(census_version.path)
    exported.metrics, exported.metadata = {}, {}
    services.model_version_register(model_name="census", exported=exported)
    assert served_version_for(model_name="census", version=3).path == census_version.path


def test_while_one_request_warms_the_new_snapshot_the_others_keep_the_old() -> None:
    import threading

    clock, source = FakeClock(), Recorder()
    warming, release = threading.Event(), threading.Event()

    def warm(snapshot: Snapshot) -> None:
        warming.set()
        assert release.wait(5)

    served = ServedVersions(load=source.load, read_stamp=source.read_stamp, clock=clock, warm=warm)
    old = served.current()  # the first snapshot is not warmed: nothing to keep serving meanwhile
    source.stamp, clock.now = "b", clock.now + 1.0
    refresher = threading.Thread(target=served.current)
    refresher.start()
    assert warming.wait(5)
    assert served.current() is old  # not blocked by the load in progress
    release.set()
    refresher.join(5)
    assert served.current().stamp == "b"


def test_a_new_snapshot_whose_warming_fails_is_published_anyway() -> None:
    clock, source = FakeClock(), Recorder()

    def warm(snapshot: Snapshot) -> None:
        raise OSError("no such file")

    served = ServedVersions(load=source.load, read_stamp=source.read_stamp, clock=clock, warm=warm)
    served.current()
    source.stamp, clock.now = "b", clock.now + 1.0
    assert served.current().stamp == "b"


@pytest.mark.django_db
def test_a_candidate_newer_than_the_active_version_is_upcoming() -> None:
    from foodapp.training.served import snapshot_load
    from tests.foodapp.training.factories import ModelVersionFactory

    ModelVersionFactory(model_name="toy", version=1, state="retired")
    ModelVersionFactory(model_name="toy", version=2, state="active")
    ModelVersionFactory(model_name="toy", version=3)
    ModelVersionFactory(model_name="other", version=5, state="active")
    ModelVersionFactory(model_name="other", version=4)
    ModelVersionFactory(model_name="unserved", version=1)
    snapshot = snapshot_load("x")
    assert {name: v.version for name, v in snapshot.upcoming.items()} == {"toy": 3}


def test_warming_a_snapshot_warms_each_predictor_up_as_its_trainer_says(
    census_version: ModelVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from foodapp.training import registry
    from foodapp.training.served import _predictors_warm, snapshot_load

    warmed: list[Any] = []
    census = registry.trainer_for("census")
    with_warm_up = dataclasses.replace(census, warm_up=warmed.append)
    monkeypatch.setattr(registry, "trainer_for", lambda name: with_warm_up)
    _predictors_warm(snapshot_load(None))
    assert [(p.name, p.version) for p in warmed] == [("census", census_version.version)]


def test_a_web_worker_warms_the_served_versions_up_before_its_first_request(
    census_version: ModelVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses
    import runpy

    from foodapp.training import registry

    warmed: list[Any] = []
    with_warm_up = dataclasses.replace(registry.trainer_for("census"), warm_up=warmed.append)
    monkeypatch.setattr(registry, "trainer_for", lambda name: with_warm_up)
    from django.db import connections

    # The hook closes the worker's connections after warming; not the test's own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    # It then freezes what the worker has loaded; recorded here, not done to the test process.
    import gc

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    SERVED.invalidate()
    config = runpy.run_path(str(Path(__file__).resolve().parents[3] / "gunicorn.conf.py"))
    config["post_worker_init"](object())
    assert [(p.name, p.version) for p in warmed] == [("census", census_version.version)]
    assert frozen == [True]

    def broken() -> None:
        raise OSError("database down")

    monkeypatch.setattr("foodapp.training.served.served_versions_warm", broken)
    config["post_worker_init"](object())  # logged; the worker serves anyway
