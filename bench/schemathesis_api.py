"""Schemathesis over the /api/v1/ OpenAPI schema, against gunicorn on a throwaway database.

Run from the repository root:
    python bench/schemathesis_api.py [--max-examples 150] [--people 40] [--no-train] [--postgres]

It prepares a scratch site (bench/api_site.py: catalogue, simulated people with tokens, a staff
member, the wide & deep model trained and active unless --no-train), starts gunicorn and runs
`schemathesis run` twice, as a person and as staff (who reaches the training endpoints), with
positive and negative generated requests. Checks: no server error, status codes, content types,
headers and bodies as the schema documents them. Prints the requests served (gunicorn's access
log), the 5xx among them, schemathesis' verdict and the machine.
Target: at least 1,000 requests, 0 server errors, 0 schema violations.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from api_site import ROOT, gunicorn_start, gunicorn_stop, site_prepare  # noqa: E402
from machine_info import machine_summary  # noqa: E402
from options import positive  # noqa: E402

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


def arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=positive, default=150, help="per operation")
    parser.add_argument("--people", type=positive, default=40, help="simulated people")
    parser.add_argument("--sessions", type=positive, default=1500, help="simulated sessions")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis seed")
    parser.add_argument("--no-train", action="store_true", help="serve v1 only (faster)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    return parser.parse_args()


def schemathesis_run(base: str, token: str, options: argparse.Namespace, folder: Path) -> int:
    """One schemathesis run with this token; returns its exit code (0: nothing found)."""
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base}/api/v1/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        str(options.max_examples),
        "--seed",
        str(options.seed),
        # One worker: with two, hypothesis' lambda-source cache can trip over itself (a
        # "recursion depth mismatch" runtime error inside the tool, not an API failure).
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--mode",
        "all",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Token {token}",
        "--report-dir",
        str(folder / "schemathesis-report"),
    ]
    return subprocess.run(command, cwd=folder, check=False).returncode


def main() -> None:
    options = arguments()
    started = time.monotonic()
    site = site_prepare(
        people=options.people,
        sessions=options.sessions,
        postgres=options.postgres,
        train=not options.no_train,
    )
    access_log = site.folder / "access.log"
    server = None
    try:
        server, base = gunicorn_start(
            environment=site.environment, workers=2, threads=4, access_log=access_log
        )
        prepared = time.monotonic() - started
        person_token = next(iter(site.tokens.values()))
        codes = {
            "person": schemathesis_run(base, person_token, options, site.folder),
            "staff": schemathesis_run(base, site.staff_token, options, site.folder),
        }
        gunicorn_stop(server)
        server = None
        lines = access_log.read_text().splitlines()
        statuses = [line.split('" ')[1].split()[0] for line in lines if '" ' in line]
        server_errors = [s for s in statuses if s.startswith("5")]
        print()
        print("schemathesis over /api/v1/ (gunicorn 2 workers x 4 threads)")
        print(f"date             {datetime.now(UTC):%Y-%m-%d %H:%M UTC}")
        print(f"machine          {machine_summary()}; load average {os.getloadavg()}")
        print(f"python           {platform.python_version()}")
        print(f"database         {'PostgreSQL' if options.postgres else 'SQLite'} (scratch)")
        print(f"model            {site.trained or 'none (v1 only)'}")
        print(f"setup            {prepared:.0f} s")
        print(f"requests served  {len(statuses)}")
        print(f"5xx answers      {len(server_errors)}")
        for who, code in codes.items():
            verdict = "no failures" if code == 0 else f"FAILURES (exit code {code})"
            print(f"schemathesis as {who:6} {verdict}")
        print(f"total            {time.monotonic() - started:.0f} s")
        if any(codes.values()) or server_errors or len(statuses) < 1000:
            raise SystemExit(1)
    finally:
        if server is not None:
            gunicorn_stop(server)
        site.cleanup()


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
