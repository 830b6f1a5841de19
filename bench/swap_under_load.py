"""A version swap under load: gunicorn serves census predictions while a new version is activated.

Run from the repository root:
    python bench/swap_under_load.py [--workers 2] [--threads 4] [--clients 8] [--before 4]
        [--after 8] [--postgres]

In a throwaway database and VAR_DIR (SQLite, or PostgreSQL next to DATABASE_URL with --postgres;
with REDIS_URL set the version stamp goes through Redis, else through the file cache), it trains
two tiny census versions with different seeds (their predictions for the same person differ, so
every answer tells which version gave it), activates the first and starts gunicorn, then
registers the second (as a finished training run does; the web processes load it ahead) and
waits `--preload` seconds. `--clients`
threads then post predictions as fast as they can; after `--before` seconds this process
activates the second version through the safe path (as the admin does) and the clients go on for
`--after` seconds after it committed. Prints requests, failures (any non-200 or connection
error), when the first answer from the new version came, and the latest request started after
the activation that was still answered by the old one: every gunicorn process serves the new
version from then on.
Target: 0 failed requests and the new version everywhere within 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from machine_info import machine_summary  # noqa: E402
from options import positive  # noqa: E402
from scratch_db import scratch_database  # noqa: E402


def arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=positive, default=4, help="threads per worker")
    parser.add_argument("--clients", type=positive, default=8, help="concurrent client threads")
    parser.add_argument("--before", type=float, default=4.0, help="seconds of load before")
    parser.add_argument("--after", type=float, default=8.0, help="seconds of load after")
    parser.add_argument(
        "--preload", type=float, default=5.0, help="seconds between registering and the load"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    return parser.parse_args()


@dataclass
class Answer:
    """One request: when it started and ended (monotonic), its status and the version it got."""

    started: float
    ended: float
    status: int
    version: int | None
    error: str = ""


@dataclass
class Load:
    """Client threads posting one instance until told to stop."""

    url: str
    body: bytes
    versions_by_answer: dict[float, int]
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> None:
        import requests

        session = requests.Session()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                response = session.post(
                    self.url,
                    data=self.body,
                    headers={"Content-Type": "application/json"},
                    timeout=30,
                )
                version = None
                if response.status_code == 200:
                    value = round(float(response.json()["predictions"][0]["logistic"][0]), 6)
                    version = self.versions_by_answer.get(value)
                answer = Answer(started, time.monotonic(), response.status_code, version)
                if response.status_code != 200:
                    answer.error = response.text[:200]
            except Exception as error:  # a refused or reset connection is a failed request
                answer = Answer(started, time.monotonic(), 0, None, f"{type(error).__name__}")
            with self.lock:
                self.answers.append(answer)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, deadline: float) -> None:
    """Poll until the server answers (any status)."""
    import requests

    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=30)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


def main() -> None:
    """Set up, load, swap, report."""
    options = arguments()
    folder, cleanup = scratch_database(postgres=options.postgres, prefix="bench-swap-")
    os.environ["MODELS_DIR"] = str(folder / "models")
    os.environ["DJANGO_SETTINGS_MODULE"] = "foodapp.settings.local"
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from foodapp.census.examples import STORY_EXAMPLES
    from foodapp.training import services
    from recommender.datasets import census
    from recommender.serving import load_predictor

    server: subprocess.Popen[bytes] | None = None
    try:
        call_command("migrate", verbosity=0)
        models_dir = Path(settings.MODELS_DIR)
        instance = dict(STORY_EXAMPLES[0])
        exports, answers = [], {}
        for seed in (7, 8):
            export = census.train_and_export(
                models_dir=models_dir, epochs=1, max_rows=2000, seed=seed
            )
            exports.append(export)
            predicted = load_predictor(models_dir, "census", export.version).predict([instance])
            answers[round(float(predicted[0]["logistic"][0]), 6)] = export.version
        if len(answers) != 2:
            raise SystemExit("the two versions predict the same; cannot tell them apart")
        old = services.model_version_register(
            model_name="census", exported=exports[0], model_type="wide_deep"
        )
        services.model_version_activate_safely(version=old)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "foodapp.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--threads",
                str(options.threads),
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=dict(os.environ),
        )
        wait_until_up(f"{base}/v1/models/census", time.monotonic() + 120)
        load = Load(
            url=f"{base}/v1/models/census:predict",
            body=json.dumps({"instances": [instance]}).encode(),
            versions_by_answer=answers,
        )
        # Every worker loads the old version before the clock starts.
        import requests

        for _ in range(4 * options.workers):
            requests.post(load.url, data=load.body, headers={"Content-Type": "application/json"})
        # A training run registers the new version while the web serves (a candidate, which
        # every process loads ahead: activating it later is only a swap).
        new = services.model_version_register(
            model_name="census", exported=exports[1], model_type="wide_deep"
        )
        time.sleep(options.preload)
        clients = [threading.Thread(target=load.client) for _ in range(options.clients)]
        started = time.monotonic()
        for thread in clients:
            thread.start()
        time.sleep(options.before)
        checks_started = time.monotonic()
        services.model_version_activate_safely(version=new)
        activated = time.monotonic()  # committed: the stamp moved
        activation_seconds = activated - checks_started
        time.sleep(options.after)
        load.stop.set()
        for thread in clients:
            thread.join()
        report(load, options, started, activated, activation_seconds, old.version, new.version)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        cleanup()


def report(
    load: Load,
    options: argparse.Namespace,
    started: float,
    activated: float,
    activation_seconds: float,
    old: int,
    new: int,
) -> None:
    """Print the figures."""
    answers = load.answers
    failed = [a for a in answers if a.status != 200]
    unknown = [a for a in answers if a.status == 200 and a.version is None]
    first_new = min((a.ended for a in answers if a.version == new), default=None)
    late_old = [a.started for a in answers if a.version == old and a.started > activated]
    new_after = [a for a in answers if a.version == new and a.started > activated]
    seconds = time.monotonic() - started
    print("swap under load (census, gunicorn)")
    print(f"machine          {machine_summary()}")
    print(f"load average     {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"python           {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"stamp cache      {'Redis' if os.environ.get('REDIS_URL') else 'file cache'}")
    print(
        f"server           gunicorn {options.workers} workers x {options.threads} threads; "
        f"{options.clients} client threads"
    )
    print(f"requests         {len(answers)} in {seconds:.1f} s ({len(answers) / seconds:.0f}/s)")
    print(f"failed           {len(failed)}" + (f" (first: {failed[0].error!r})" if failed else ""))
    print(f"unrecognised     {len(unknown)} answers matched neither version")
    print(
        f"activation       v{old} -> v{new}; the safe-activation checks took "
        f"{activation_seconds:.2f} s; times below are from its commit"
    )
    if first_new is None:
        print("new version      never served")
        return
    print(f"first v{new} answer  {first_new - activated:.2f} s after activation")
    if late_old:
        print(
            f"last v{old} answer   to a request started {max(late_old) - activated:.2f} s after "
            f"activation ({len(late_old)} such requests)"
        )
    else:
        print(f"last v{old} answer   none to a request started after activation")
    print(f"v{new} answers     {len(new_after)} of {len(answers)} after activation")
    everywhere = max(late_old, default=activated) - activated
    verdict = "met" if not failed and everywhere <= 5.0 else "NOT met"
    print(f"target           0 failed, new version everywhere within 5 s: {verdict}")


if __name__ == "__main__":
    main()
