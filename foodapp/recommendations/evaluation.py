"""`evaluate food`: offline metrics on held-out logs and online order rates in the simulator.

- Offline: the held-out later part of the log (the test split, with its fixed sampled negatives):
  AUC and log loss of each ranker's scores, nDCG@10 and recall@10 within each logged slate (or a
  positive with its sampled negatives), by slice.
- Online: fresh sessions after the log, per person in time order, served by each ranker through
  the same recommendation pipeline as the app (retrieval, ranking, filters); the simulated people
  order or not from the hidden truth with position bias (foodapp.simulation.online). The oracle
  ranks every dish by the true order probability: the upper bound. Coverage and intra-list
  diversity are measured on the slates served online.

The learned rankers are the active versions of the three food models (or the latest ones).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from foodapp.interactions.example_features import dish_features_by_id, user_features_by_id
from foodapp.interactions.selectors import dish_popularity_counts
from foodapp.recommendations.catalogue import Catalogue, catalogue_build
from foodapp.recommendations.engine import rank
from foodapp.recommendations.rankers import LEARNED_RANKERS, RANKERS
from foodapp.recommendations.request import Filters, Person, RankRequest
from foodapp.recommendations.retrieval import candidates_filter, candidates_retrieve
from foodapp.recommendations.scoring import v1_score
from foodapp.recommendations.selectors import dish_embeddings_aligned
from foodapp.recommendations.training_data import food_test_load
from foodapp.simulation.models import SimulationRun
from foodapp.simulation.online import (
    SESSION_KINDS,
    OnlineRequests,
    OnlineResult,
    SlateFn,
    mean_orders,
    online_evaluate,
    oracle_ranker,
    paired_difference,
)
from foodapp.simulation.selectors import simulation_run_latest, simulation_world
from foodapp.simulation.taste import DEVICES
from foodapp.simulation.world import World
from foodapp.training.models import ModelVersion
from foodapp.training.predictors import predictor_for_version
from recommender.datasets.food import LABEL, MODEL_INPUTS, Columns, event_groups
from recommender.evaluation import (
    catalogue_coverage,
    intra_list_diversity,
    log_loss,
    per_group_ranking_metrics,
    roc_auc,
)

if TYPE_CHECKING:
    from recommender.serving import Predictor

ONLINE_SESSIONS = 4000
ONLINE_DAYS = 7.0
ONLINE_SEED = 2016
SLATE = 10
K = 10
BASELINE = "v2"
ERROR_NO_SIMULATION = "no successful simulation run: run `manage.py simulate` first"
ERROR_NO_MODEL = "model {name!r} has no version: run `manage.py train food` first"
Progress = Callable[[str], None]


class EvaluationUnavailableError(LookupError):
    """Something the evaluation needs is missing (a simulation, a trained model)."""


@dataclass(frozen=True)
class Setup:
    """What an evaluation runs on."""

    run: SimulationRun
    world: World
    catalogue: Catalogue
    predictors: dict[str, Predictor]
    versions: dict[str, str]
    log_end: datetime


def _version_for(model_name: str) -> ModelVersion:
    """The active version of a model, else its latest."""
    versions = ModelVersion.objects.filter(model_name=model_name)
    chosen = (
        versions.filter(state=ModelVersion.State.ACTIVE).first()
        or versions.order_by("-version").first()
    )
    if chosen is None:
        raise EvaluationUnavailableError(ERROR_NO_MODEL.format(name=model_name))
    return chosen


def evaluation_setup() -> Setup:
    """The latest simulation's world, the catalogue as of its end, and the learned models.

    Raises:
        EvaluationUnavailableError: no simulation run, or a food model without any version.
        StaleWorldError: the catalogue changed since the simulation.
    """
    run = simulation_run_latest()
    if run is None:
        raise EvaluationUnavailableError(ERROR_NO_SIMULATION)
    world = simulation_world(run=run)
    log_end = run.period_start + timedelta(days=run.days)
    catalogue = catalogue_build(
        features=dish_features_by_id(),
        popularity=dish_popularity_counts(now=log_end),
        popularity_at=log_end,
    )
    predictors: dict[str, Predictor] = {}
    versions: dict[str, str] = {}
    for key in LEARNED_RANKERS:
        model_name = RANKERS[key].model_name
        assert model_name is not None
        row = _version_for(model_name)
        predictors[key] = predictor_for_version(row)
        versions[key] = f"{model_name}:{row.version}"
    return Setup(run, world, catalogue, predictors, versions, log_end)


# Offline ------------------------------------------------------------------------------------


def v1_scores(columns: Columns) -> np.ndarray:
    """v1's score of logged examples: text match, then popularity (as the app's v1 ranks)."""
    popularity = np.asarray(columns["dish_popularity"], dtype=np.float64)
    top = float(popularity.max()) if len(popularity) else 0.0
    return v1_score(columns["text_match"], popularity, top)


def learned_scores(predictor: Predictor, columns: Columns) -> np.ndarray:
    """A learned model's order probabilities for logged examples, at the logged position 0."""
    inputs = {name: columns[name] for name in MODEL_INPUTS}
    logits = np.asarray(predictor.logits_arrays(inputs), dtype=np.float64)
    return np.asarray(1.0 / (1.0 + np.exp(-logits)))


