"""Benchmark a whole recommendation through the pipeline, on the real and a 100,000-dish catalogue.

Run from the repository root, on a store with a trained history (read only):
    VAR_DIR=/tmp/benchvar python bench/recommend.py [--ranker v4] [--version N]
        [--dishes 100000] [--requests 2000] [--k 10]

Times `engine.rank` (retrieval, filters, ranking, diversification, explanation) on the catalogue
the service builds from the database, then on a generated catalogue of `--dishes` dishes: the
real ones plus variants of them with their own ids, names ("Smoky Fried Chicken (Osaka)"),
prices and popularity, built with `catalogue_build`. The model's vocabulary covers only the real
ids, so the variants are out-of-vocabulary dishes, ranked from their features (and not embedded:
neighbour retrieval finds real dishes only). Requests mix the story's queries, general words,
exact dish names (real and generated), logged queries and the feed, for simulated people and a
guest; a quarter carry a filter, half are diversified, all are explained. People are looked up
once beforehand (`person_for`), so the figures are the pipeline's, without database reads.

Prints p50/p95/p99 in milliseconds per catalogue with the median of each stage, the generated
catalogue's build time and resident memory, the machine and the load average (the machine is
shared). Targets for both catalogues: p50 <= 10 ms, p99 <= 25 ms.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_interactions import memory_kib, mib, peak_reset
from machine_info import load_average
from options import positive
from ranking import (
    GENERAL_QUERIES,
    STORY_QUERIES,
    Timing,
    django_setup,
    figures,
    history_end,
    machine_lines,
    people_sample,
    percentiles,
    ranker_predictor,
    serving_catalogue,
)

if TYPE_CHECKING:
    from foodapp.recommendations.catalogue import Catalogue
    from foodapp.recommendations.request import Filters, Person, RankRequest
    from foodapp.recommendations.retrieval import Candidates
    from recommender.serving import Predictor

TARGETS = {"p50": 10.0, "p99": 25.0}
STYLES = (
    "Classic", "Smoky", "Crispy", "Grandma's", "House", "Street", "Golden", "Double", "Rustic",
    "Royal", "Garden", "Harbour", "Midnight", "Sunday", "Village", "Chef's", "Hearty", "Little",
    "Fiery", "Tender",
)  # fmt: skip
PLACES = (
    "Osaka", "Lisbon", "Oaxaca", "Napoli", "Hanoi", "Lagos", "Austin", "Lyon", "Seoul", "Lima",
    "Tbilisi", "Penang", "Bologna", "Memphis", "Izmir", "Kerala", "Porto", "Sichuan", "Accra",
    "Cork",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One timed request: what the pipeline is asked."""

    request: RankRequest
    filters: Filters
    diversify: bool


