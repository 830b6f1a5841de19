"""Load on GET /api/v1/recommendations/ under gunicorn: p50, p99, requests/s and errors.

Run from the repository root:
    python bench/api_load.py [--people 1000] [--sessions 20000] [--workers 2] [--threads 4]
        [--connections 16 64] [--warm-passes 3] [--postgres] [--no-impressions]

It prepares a throwaway site (bench/api_site.py: the shipped catalogue, `--people` simulated
people with their sessions and an API token each, the wide & deep model trained and active),
starts gunicorn (`--workers` x `--threads`, sized for this 2-core machine) and loads the
recommendations of every person, each with their own token, from a separate client process (one
thread and one keep-alive connection per connection). With REDIS_URL set the suggestion cache is
Redis, shared by the workers; otherwise each worker has its own memory cache.

For each connection count, two kinds of request (the "for you" feed, and a query: one of the
story's searches per person) and two cache states:
- cold: the suggestion cache is emptied, then every person is asked once (every answer computed);
- warm: after one pass that fills it, `--warm-passes` passes over every person (every answer
  from the cache).
Every list is logged as impressions, as a real client's would be, unless --no-impressions.
Targets: warm p99 <= 50 ms and >= 200 requests/s; cold p99 <= 150 ms; 0 errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from api_site import ROOT, gunicorn_start, gunicorn_stop, site_prepare  # noqa: E402
from machine_info import machine_summary  # noqa: E402
from options import positive  # noqa: E402

QUERIES = ("fried chicken", "spicy noodles", "vegan burger", "pizza", "sushi", "pho", "curry")
PATH = "/api/v1/recommendations/"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=positive, default=1000)
    parser.add_argument("--sessions", type=positive, default=20_000, help="simulated sessions")
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=positive, default=4, help="threads per worker")
    parser.add_argument("--connections", type=positive, nargs="+", default=[16, 64])
    parser.add_argument("--warm-passes", type=positive, default=3)
    parser.add_argument("--k", type=positive, default=10, help="suggestions per request")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--no-impressions", action="store_true", help="record_impressions=false")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the client process -----------------------------------------------------------------------


def client_main() -> None:
    """Read a plan on stdin, send it with N connections, print latencies and errors as JSON."""
    plan = json.load(sys.stdin)
    base = urlsplit(plan["base"])
    requests: list[tuple[str, str]] = [(r[0], r[1]) for r in plan["requests"]]
    connections = int(plan["connections"])
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    position = iter(range(len(requests)))

    def worker() -> None:
        connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
        mine: list[float] = []
        failed: list[str] = []
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                break
            path, token = requests[index]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Authorization": f"Token {token}"})
                answer = connection.getresponse()
                body = answer.read()
                if answer.status != 200:
                    failed.append(f"{answer.status} {body[:120]!r}")
            except (OSError, http.client.HTTPException) as error:
                failed.append(f"{type(error).__name__}: {error}")
                connection.close()
                connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    json.dump({"latencies": latencies, "errors": errors, "seconds": seconds}, sys.stdout)


# --- the driver -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """The figures of one scenario."""

    name: str
    connections: int
    requests: int
    p50_ms: float
    p99_ms: float
    per_second: float
    errors: int
    first_error: str


def load(base: str, requests: list[tuple[str, str]], connections: int) -> dict[str, Any]:
    """Send these requests from a separate client process; return its figures."""
    plan = json.dumps({"base": base, "requests": requests, "connections": connections})
    answer = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--client"],
        input=plan,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(answer.stdout))


def summary(name: str, connections: int, figures: dict[str, Any]) -> Result:
    """p50/p99 in ms, requests per second and errors of one run."""
    latencies = sorted(figures["latencies"])
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(
        name=name,
        connections=connections,
        requests=len(latencies),
        p50_ms=1000 * statistics.median(latencies),
        p99_ms=1000 * quantiles[98],
        per_second=len(latencies) / figures["seconds"],
        errors=len(figures["errors"]),
        first_error=figures["errors"][0] if figures["errors"] else "",
    )


def request_list(
    tokens: list[str], *, query: bool, k: int, impressions: bool
) -> list[tuple[str, str]]:
    """One request per person: their feed, or one of the story's searches."""
    requests = []
    for index, token in enumerate(tokens):
        params: dict[str, Any] = {"k": k}
        if query:
            params["q"] = QUERIES[index % len(QUERIES)]
        if not impressions:
            params["record_impressions"] = "false"
        requests.append((f"{PATH}?{urlencode(params)}", token))
    return requests


def cache_empty() -> None:
    """Empty the suggestion cache the server uses (Redis: only its own database)."""
    from django.core.cache import cache

    cache.clear()


def main() -> None:
    options = arguments()
    started = time.monotonic()
    site = site_prepare(
        people=options.people, sessions=options.sessions, postgres=options.postgres, train=True
    )
    tokens = list(site.tokens.values())[: options.people]
    server = None
    results: list[Result] = []
    try:
        server, base = gunicorn_start(
            environment=site.environment, workers=options.workers, threads=options.threads
        )
        prepared = time.monotonic() - started
        # Every worker loads the model and the catalogue before the clock starts.
        warm_up = request_list(tokens[:50], query=True, k=options.k, impressions=False)
        load(base, warm_up * 4, options.workers * options.threads)
        impressions = not options.no_impressions
        for connections in options.connections:
            for query in (False, True):
                kind = "query" if query else "feed"
                requests = request_list(tokens, query=query, k=options.k, impressions=impressions)
                cache_empty()
                results.append(
                    summary(f"{kind} cold", connections, load(base, requests, connections))
                )
                passes = requests * options.warm_passes
                results.append(
                    summary(f"{kind} warm", connections, load(base, passes, connections))
                )
                for done in results[-2:]:
                    print(f"done: {done}", file=sys.stderr, flush=True)
    finally:
        if server is not None:
            gunicorn_stop(server)
        site.cleanup()
    report(options, results, prepared, time.monotonic() - started)


def report(
    options: argparse.Namespace, results: list[Result], prepared: float, total: float
) -> None:
    """Print the figures as a Markdown table with the setting."""
    redis = os.environ.get("REDIS_URL", "")
    print()
    print("GET /api/v1/recommendations/ under gunicorn")
    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine     {machine_summary()}; python {platform.python_version()}")
    print(f"load avg    {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after the run)")
    print(
        f"server      gunicorn {options.workers} workers x {options.threads} threads (gthread); "
        f"{'PostgreSQL' if options.postgres else 'SQLite'}; suggestion cache "
        f"{'Redis' if redis else 'memory per worker'}; ranker v4 (food_wide_deep)"
    )
    print(
        f"people      {options.people} distinct, k={options.k}, impressions "
        f"{'not ' if options.no_impressions else ''}recorded; setup {prepared:.0f} s, "
        f"total {total:.0f} s"
    )
    print()
    print("| requests | cache | connections | sent | p50 ms | p99 ms | req/s | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        kind, state = r.name.split()
        print(
            f"| {kind} | {state} | {r.connections} | {r.requests} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.per_second:.0f} | {r.errors} |"
        )
    for r in results:
        if r.errors:
            print(f"first error ({r.name}, {r.connections}): {r.first_error}")


if __name__ == "__main__":
    os.chdir(ROOT)
    if "--client" in sys.argv:
        client_main()
    else:
        main()