def offline_slices(world: World, test: Columns, train_users: set[str]) -> dict[str, np.ndarray]:
    """Row masks of the offline slices: head/tail queries, specific/general/feed, new people."""
    queries = [str(q) for q in test["query"]]
    index = {text: i for i, text in enumerate(world.queries.texts)}
    position = np.array([index.get(q, -1) if q else -1 for q in queries])
    searched = np.array([bool(q) for q in queries])
    known = position >= 0
    q = np.maximum(position, 0)
    head = searched & known & world.queries.head[q]
    kind = np.where(searched, np.where(known, world.queries.kind[q], 0), len(SESSION_KINDS) - 1)
    new = np.array([u not in train_users for u in test["user_id"]])
    masks = {"head queries": head, "tail queries": searched & ~head}
    masks.update({f"{name} queries": kind == i for i, name in enumerate(SESSION_KINDS[:-1])})
    masks["home feed"] = ~searched
    masks["new people"] = new
    masks["returning people"] = ~new
    return masks


def offline_metrics(
    labels: np.ndarray, scores: np.ndarray, groups: np.ndarray, probabilities: bool
) -> dict[str, Any]:
    """AUC, log loss (for probabilities), nDCG@10 and recall@10 of one ranker on some rows."""
    if not len(labels):
        return {"auc": None, "logloss": None, "ndcg@10": None, "recall@10": None, "examples": 0}
    both = 0 < labels.mean() < 1
    _, ndcg, recall = per_group_ranking_metrics(groups, labels, scores, k=K)
    return {
        "auc": roc_auc(labels, scores) if both else None,
        "logloss": log_loss(labels, np.clip(scores, 1e-7, 1 - 1e-7)) if probabilities else None,
        "ndcg@10": float(ndcg.mean()) if len(ndcg) else None,
        "recall@10": float(recall.mean()) if len(recall) else None,
        "examples": len(labels),
    }


def offline_evaluate(setup: Setup, *, seed: int = 42) -> dict[str, Any]:
    """Offline metrics of v1-v4 on the test split, overall and by slice."""
    test, train_users = food_test_load(seed=seed)
    labels = np.asarray(test[LABEL], dtype=np.float64)
    groups = event_groups(test)
    scores = {"v1": v1_scores(test)}
    for key, predictor in setup.predictors.items():
        scores[key] = learned_scores(predictor, test)
    masks = offline_slices(setup.world, test, train_users)
    overall = {
        key: offline_metrics(labels, values, groups, probabilities=key != "v1")
        for key, values in scores.items()
    }
    slices = {
        name: {
            key: offline_metrics(labels[mask], values[mask], groups[mask], key != "v1")
            for key, values in scores.items()
        }
        for name, mask in masks.items()
    }
    return {
        "rankers": overall,
        "slices": slices,
        "test_examples": len(labels),
        "retrieval": retrieval_recall(setup, test),
    }


RECALL_SAMPLE = 3000