def arguments() -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranker", choices=("v1", "v2", "v3", "v4"), default="v4")
    parser.add_argument("--version", type=positive, default=None, help="default: the latest")
    parser.add_argument("--dishes", type=positive, default=100_000, help="generated catalogue")
    parser.add_argument("--requests", type=positive, default=2000, help="timed requests each")
    parser.add_argument("--k", type=positive, default=10)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def generated_features(
    real: Mapping[int, Mapping[str, Any]], total: int, seed: int
) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    """The real dishes plus variants up to `total` dishes, and each variant's base dish.

    A variant has a new id after the real ones, a style and a place in its name, its base's
    price moved by up to 25 % and sometimes an ingredient fewer.
    """
    rng = np.random.default_rng(seed)
    bases = sorted(real)
    features: dict[int, dict[str, Any]] = {d: dict(real[d]) for d in bases}
    base_of: dict[int, int] = {}
    next_id = max(bases) + 1
    for n in range(total - len(bases)):
        base_id = bases[n % len(bases)]
        base = real[base_id]
        variant = n // len(bases)
        style, place = STYLES[variant % len(STYLES)], PLACES[(variant // len(STYLES)) % len(PLACES)]
        ingredients = str(base["dish_ingredients"]).split("|")
        if len(ingredients) > 2 and rng.random() < 0.3:
            ingredients.pop(int(rng.integers(len(ingredients))))
        dish_id = next_id + n
        base_of[dish_id] = base_id
        features[dish_id] = {
            **base,
            "dish_id": str(dish_id),
            "dish_name": f"{style} {base['dish_name']} ({place})",
            "dish_ingredients": "|".join(ingredients),
            "dish_price": round(float(base["dish_price"]) * float(rng.uniform(0.75, 1.25)), 2),
        }
    return features, base_of


def generated_popularity(
    features: Mapping[int, Any], base_of: Mapping[int, int], real: Mapping[int, int], seed: int
) -> dict[int, int]:
    """Real dishes keep their orders; a variant gets a Poisson share of its base dish's."""
    rng = np.random.default_rng(seed + 1)
    variants = sorted(base_of)
    draws = rng.poisson([0.05 * real.get(base_of[d], 0) + 0.1 for d in variants])
    popularity = {d: real.get(d, 0) for d in features if d not in base_of}
    popularity.update({d: int(count) for d, count in zip(variants, draws, strict=True)})
    return popularity


def logged_queries(count: int) -> list[str]:
    """The most frequent queries of the log."""
    from django.db.models import Count

    from foodapp.interactions.models import Event

    rows = (
        Event.objects.exclude(query="")
        .values("query")
        .annotate(n=Count("id"))
        .order_by("-n", "query")[:count]
    )
    return [str(row["query"]) for row in rows]


def cases_mix(
    catalogue: Catalogue,
    people: Sequence[Person],
    logged: Sequence[str],
    *,
    count: int,
    seed: int,
) -> list[Case]:
    """`count` requests: a fifth each of story queries, general words, exact dish names (of
    this catalogue), logged queries and the feed; a quarter filtered, half diversified."""
    from foodapp.interactions.query_text import normalize_query
    from foodapp.recommendations.request import Filters, RankRequest

    rng = np.random.default_rng(seed)
    names = catalogue.column("dish_name")
    filters = (
        Filters(diet=frozenset({"vegetarian"})),
        Filters(course="main"),
        Filters(max_price=15.0),
        Filters(exclude_seen=True),
    )
    cases = []
    for _ in range(count):
        kind = int(rng.integers(5))
        if kind == 0:
            query = str(rng.choice(STORY_QUERIES))
        elif kind == 1:
            query = str(rng.choice(GENERAL_QUERIES))
        elif kind == 2:
            query = str(names[int(rng.integers(len(names)))])
        elif kind == 3:
            query = str(rng.choice(logged)) if logged else ""
        else:
            query = ""
        request = RankRequest(
            person=people[int(rng.integers(len(people)))],
            query=normalize_query(query),
            hour=int(rng.choice((8, 12, 13, 19, 20, 22))),
            weekday=int(rng.integers(7)),
            device=str(rng.choice(("ios", "android", "web", ""))),
        )
        chosen = filters[int(rng.integers(len(filters)))] if rng.random() < 0.25 else Filters()
        cases.append(Case(request=request, filters=chosen, diversify=bool(rng.random() < 0.5)))
    return cases


def timed_catalogue(
    label: str,
    catalogue: Catalogue,
    predictor: Predictor | None,
    cases: Sequence[Case],
    options: argparse.Namespace,
) -> None:
    """Time the pipeline and its stages on one catalogue and print the figures."""
    from foodapp.recommendations.engine import rank
    from foodapp.recommendations.retrieval import text_index
    from foodapp.recommendations.scoring import model_scores
    from foodapp.recommendations.selectors import dish_embeddings_aligned

    began = time.perf_counter()
    embeddings = dish_embeddings_aligned(predictor, catalogue) if predictor is not None else None
    aligned = time.perf_counter() - began
    began = time.perf_counter()
    text_index(catalogue)
    indexed = time.perf_counter() - began
    calls = [
        partial(
            rank,
            catalogue,
            case.request,
            ranker=options.ranker,
            predictor=predictor,
            embeddings=embeddings,
            k=options.k,
            filters=case.filters,
            diversify=case.diversify,
            explain=True,
        )
        for case in cases
    ]
    whole = percentiles(calls, len(calls))
    retrieved = [_retrieve(catalogue, case.request, embeddings, case.filters) for case in cases]
    retrieval = percentiles(
        [partial(_retrieve, catalogue, case.request, embeddings, case.filters) for case in cases],
        len(cases),
    )
    scorings = [
        partial(model_scores, predictor, catalogue, found.positions, case.request, explain=True)
        for case, found in zip(cases, retrieved, strict=True)
        if len(found) and predictor is not None
    ]
    scoring = percentiles(scorings, len(scorings)) if scorings else Timing(0.0, 0.0, 0.0, 0.0)
    sizes = np.array([len(found) for found in retrieved])
    print(
        f"{label}: {len(catalogue):,} dishes, {len(cases):,} requests, candidates p50 "
        f"{np.median(sizes):.0f} (max {sizes.max()}); first use: embeddings aligned in "
        f"{aligned * 1000:.0f} ms, text index in {indexed * 1000:.0f} ms"
    )
    print(
        f"  {figures('whole recommendation', whole)}  (target p50 <= {TARGETS['p50']:g}, "
        f"p99 <= {TARGETS['p99']:g}; load {load_average(all_three=True)})"
    )
    print(f"  {figures('  retrieval + filters', retrieval)}")
    print(f"  {figures('  scoring, explained', scoring)}", flush=True)


def _retrieve(
    catalogue: Catalogue, request: RankRequest, embeddings: np.ndarray | None, filters: Filters
) -> Candidates:
    """Retrieval and filters of one request."""
    from foodapp.recommendations.retrieval import candidates_filter, candidates_retrieve

    found = candidates_retrieve(catalogue, request, embeddings=embeddings)
    return candidates_filter(catalogue, found, request, filters)


def main() -> None:
    """Time the real catalogue, generate and time the big one, print the figures."""
    options = arguments()
    started_load = load_average(all_three=True)
    django_setup()
    from foodapp.interactions.example_features import dish_features_by_id
    from foodapp.interactions.selectors import dish_popularity_counts
    from foodapp.recommendations.catalogue import catalogue_build
    from foodapp.recommendations.rankers import ranker_info

    moment = history_end()
    real = serving_catalogue(moment)
    predictor = (
        ranker_predictor(options.ranker, options.version)
        if ranker_info(options.ranker).model_type
        else None
    )
    people = people_sample(moment, 50, options.seed)
    logged = logged_queries(30)
    version = f"{predictor.name} v{predictor.version}" if predictor is not None else "none"
    print(f"ranker {options.ranker} ({version}), k={options.k}, explained", flush=True)
    timed_catalogue(
        "served catalogue",
        real,
        predictor,
        cases_mix(real, people, logged, count=options.requests, seed=options.seed),
        options,
    )

    features, base_of = generated_features(dish_features_by_id(), options.dishes, options.seed)
    counts = dish_popularity_counts(now=moment)
    popularity = generated_popularity(features, base_of, counts, options.seed)
    del real
    gc.collect()
    reset = peak_reset()
    before = memory_kib("VmRSS")
    began = time.perf_counter()
    big = catalogue_build(features=features, popularity=popularity, popularity_at=moment)
    built = time.perf_counter() - began
    peak = memory_kib("VmHWM") if reset else None
    del features, base_of, popularity
    gc.collect()
    after = memory_kib("VmRSS")
    grown = None if before is None or after is None else after - before
    print(
        f"generated catalogue: {len(big):,} dishes built in {built:.1f}s; resident "
        f"{mib(before)} before, {mib(after)} after (the catalogue: {mib(grown)}), peak "
        f"{mib(peak)} while building",
        flush=True,
    )
    timed_catalogue(
        "generated catalogue",
        big,
        predictor,
        cases_mix(big, people, logged, count=options.requests, seed=options.seed),
        options,
    )
    for line in machine_lines(started_load):
        print(line)


if __name__ == "__main__":
    main()
