"""Benchmark ranking 200 candidates with v4 (wide & deep) in process, as the pipeline scores them.

Run from the repository root, on a store with a trained history (read only):
    VAR_DIR=/tmp/benchvar python bench/ranking.py [--ranker v4] [--version N]
        [--candidates 200] [--repeats 2000]

Builds the serving catalogue from the database, loads the ranker's latest (or given) version and
prepares requests from simulated people and a mix of queries (the story's, general words, dish
names, the feed), each with `--candidates` candidates from retrieval (topped up with popular
dishes). It then times `scoring.model_scores` without explanation, which is what ranking costs:
for a version with the encoded signatures, `request_inputs` (popularity, relevance, the person,
query and context once) and `Predictor.logits_items` (the shared inputs' encoding and the numeric
part of the model on the catalogue's dishes, encoded once); for an older version, the raw path.
The raw path (`model_inputs` + `Predictor.logits_arrays`: the whole SavedModel on raw inputs) is
timed interleaved with it in the same loop, and so is the explained variant of both. It checks
that both paths give the same logits and explanations on every request, and prints p50/p95/p99
in milliseconds, CPU per call, the machine and the load average (the machine is shared).
Target: model_scores p50 <= 2 ms, p99 <= 5 ms for 200 candidates.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from machine_info import load_average, machine_summary  # noqa: E402
from options import positive  # noqa: E402

if TYPE_CHECKING:
    from foodapp.recommendations.catalogue import Catalogue
    from foodapp.recommendations.request import Person, RankRequest
    from recommender.serving import Predictor

STORY_QUERIES = ("fried chicken", "iced decaf latte with nonfat milk", "seafood", "italian food")
GENERAL_QUERIES = ("fast food", "pizza", "noodles", "spicy", "dessert", "coffee", "vegan", "soup")
TARGETS = {"p50": 2.0, "p99": 5.0}


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranker", choices=("v2", "v3", "v4"), default="v4")
    parser.add_argument("--version", type=positive, default=None, help="default: the latest")
    parser.add_argument("--candidates", type=positive, default=200)
    parser.add_argument("--repeats", type=positive, default=2000, help="timed calls per case")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def django_setup() -> None:
    """Set up Django on the store of VAR_DIR (read only), as deployed (DEBUG off)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foodapp.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()


def history_end() -> datetime:
    """Just after the last logged event: the moment the benchmarks serve at."""
    from django.db.models import Max

    from foodapp.interactions.models import Event

    last = Event.objects.aggregate(last=Max("occurred_at"))["last"]
    return (last or datetime.now(tz=UTC)) + timedelta(seconds=1)


def serving_catalogue(moment: datetime) -> Catalogue:
    """The catalogue as the service builds it, with popularity as of `moment`."""
    from foodapp.interactions.example_features import dish_features_by_id
    from foodapp.interactions.selectors import dish_popularity_counts
    from foodapp.recommendations.catalogue import catalogue_build

    return catalogue_build(
        features=dish_features_by_id(),
        popularity=dish_popularity_counts(now=moment),
        popularity_at=moment,
    )


def ranker_predictor(ranker: str, version: int | None) -> Predictor:
    """The ranker's model at `version` (default the latest), loaded from MODELS_DIR."""
    from django.conf import settings

    from foodapp.recommendations.rankers import ranker_info
    from recommender.serving import load_predictor

    name = ranker_info(ranker).model_name
    assert name is not None
    return load_predictor(Path(settings.MODELS_DIR), name, version)