def retrieval_recall(setup: Setup, test: Columns, *, sample: int = RECALL_SAMPLE) -> dict[str, Any]:
    """The share of held-out orders that retrieval (and the filters) put among the candidates.

    Each held-out positive (an ordered impression, or an order without one) is replayed as the
    request that preceded it: the person's stated profile and recent orders, the query, the hour.
    The person's older history is not in the example, so the history source only sees the
    recent orders: the figure is a lower bound.
    """
    positives = np.flatnonzero(np.asarray(test[LABEL]) == 1)
    if len(positives) > sample:
        positives = np.random.default_rng(0).choice(positives, size=sample, replace=False)
    predictor = setup.predictors.get("v4")
    embeddings = dish_embeddings_aligned(predictor, setup.catalogue) if predictor else None
    found = []
    sizes = []
    for row in positives:
        recent = tuple(int(d) for d in str(test["user_recent_dishes"][row]).split("|") if d)
        person = Person(
            user_id=str(test["user_id"][row]),
            diet=str(test["user_diet"][row]),
            favourite_cuisines=str(test["user_favourite_cuisines"][row]),
            area=str(test["user_area"][row]),
            recent=recent,
            ordered=recent,
        )
        request = RankRequest(
            person=person,
            query=str(test["query"][row]),
            hour=int(test["hour"][row]),
            weekday=int(test["weekday"][row]),
            device=str(test["device"][row]),
        )
        candidates = candidates_filter(
            setup.catalogue,
            candidates_retrieve(setup.catalogue, request, embeddings=embeddings),
            request,
            Filters(),
        )
        ids = setup.catalogue.ids[candidates.positions]
        found.append(int(test["dish_id"][row]) in set(ids.tolist()))
        sizes.append(len(candidates))
    return {
        "recall": float(np.mean(found)) if found else None,
        "orders": len(found),
        "mean_candidates": float(np.mean(sizes)) if sizes else None,
    }


# Online -------------------------------------------------------------------------------------


@dataclass
class _Served:
    """The slates a ranker served online (world dish positions, -1 = empty)."""

    slates: list[np.ndarray]


def engine_ranker(
    setup: Setup, key: str, people: Mapping[int, Mapping[str, str]], served: _Served
) -> SlateFn:
    """A SlateFn that serves each request through the app's own pipeline with ranker `key`."""
    world_ids = [int(d) for d in setup.run.dish_ids]
    world_position = {d: i for i, d in enumerate(world_ids)}
    user_ids = [int(u) for u in setup.run.user_ids]
    predictor = setup.predictors.get(key)
    embeddings = dish_embeddings_aligned(predictor, setup.catalogue) if predictor else None

    def slates(requests: OnlineRequests) -> np.ndarray:
        out = np.full((len(requests), SLATE), -1, dtype=np.int64)
        for row in range(len(requests)):
            user_id = user_ids[int(requests.user[row])]
            features = people.get(user_id, {})
            history = requests.last_order[row]
            ever = np.flatnonzero(history > -np.inf)
            ordered = tuple(world_ids[p] for p in ever[np.argsort(-history[ever])])
            person = Person(
                user_id=str(user_id),
                diet=features.get("user_diet", ""),
                favourite_cuisines=features.get("user_favourite_cuisines", ""),
                area=features.get("user_area", ""),
                recent=tuple(world_ids[p] for p in requests.recent[row]),
                ordered=ordered,
            )
            request = RankRequest(
                person=person,
                query=requests.query_text[row],
                hour=int(requests.hour[row]),
                weekday=int(requests.weekday[row]),
                device=DEVICES[int(requests.device[row])],
            )
            ranking = rank(
                setup.catalogue,
                request,
                ranker=key,
                predictor=predictor,
                embeddings=embeddings,
                k=SLATE,
            )
            chosen = [
                world_position[s.dish_id]
                for s in ranking.suggestions
                if s.dish_id in world_position
            ]
            out[row, : len(chosen)] = chosen
        served.slates.append(out)
        return out

    return slates


def _interval(found: Any) -> tuple[float | None, list[float | None]]:
    """(mean, [low, high]) of an online Interval, None for an empty slice."""
    if not found.sessions:
        return None, [None, None]
    return float(found.mean), [float(found.low), float(found.high)]


def online_slice_masks(result: OnlineResult) -> dict[str, np.ndarray]:
    """Session masks of the online slices."""
    searched = result.kind < len(SESSION_KINDS) - 1
    masks = {
        "head queries": result.head,
        "tail queries": searched & ~result.head,
        "head queries with memorable pairs": result.head & result.memorable,
    }
    masks.update({f"{name} queries": result.kind == i for i, name in enumerate(SESSION_KINDS[:-1])})
    masks["home feed"] = ~searched
    masks["new people"] = result.new_person
    masks["returning people"] = ~result.new_person
    return masks


