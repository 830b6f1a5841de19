"""Benchmark ranking 200 candidates with v4 (wide & deep) in process, as the pipeline scores them.

Run from the repository root, on a store with a trained history (read only):
    VAR_DIR=/tmp/benchvar python bench/ranking.py [--ranker v4] [--version N]
        [--candidates 200] [--repeats 2000]

Builds the serving catalogue from the database, loads the ranker's latest (or given) version and
prepares requests from simulated people and a mix of queries (the story's, general words, dish
names, the feed), each with `--candidates` candidates from retrieval (topped up with popular
dishes). It then times `scoring.model_scores` without explanation, which is what ranking costs:
`model_inputs` (the raw inputs of every candidate) and `Predictor.logits_arrays` (one call of the
SavedModel). Prints p50/p95/p99 in milliseconds for that and for its parts, the explained variant
(`explain_arrays`), the machine and the load average (the machine is shared).
Target: model_scores p50 <= 2 ms, p99 <= 5 ms for 200 candidates.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
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
    cpu = (time.process_time() - cpu_began) * 1000 / repeats
    p50, p95, p99 = (float(np.percentile(times, q)) for q in (50, 95, 99))
    return Timing(p50, p95, p99, cpu)


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
    from foodapp.recommendations.scoring import model_inputs, model_scores
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
    inputs = [model_inputs(catalogue, positions, request) for request, positions in prepared]

    def scoring(explain: bool) -> list[Callable[[], Any]]:
        return [
            partial(model_scores, predictor, catalogue, positions, request, explain=explain)
            for request, positions in prepared
        ]

    whole = percentiles(scoring(False), options.repeats)
    built = percentiles(
        [partial(model_inputs, catalogue, positions, request) for request, positions in prepared],
        options.repeats,
    )
    graph = percentiles([partial(predictor.logits_arrays, i) for i in inputs], options.repeats)
    explained = percentiles(scoring(True), max(200, options.repeats // 4))
    info = ranker_info(options.ranker)
    print(
        f"model    {predictor.name} v{predictor.version} ({info.title}), "
        f"{len(catalogue)} dishes, {size} candidates, {len(prepared)} requests cycled, "
        f"{options.repeats} timed calls"
    )
    print(figures("model_scores (ranking)", whole, target=True))
    print(figures("  of which model_inputs", built))
    print(figures("  of which logits_arrays", graph))
    print(figures("model_scores with explanation", explained))
    for line in machine_lines(started_load):
        print(line)


if __name__ == "__main__":
    main()