def people_sample(moment: datetime, count: int, seed: int) -> list[Person]:
    """`count` simulated people with at least one order (as `person_for` sees them), and a
    guest."""
    from django.contrib.auth import get_user_model

    from foodapp.interactions.models import Event, EventType
    from foodapp.recommendations.request import Person
    from foodapp.recommendations.selectors import person_for

    ordering = sorted(
        set(
            Event.objects.filter(event_type=EventType.ORDER, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
    )
    rng = np.random.default_rng(seed)
    chosen = rng.choice(ordering, size=min(count, len(ordering)), replace=False)
    users = get_user_model().objects.in_bulk([int(u) for u in chosen])
    return [person_for(user=users[int(u)], now=moment) for u in chosen] + [Person()]


def query_mix(catalogue: Catalogue, count: int, seed: int) -> list[str]:
    """The story's queries, general words, `count` dish names and the feed, normalised."""
    from foodapp.interactions.query_text import normalize_query

    names = catalogue.column("dish_name")
    rng = np.random.default_rng(seed)
    picked = [str(names[p]) for p in rng.choice(len(names), size=count, replace=False)]
    return [normalize_query(q) for q in (*STORY_QUERIES, *GENERAL_QUERIES, *picked, "")]


def requests_mix(people: Sequence[Person], queries: Sequence[str], seed: int) -> list[RankRequest]:
    """One request per query, each for a person, an hour, a weekday and a device drawn at
    random."""
    from foodapp.recommendations.request import RankRequest

    rng = np.random.default_rng(seed)
    devices = ("ios", "android", "web", "")
    return [
        RankRequest(
            person=people[int(rng.integers(len(people)))],
            query=query,
            hour=int(rng.choice((8, 12, 13, 19, 20, 22))),
            weekday=int(rng.integers(7)),
            device=devices[int(rng.integers(len(devices)))],
        )
        for query in queries
    ]


@dataclass(frozen=True)
class Timing:
    """Wall-time percentiles of repeated calls, and the process's CPU time per call (all its
    threads: less sensitive than wall time to other processes on a shared machine)."""

    p50: float
    p95: float
    p99: float
    cpu: float


def percentiles(calls: Sequence[Callable[[], object]], repeats: int) -> Timing:
    """Wall time in ms of `repeats` calls cycling through `calls` (after a warm-up on the first
    50, twice), and the mean CPU ms per call."""
    for call in list(calls[:50]) * 2:
        call()
    times = np.empty(repeats)
    cpu_began = time.process_time()
    for n in range(repeats):
        call = calls[n % len(calls)]
        began = time.perf_counter()
        call()
        times[n] = (time.perf_counter() - began) * 1000
    return timing(times, (time.process_time() - cpu_began) * 1000 / repeats)


def interleaved(
    cases: Mapping[str, Sequence[Callable[[], object]]], repeats: int, block: int = 33
) -> dict[str, Timing]:
    """`percentiles` for several cases at once, in alternating blocks of `block` calls in one
    loop (so that the machine's load falls on each alike, while one case's threads finishing
    their work do not land in the other's timing); the CPU time of each block is its own."""
    for calls in cases.values():
        for call in list(calls[:50]) * 2:
            call()
    times = {label: np.empty(repeats) for label in cases}
    cpu = dict.fromkeys(cases, 0.0)
    for first in range(0, repeats, block):
        for label, calls in cases.items():
            cpu_began = time.process_time()
            for n in range(first, min(first + block, repeats)):
                call = calls[n % len(calls)]
                began = time.perf_counter()
                call()
                times[label][n] = (time.perf_counter() - began) * 1000
            cpu[label] += time.process_time() - cpu_began
    return {label: timing(found, cpu[label] * 1000 / repeats) for label, found in times.items()}


def timing(times: np.ndarray, cpu: float) -> Timing:
    """The percentiles of these wall times (ms) and the CPU ms per call."""
    p50, p95, p99 = (float(np.percentile(times, q)) for q in (50, 95, 99))
    return Timing(p50, p95, p99, cpu)


def largest_difference(one: Sequence[Any], other: Sequence[Any], fields: Sequence[str]) -> float:
    """The largest absolute difference of these Scores fields over all requests."""
    worst = 0.0
    for a, b in zip(one, other, strict=True):
        for name in fields:
            worst = max(worst, float(np.abs(getattr(a, name) - getattr(b, name)).max(initial=0)))
        if a.contributions is not None:
            for key, values in a.contributions.items():
                worst = max(worst, float(np.abs(values - b.contributions[key]).max(initial=0)))
    return worst


def figures(label: str, found: Timing, target: bool = False) -> str:
    """One printed line of percentiles."""
    line = (
        f"{label:<30} p50 {found.p50:6.2f} ms  p95 {found.p95:6.2f} ms  p99 {found.p99:6.2f} ms"
        f"  cpu {found.cpu:5.2f} ms"
    )
    if target:
        line += f"  (target p50 <= {TARGETS['p50']:g}, p99 <= {TARGETS['p99']:g})"
    return line


def machine_lines(started_load: str) -> list[str]:
    """The machine, versions, date and load averages."""
    import tensorflow as tf

    return [
        f"machine  {machine_summary()}",
        f"python   {platform.python_version()}, tensorflow {tf.__version__}",
        f"date     {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC",
        f"load     {started_load} at the start, {load_average(all_three=True)} at the end"
        " (1/5/15 min)",
    ]


def main() -> None:
    """Prepare the catalogue, model and candidates, time scoring, print the figures."""
    options = arguments()
    started_load = load_average(all_three=True)
    django_setup()
    from foodapp.recommendations.rankers import ranker_info
    from foodapp.recommendations.request import Filters
    from foodapp.recommendations.retrieval import candidates_filter, candidates_retrieve
    from foodapp.recommendations.scoring import (
        Scores,
        catalogue_items,
        model_inputs,
        model_scores,
        request_inputs,
    )
    from foodapp.recommendations.selectors import dish_embeddings_aligned

    moment = history_end()
    catalogue = serving_catalogue(moment)
    predictor = ranker_predictor(options.ranker, options.version)
    embeddings = dish_embeddings_aligned(predictor, catalogue)
    requests = requests_mix(
        people_sample(moment, 50, options.seed),
        query_mix(catalogue, 20, options.seed),
        options.seed,
    )
    size = min(options.candidates, len(catalogue))
    prepared: list[tuple[RankRequest, np.ndarray]] = []
    for request in requests:
        found = candidates_filter(
            catalogue,
            candidates_retrieve(catalogue, request, embeddings=embeddings),
            request,
            Filters(),
        )
        positions = np.concatenate([found.positions, catalogue.popular_order])
        _, first = np.unique(positions, return_index=True)
        prepared.append((request, positions[np.sort(first)][:size]))
    encode_began = time.perf_counter()
    items = catalogue_items(predictor, catalogue)
    encode_ms = (time.perf_counter() - encode_began) * 1000
    assert items is not None
    path = (
        "the catalogue's encoded dishes"
        if items.encoded
        else "raw inputs (the version has no encoded signatures)"
    )

    def raw_scores(positions: np.ndarray, request: RankRequest, explain: bool) -> Scores:
        """The raw path: every candidate's raw inputs through the raw signatures."""
        inputs = model_inputs(catalogue, positions, request)
        if not explain:
            return Scores(scores=np.zeros(0), logits=predictor.logits_arrays(inputs))
        parts = predictor.explain_arrays(inputs)
        return Scores(
            scores=np.zeros(0),
            logits=parts["logits"],
            wide=parts["wide_logit"],
            deep=parts["deep_logit"],
            bias=parts["wide_bias"],
            contributions=parts["contributions"],
        )

    def scoring(explain: bool, raw: bool = False) -> list[Callable[[], Any]]:
        if raw:
            return [
                partial(raw_scores, positions, request, explain) for request, positions in prepared
            ]
        return [
            partial(model_scores, predictor, catalogue, positions, request, explain=explain)
            for request, positions in prepared
        ]

    plain_difference = largest_difference(
        [call() for call in scoring(False)],
        [call() for call in scoring(False, raw=True)],
        ["logits"],
    )
    explained_difference = largest_difference(
        [call() for call in scoring(True)],
        [call() for call in scoring(True, raw=True)],
        ["logits", "wide", "deep", "bias"],
    )
    ranking = interleaved({"new": scoring(False), "raw": scoring(False, raw=True)}, options.repeats)
    built = percentiles(
        [partial(request_inputs, catalogue, positions, request) for request, positions in prepared],
        options.repeats,
    )
    inputs = [request_inputs(catalogue, positions, request) for request, positions in prepared]
    graph = percentiles(
        [
            partial(predictor.logits_items, items, positions, found)
            for (_, positions), found in zip(prepared, inputs, strict=True)
        ],
        options.repeats,
    )
    explained = interleaved(
        {"new": scoring(True), "raw": scoring(True, raw=True)}, max(200, options.repeats // 4)
    )
    info = ranker_info(options.ranker)
    print(
        f"model    {predictor.name} v{predictor.version} ({info.title}), "
        f"{len(catalogue)} dishes, {size} candidates, {len(prepared)} requests cycled, "
        f"{options.repeats} timed calls"
    )
    print(f"path     model_scores ranks {path}; encoding the catalogue took {encode_ms:.0f} ms")
    print(figures("model_scores (ranking)", ranking["new"], target=True))
    print(figures("  of which request_inputs", built))
    print(figures("  of which logits_items", graph))
    print(figures("raw path (interleaved)", ranking["raw"]))
    print(figures("model_scores with explanation", explained["new"]))
    print(figures("raw path with explanation", explained["raw"]))
    print(
        f"same     largest |difference| to the raw path over the {len(prepared)} requests: "
        f"logits {plain_difference:.2g}, explanations {explained_difference:.2g}"
    )
    for line in machine_lines(started_load):
        print(line)


if __name__ == "__main__":
    main()