def online_run(
    setup: Setup, *, sessions: int, days: float, seed: int, progress: Progress | None = None
) -> dict[str, Any]:
    """Serve fresh sessions with every ranker and the oracle; order rates, gains, slices."""
    run, world = setup.run, setup.world
    history = world.simulate(sessions=run.sessions, start=run.period_start, days=run.days)
    people = user_features_by_id(user_ids=[int(u) for u in run.user_ids])
    served = {key: _Served([]) for key in RANKERS}
    rankers: dict[str, SlateFn] = {
        key: engine_ranker(setup, key, people, served[key]) for key in RANKERS
    }
    rankers["oracle"] = oracle_ranker(world, slate_size=SLATE)
    results: dict[str, OnlineResult] = {}
    for name, ranker in rankers.items():
        started = time.perf_counter()
        results.update(
            online_evaluate(
                world,
                history=history,
                sessions=sessions,
                start=setup.log_end.timestamp(),
                days=days,
                rankers={name: ranker},
                seed=seed,
            )
        )
        if progress is not None:
            progress(
                f"online: {name} served {sessions} sessions in {time.perf_counter() - started:.0f}s"
            )
    vectors = _world_vectors(setup)
    overall: dict[str, dict[str, Any]] = {}
    for name, result in results.items():
        rate, ci = _interval(mean_orders(result))
        metrics: dict[str, Any] = {
            "online_order_rate": rate,
            "online_order_rate_ci95": ci,
            "favourite_reorders_per_session": float(result.favourite_reorders.mean()),
        }
        if name in served and served[name].slates:
            slates = [row[row >= 0] for part in served[name].slates for row in part]
            metrics["coverage"] = catalogue_coverage(slates, len(world.dishes))
            metrics["intra_list_diversity"] = intra_list_diversity(slates, vectors)
        if BASELINE in results and name != BASELINE:
            gain, gain_ci = _interval(paired_difference(result, results[BASELINE]))
            metrics["online_gain_vs_v2"], metrics["online_gain_vs_v2_ci95"] = gain, gain_ci
        if name == "v4" and "v3" in results:
            gain, gain_ci = _interval(paired_difference(result, results["v3"]))
            metrics["online_gain_vs_v3"], metrics["online_gain_vs_v3_ci95"] = gain, gain_ci
        overall[name] = metrics
    slices: dict[str, dict[str, Any]] = {}
    for slice_name, mask in online_slice_masks(results["oracle"]).items():
        entry: dict[str, Any] = {"sessions": int(mask.sum()), "rankers": {}}
        for name, result in results.items():
            rate, ci = _interval(mean_orders(result, mask))
            entry["rankers"][name] = {"online_order_rate": rate, "online_order_rate_ci95": ci}
        for first, second in (
            ("v2", "v3"),
            ("v4", "v2"),
            ("v4", "v3"),
            ("v2", "v1"),
            ("v3", "v1"),
            ("v4", "v1"),
        ):
            if first in results and second in results:
                diff, diff_ci = _interval(paired_difference(results[first], results[second], mask))
                entry[f"{first}_minus_{second}"] = {"mean": diff, "ci95": diff_ci}
        slices[slice_name] = entry
    return {"rankers": overall, "slices": slices, "sessions": sessions, "days": days, "seed": seed}


def _world_vectors(setup: Setup) -> np.ndarray:
    """The catalogue's diversity vectors in the world's dish order."""
    rows = [setup.catalogue.positions[int(d)] for d in setup.run.dish_ids]
    return setup.catalogue.vectors[np.asarray(rows, dtype=np.int64)]


# Together -----------------------------------------------------------------------------------


