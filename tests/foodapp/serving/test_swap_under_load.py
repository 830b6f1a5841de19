"""A version swap while clients hammer the prediction API of a live (threaded) server: no request
fails, and the new version answers right after the activation.

The server runs in this process (pytest-django's live_server), so it learns of the activation
directly; bench/swap_under_load.py does the same across gunicorn processes through the stamp.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from foodapp.census.examples import STORY_EXAMPLES
from foodapp.training import services
from foodapp.training.models import ModelVersion


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the clients got no answers"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_no_request_fails_while_a_new_version_is_activated(
    live_server: Any, census_version: ModelVersion, tmp_path: Path
) -> None:
    folder = tmp_path / "census" / "2"
    shutil.copytree(census_version.path, folder)
    new = services.model_version_register(
        model_name="census",
        exported=type(
            "Exported", (), {"version": 2, "path": folder, "metrics": {}, "metadata": {}}
        )(),
    )
    body = json.dumps({"instances": [STORY_EXAMPLES[0]]})
    failures: list[str] = []
    served: list[tuple[float, int]] = []
    stop = threading.Event()

    def client() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                answer = session.post(
                    f"{live_server.url}/v1/models/census:predict",
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=30,
                )
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
                started = time.monotonic()
                meta = session.get(f"{live_server.url}/v1/models/census/metadata", timeout=30)
                if meta.status_code != 200:
                    failures.append(f"metadata {meta.status_code}")
                else:
                    version = int(meta.json()["model_spec"]["version"])
                    served.append((started, version))
            except requests.RequestException as error:
                failures.append(repr(error))

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    wait_for(lambda: len(served) >= 8)
    services.model_version_activate_safely(version=new)
    activated = time.monotonic()
    wait_for(lambda: sum(t > activated for t, _ in served) >= 8)
    stop.set()
    for thread in clients:
        thread.join(30)
    assert failures == []
    before = [v for t, v in served if t < activated - 1.0]
    after = [v for t, v in served if t > activated]
    assert before and set(before) == {1}
    assert after and set(after) == {2}
