"""A throwaway site for the API benchmarks: a scratch database with people, and gunicorn on it.

`site_prepare` must run before django.setup() touches the database: it points DATABASE_URL and
VAR_DIR at a new scratch database (see scratch_db), migrates it, loads the shipped catalogue,
simulates people and their sessions through the simulator (people services, real events), gives
every person an API token and optionally trains and activates the wide & deep model.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from scratch_db import scratch_database  # noqa: E402

UNLIMITED = "1000000/min"


@dataclass
class Site:
    """The prepared scratch site: its folder, people's tokens and a clean-up function."""

    folder: Path
    tokens: dict[int, str]  # user id -> token key
    staff_token: str
    dishes: list[int]
    cleanup: Callable[[], None]
    trained: str = ""
    environment: dict[str, str] = field(default_factory=dict)


def site_environment() -> dict[str, str]:
    """What the site and its gunicorn see: production-like (no DEBUG), no rate limits."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["API_THROTTLE_ANON"] = UNLIMITED
    os.environ["API_THROTTLE_USER"] = UNLIMITED
    return dict(os.environ)


def site_prepare(
    *, people: int, sessions: int, postgres: bool = False, train: bool = False, seed: int = 7
) -> Site:
    """Build the scratch site (see the module docstring) and return what the clients need."""
    folder, cleanup = scratch_database(postgres=postgres, prefix="api-bench-")
    environment = site_environment()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from foodapp.catalog.models import Dish
    from foodapp.people.models import Profile

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    call_command("simulate", users=people, sessions=sessions, seed=seed, days=30, verbosity=0)
    profiles = list(Profile.objects.select_related("user").order_by("id"))
    Token.objects.bulk_create(
        [Token(user=p.user, key=Token.generate_key()) for p in profiles], ignore_conflicts=True
    )
    keys = dict(Token.objects.values_list("user_id", "key"))
    tokens = {p.user_id: keys[p.user_id] for p in profiles}
    staff = get_user_model().objects.create_user(username="bench-staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="training",
            codename__in=["retrain_model", "activate_modelversion"],
        )
    )
    trained = ""
    if train:
        call_command("train", "food_wide_deep", epochs=1, seed=seed, activate=True, verbosity=0)
        trained = "food_wide_deep"
    return Site(
        folder=folder,
        tokens=tokens,
        staff_token=Token.objects.create(user=staff).key,
        dishes=list(Dish.objects.order_by("id").values_list("id", flat=True)),
        cleanup=cleanup,
        trained=trained,
        environment=environment,
    )


def free_port() -> int:
    """A local TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn_start(
    *, environment: dict[str, str], workers: int, threads: int, access_log: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start gunicorn (with gunicorn.conf.py, workers and threads as given) on a free port and
    wait until it answers; return it and its base URL."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "foodapp.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]  # the rest from gunicorn.conf.py
    if access_log is not None:
        command += ["--access-logfile", str(access_log)]
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return server, base
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("gunicorn did not start")
        time.sleep(0.3)


def gunicorn_stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server started by gunicorn_start."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