def evaluation_run(
    *,
    sessions: int = ONLINE_SESSIONS,
    days: float = ONLINE_DAYS,
    seed: int = ONLINE_SEED,
    progress: Progress | None = None,
    real_logs: bool = True,
) -> dict[str, Any]:
    """The whole evaluation as one JSON-ready object.

    Args:
        sessions: online sessions served by each ranker.
        days: the online period after the log.
        seed: seeds the online sessions and their common random numbers.
        progress: called with a line of text as parts finish.
        real_logs: also evaluate on the imported UCI restaurant ratings, when present.

    Returns:
        {"rankers": {"v1": {...}, ..., "oracle": {...}}, "slices": {...}, "offline_slices":
        {...}, "real_logs": {...}, "claims": [...], "setup": {...}, "versions": {...}}.
    """
    started = time.perf_counter()
    setup = evaluation_setup()
    offline = offline_evaluate(setup)
    if progress is not None:
        progress(f"offline: {offline['test_examples']} held-out examples scored")
    online = online_run(setup, sessions=sessions, days=days, seed=seed, progress=progress)
    rankers: dict[str, dict[str, Any]] = {}
    for name in (*RANKERS, "oracle"):
        base = offline["rankers"].get(
            name, {"auc": None, "logloss": None, "ndcg@10": None, "recall@10": None}
        )
        rankers[name] = {**base, **online["rankers"].get(name, {})}
    result: dict[str, Any] = {
        "rankers": rankers,
        "slices": online["slices"],
        "offline_slices": offline["slices"],
        "retrieval": offline["retrieval"],
        "versions": setup.versions,
        "setup": {
            "simulation_run": setup.run.pk,
            "people": setup.run.users,
            "logged_sessions": setup.run.sessions,
            "seed": setup.run.seed,
            "online_sessions": sessions,
            "online_days": days,
            "online_seed": seed,
            "test_examples": offline["test_examples"],
            "description": (
                f"simulation #{setup.run.pk}: {setup.run.users:,} people, "
                f"{setup.run.sessions:,} logged sessions (seed {setup.run.seed}); "
                f"{sessions:,} fresh online sessions over {days:g} days"
            ),
        },
    }
    if real_logs:
        from foodapp.recommendations.real_logs import real_logs_evaluate

        result["real_logs"] = real_logs_evaluate(progress=progress)
    result["claims"] = claims(result)
    recall = offline["retrieval"]["recall"]
    if recall is not None:
        result["claims"].append(
            f"Retrieval put {100 * recall:.1f}% of {offline['retrieval']['orders']:,} held-out "
            f"orders among its candidates (about {offline['retrieval']['mean_candidates']:.0f} "
            "per request)."
        )
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _diff_sentence(entry: Mapping[str, Any], key: str, what: str) -> str | None:
    """'v2 minus v3 on <slice>: +0.05 [0.01, 0.09]: above' from a slice entry."""
    found = entry.get(key)
    if not found or found["mean"] is None:
        return None
    low, high = found["ci95"]
    verdict = (
        "the interval is above 0"
        if low is not None and low > 0
        else "the interval is below 0"
        if high is not None and high < 0
        else "the interval includes 0: no difference shown"
    )
    first, second = key.split("_minus_")
    return (
        f"{what}: {first} - {second} = {found['mean']:+.3f} orders per session "
        f"[{_fmt(low)}, {_fmt(high)}]; {verdict}."
    )


def claims(result: Mapping[str, Any]) -> list[str]:
    """Plain sentences about memorization and generalization, built from the numbers only."""
    rankers, slices = result["rankers"], result["slices"]
    out: list[str] = []
    v1, v4, oracle = (rankers.get(k, {}).get("online_order_rate") for k in ("v1", "v4", "oracle"))
    if v1 and v4 and oracle:
        out.append(
            f"Online, v4 wide & deep served {v4:.3f} orders per session: {v4 / v1:.2f}x "
            f"v1 naive matching ({v1:.3f}) and {100 * v4 / oracle:.0f}% of the oracle "
            f"({oracle:.3f})."
        )
    for key in ("v4", "v3", "v1"):
        gain = rankers.get(key, {}).get("online_gain_vs_v2")
        if gain is not None:
            low, high = rankers[key]["online_gain_vs_v2_ci95"]
            out.append(
                f"{key} vs v2 wide, paired over the same sessions: {gain:+.3f} "
                f"[{_fmt(low)}, {_fmt(high)}]."
            )
    v4_v3 = rankers.get("v4", {}).get("online_gain_vs_v3")
    if v4_v3 is not None:
        low, high = rankers["v4"]["online_gain_vs_v3_ci95"]
        out.append(
            f"v4 vs v3 deep, paired over the same sessions: {v4_v3:+.3f} "
            f"[{_fmt(low)}, {_fmt(high)}]."
        )
    for slice_name, key, what in (
        (
            "head queries with memorable pairs",
            "v2_minus_v3",
            "Memorization (head queries with memorable pairs)",
        ),
        ("home feed", "v2_minus_v3", "Memorization (home feed: favourites and reorders)"),
        ("tail queries", "v3_minus_v2", "Generalization (tail queries)"),
        ("new people", "v3_minus_v2", "Generalization (new people)"),
        ("specific queries", "v2_minus_v1", "Specific queries"),
        ("specific queries", "v3_minus_v1", "Specific queries"),
        ("specific queries", "v4_minus_v1", "Specific queries"),
    ):
        entry = dict(slices.get(slice_name, {}))
        if key == "v3_minus_v2" and "v2_minus_v3" in entry:
            found = entry["v2_minus_v3"]
            low, high = found["ci95"]
            entry[key] = {
                "mean": -found["mean"] if found["mean"] is not None else None,
                "ci95": [-high if high is not None else None, -low if low is not None else None],
            }
        sentence = _diff_sentence(entry, key, what)
        if sentence:
            out.append(sentence)
    return out
