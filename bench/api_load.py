"""Load on GET /api/v1/recommendations/ under gunicorn: p50, p99, requests/s and errors.

Run from the repository root:
    python bench/api_load.py [--people 2000] [--sessions 40000] [--workers 2] [--threads 4]
        [--connections 16 64] [--cold-seconds 6] [--warm-seconds 20] [--rate 300]
        [--cold-rate 60] [--postgres] [--no-impressions]

It prepares a throwaway site (bench/api_site.py: the shipped catalogue, `--people` simulated
people with their sessions and an API token each, the wide & deep model trained and active),
starts gunicorn (`--workers` x `--threads`, sized for this 2-core machine) and loads the
recommendations of every person, each with their own token, with wrk (Debian's package `wrk`;
one keep-alive connection per connection, requests from a plan file through api_load.lua), a
separate process written in C that takes little of the CPU the server needs. With REDIS_URL set
the suggestion cache is Redis, shared by the workers; otherwise each worker has its own memory
cache.

For each connection count, two kinds of request (the "for you" feed, and a query: one of the
story's searches per person) and two cache states:
- cold: the suggestion cache is emptied, then people are asked once each for `--cold-seconds`
  (every answer computed; the plan has more people than that time can serve);
- warm: after a pass that asks every person once, the same requests over and over for
  `--warm-seconds` (answers from the cache).
Each row counts the answers that said "cached": none in a cold row, nearly all in a warm one.
Every list is logged as impressions, as a real client's would be, unless --no-impressions.
Each row also gives the CPU time the gunicorn workers used per request (from /proc), which other
processes on a shared machine move far less than they move latency.

Each of those runs twice: saturated (each connection sends its next request as soon as the answer
is in: the most the server can answer, and latency that is mostly queueing, connections /
throughput on average) and paced (each connection waits a random, exponentially distributed
pause after each answer, like a client with think time, so that the connections offer about
`--rate` requests/s warm and `--cold-rate` cold: the latency a client sees at that load). The
targets pair a latency with a rate, so they are read on the paced rows, with the saturated rows
beside them: warm p99 <= 50 ms at >= 200 requests/s; cold p99 <= 150 ms; 0 errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
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
from machine_info import load_average, machine_summary  # noqa: E402
from options import positive  # noqa: E402

QUERIES = ("fried chicken", "spicy noodles", "vegan burger", "pizza", "sushi", "pho", "curry")
PATH = "/api/v1/recommendations/"
WRK_SCRIPT = BENCH / "api_load.lua"
WRK_THREADS = 1  # one epoll loop keeps up with thousands of requests/s and leaves the cores free


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=positive, default=2000)
    parser.add_argument("--sessions", type=positive, default=40_000, help="simulated sessions")
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=positive, default=4, help="threads per worker")
    parser.add_argument("--connections", type=positive, nargs="+", default=[16, 64])
    parser.add_argument("--cold-seconds", type=positive, default=6)
    parser.add_argument("--warm-seconds", type=positive, default=20)
    parser.add_argument(
        "--rate", type=positive, default=300, help="requests/s the paced warm rows offer"
    )
    parser.add_argument(
        "--cold-rate", type=positive, default=60, help="requests/s the paced cold rows offer"
    )
    parser.add_argument("--k", type=positive, default=10, help="suggestions per request")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--no-impressions", action="store_true", help="record_impressions=false")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the client process -----------------------------------------------------------------------


def client_main() -> None:
    """Read a plan on stdin, send it with N connections, print latencies and errors as JSON
    (the unmeasured passes: warming the workers up and filling the cache)."""
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
    offered: int  # requests/s the paced row offers; 0 for a saturated row
    server_cpu_ms: float  # CPU time of the gunicorn workers per request (all their threads)
    requests: int
    p50_ms: float
    p99_ms: float
    per_second: float
    errors: int
    cached: int
    exhausted: bool


def send_each_once(base: str, requests: list[tuple[str, str]], connections: int) -> None:
    """Send these requests once each from a separate Python client process (not measured)."""
    plan = json.dumps({"base": base, "requests": requests, "connections": connections})
    answer = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--client"],
        input=plan,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    errors = json.loads(answer.stdout)["errors"]
    if errors:
        raise SystemExit(f"{len(errors)} errors in an unmeasured pass, the first: {errors[0]}")


def wrk_load(
    *,
    base: str,
    requests: list[tuple[str, str]],
    connections: int,
    seconds: int,
    cycle: bool,
    rate: int = 0,
) -> dict[str, Any]:
    """Load the server with wrk for `seconds`: each request of the plan once, or over and over;
    back to back (rate 0) or paced to offer about `rate` requests/s over all connections."""
    pause_ms = 1000 * connections / rate if rate else 0
    with tempfile.TemporaryDirectory(prefix="api-load-") as folder:
        plan = Path(folder) / "plan.tsv"
        plan.write_text("".join(f"{path}\t{token}\n" for path, token in requests))
        answer = subprocess.run(
            [
                "wrk",
                f"-t{WRK_THREADS}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(WRK_SCRIPT),
                f"{base}{PATH}",
                "--",
                str(plan),
                "cycle" if cycle else "once",
                f"{pause_ms:.3f}",
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "WRK_THREADS": str(WRK_THREADS)},
        )
    figures = [line for line in answer.stdout.splitlines() if line.startswith("{")]
    if not figures:
        raise SystemExit(f"wrk printed no figures:\n{answer.stdout}\n{answer.stderr}")
    return dict(json.loads(figures[-1]))


def workers_cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system, all threads) the gunicorn workers of `server` have used
    (Linux /proc): a figure that, unlike latency, other processes on the machine hardly move."""
    listed = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    total = 0.0
    for pid in listed:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def summary(
    name: str, connections: int, offered: int, figures: dict[str, Any], server_cpu: float
) -> Result:
    """p50/p99 in ms, requests per second, errors and cached answers of one wrk run."""
    errors = sum(
        int(figures[field])
        for field in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return Result(
        name=name,
        connections=connections,
        offered=offered,
        server_cpu_ms=1000 * server_cpu / max(int(figures["requests"]), 1),
        requests=int(figures["requests"]),
        p50_ms=float(figures["p50_us"]) / 1000,
        p99_ms=float(figures["p99_us"]) / 1000,
        per_second=int(figures["requests"]) / (int(figures["microseconds"]) / 1e6),
        errors=errors,
        cached=int(figures["cached"]),
        exhausted=bool(figures["exhausted_threads"]),
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
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian's package)")
    started = datetime.now(UTC)
    site = site_prepare(
        people=options.people, sessions=options.sessions, postgres=options.postgres, train=True
    )
    tokens = list(site.tokens.values())[: options.people]
    server = None
    results: list[Result] = []
    load_before = ""
    try:
        server, base = gunicorn_start(
            environment=site.environment, workers=options.workers, threads=options.threads
        )
        prepared = (datetime.now(UTC) - started).total_seconds()
        # Every worker loads the model and the catalogue before the clock starts.
        warm_up = request_list(tokens[:50], query=True, k=options.k, impressions=False)
        send_each_once(base, warm_up * 4, options.workers * options.threads)
        load_before = load_average()
        impressions = not options.no_impressions
        for connections in options.connections:
            for query in (False, True):
                kind = "query" if query else "feed"
                requests = request_list(tokens, query=query, k=options.k, impressions=impressions)
                for state, seconds, rate in (
                    ("cold", options.cold_seconds, 0),
                    ("cold", options.cold_seconds, options.cold_rate),
                    ("warm", options.warm_seconds, 0),
                    ("warm", options.warm_seconds, options.rate),
                ):
                    cache_empty()
                    if state == "warm":
                        send_each_once(base, requests, connections)  # every person's list cached
                    cpu_before = workers_cpu_seconds(server)
                    figures = wrk_load(
                        base=base,
                        requests=requests,
                        connections=connections,
                        seconds=seconds,
                        cycle=state == "warm",
                        rate=rate,
                    )
                    server_cpu = workers_cpu_seconds(server) - cpu_before
                    results.append(
                        summary(f"{kind} {state}", connections, rate, figures, server_cpu)
                    )
                for done in results[-4:]:
                    print(f"done: {done}", file=sys.stderr, flush=True)
    finally:
        if server is not None:
            gunicorn_stop(server)
        site.cleanup()
    total = (datetime.now(UTC) - started).total_seconds()
    report(options, results, prepared, total, load_before)


def report(
    options: argparse.Namespace,
    results: list[Result],
    prepared: float,
    total: float,
    load_before: str,
) -> None:
    """Print the figures as a Markdown table with the setting."""
    redis = os.environ.get("REDIS_URL", "")
    print()
    print("GET /api/v1/recommendations/ under gunicorn, loaded by wrk")
    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine     {machine_summary()}; python {platform.python_version()}")
    print(f"load avg    {load_before} before the first row, {load_average()} after the last")
    print(
        f"server      gunicorn {options.workers} workers x {options.threads} threads (gthread); "
        f"{'PostgreSQL' if options.postgres else 'SQLite'}; suggestion cache "
        f"{'Redis' if redis else 'memory per worker'}; ranker v4 (food_wide_deep)"
    )
    print(
        f"people      {options.people} distinct, k={options.k}, impressions "
        f"{'not ' if options.no_impressions else ''}recorded; cold rows {options.cold_seconds} s, "
        f"warm rows {options.warm_seconds} s; paced rows offer {options.cold_rate} (cold) and "
        f"{options.rate} (warm) requests/s; setup {prepared:.0f} s, total {total:.0f} s"
    )
    print()
    print(
        "| requests | cache | connections | load | sent | cached | p50 ms | p99 ms | req/s "
        "| server CPU ms/req | errors |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        kind, state = r.name.split()
        load = f"paced {r.offered}/s" if r.offered else "saturated"
        print(
            f"| {kind} | {state} | {r.connections} | {load} | {r.requests} | {r.cached} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.per_second:.0f} | {r.server_cpu_ms:.2f} | "
            f"{r.errors} |"
        )
    for r in results:
        if r.exhausted and r.name.endswith("cold"):
            print(
                f"note: {r.name} at {r.connections} connections "
                f"({'paced' if r.offered else 'saturated'}) ran out of people before its time "
                "was up: its requests/s is a lower bound (use more --people)"
            )


if __name__ == "__main__":
    os.chdir(ROOT)
    if "--client" in sys.argv:
        client_main()
    else:
        main()
