"""An A/B test in the simulator, through the real assignment and the real event log.

The online sessions of `evaluate food` (same world, seed and common random numbers) are served by
a running A/B test: each request is ranked by the arm `served_version_for_person` gives the
person, each slate is logged with `impressions_record`, each simulated order with
`order_from_suggestion_record`; the per-arm figures then come from the log
(`experiment_arms_report`). Compared with the evaluation's paired online difference of the same
two rankers, the A/B test should find the same difference within its (wider) interval.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from foodapp.interactions.example_features import user_features_by_id
from foodapp.recommendations.engine import Ranking, Suggestion
from foodapp.recommendations.evaluation import (
    SLATE,
    Setup,
    _Served,
    engine_ranker,
)
from foodapp.recommendations.rankers import RANKERS
from foodapp.recommendations.services import impressions_record, order_from_suggestion_record
from foodapp.simulation.online import (
    Interval,
    OnlineRequests,
    OnlineResult,
    online_evaluate,
    paired_difference,
)
from foodapp.training.experiments import (
    ArmsReport,
    experiment_arms_report,
    served_version_for_person,
)
from foodapp.training.models import Experiment


@dataclass(frozen=True)
class SimulatedAB:
    """What the A/B test logged, and the offline evaluation's paired difference to compare."""

    report: ArmsReport
    ab: OnlineResult
    arm_of_session: np.ndarray  # the ranker key of each online session
    ab_users: np.ndarray  # the world's person index of each online session
    offline_difference: Interval  # treatment's ranker minus control's, paired


def _subset(requests: OnlineRequests, rows: np.ndarray) -> OnlineRequests:
    """The requests at `rows`."""
    return dataclasses.replace(
        requests,
        session=requests.session[rows],
        user=requests.user[rows],
        query=requests.query[rows],
        query_text=[requests.query_text[i] for i in rows],
        time=requests.time[rows],
        hour=requests.hour[rows],
        weekday=requests.weekday[rows],
        device=requests.device[rows],
        recent=[requests.recent[i] for i in rows],
        last_order=requests.last_order[rows],
    )


def ab_simulate(
    *, setup: Setup, experiment: Experiment, sessions: int, days: float, seed: int
) -> SimulatedAB:
    """Serve `sessions` online sessions through the running `experiment` and log them.

    Args:
        setup: the evaluation's world, catalogue and predictors (`evaluation_setup`); its
            rankers' versions must be the experiment's arms.
        experiment: a running A/B test of the food model of one ranker against another's.
        sessions: online sessions.
        days: the online period.
        seed: seeds the sessions and their random numbers (as `evaluate food --seed`).

    Returns:
        The per-arm report from the log, the A/B run's per-session result and which ranker
        served each session, and the paired difference of the two rankers over the same
        sessions.
    """
    run, world = setup.run, setup.world
    history = world.simulate(sessions=run.sessions, start=run.period_start, days=run.days)
    people = user_features_by_id(user_ids=[int(u) for u in run.user_ids])
    key_of_model = {info.model_name: key for key, info in RANKERS.items() if info.model_name}
    control_key = key_of_model[experiment.control.model_name]
    treatment_key = key_of_model[experiment.treatment.model_name]
    arms = {
        key: engine_ranker(setup, key, people, _Served([])) for key in (control_key, treatment_key)
    }
    user_ids = [int(u) for u in run.user_ids]
    dish_ids = [int(d) for d in run.dish_ids]
    arm_of_session = np.full(sessions, "", dtype=object)
    user_of_session: dict[int, int] = {}
    model_name = experiment.model_name
    prefix = f"ab-{experiment.pk}-"

    def ab_slates(requests: OnlineRequests) -> np.ndarray:
        keys = []
        for user in requests.user.tolist():
            served = served_version_for_person(model_name=model_name, person_id=str(user_ids[user]))
            assert served is not None
            keys.append(key_of_model[served.model_name])
        keys_array = np.asarray(keys, dtype=object)
        out = np.full((len(requests), SLATE), -1, dtype=np.int64)
        for key, ranker in arms.items():
            rows = np.flatnonzero(keys_array == key)
            if len(rows):
                out[rows] = ranker(_subset(requests, rows))
        for row, session in enumerate(requests.session.tolist()):
            arm_of_session[session] = keys[row]
            user_of_session[session] = int(requests.user[row])
            _log_impressions(
                out[row],
                key=keys[row],
                predictor_version=setup.predictors[keys[row]].version,
                user_id=user_ids[int(requests.user[row])],
                session_id=f"{prefix}{session}",
                dish_ids=dish_ids,
            )
        return out

    def log_orders(wave: np.ndarray, slate: np.ndarray, ordered: np.ndarray) -> None:
        for row, slot in zip(*np.nonzero(ordered), strict=True):
            session = int(wave[row])
            order_from_suggestion_record(
                user_id=user_ids[user_of_session[session]],
                dish_id=dish_ids[int(slate[row, slot])],
                session_id=f"{prefix}{session}",
            )

    common: dict[str, Any] = {
        "history": history,
        "sessions": sessions,
        "start": setup.log_end.timestamp(),
        "days": days,
        "seed": seed,
    }
    ab = online_evaluate(world, rankers={"ab": ab_slates}, on_outcome=log_orders, **common)
    paired = online_evaluate(world, rankers=arms, **common)
    return SimulatedAB(
        report=experiment_arms_report(experiment=experiment),
        ab=ab["ab"],
        arm_of_session=arm_of_session,
        ab_users=np.asarray([user_of_session.get(i, -1) for i in range(sessions)]),
        offline_difference=paired_difference(paired[treatment_key], paired[control_key]),
    )


def _log_impressions(
    slate: np.ndarray,
    *,
    key: str,
    predictor_version: int,
    user_id: int,
    session_id: str,
    dish_ids: list[int],
) -> None:
    """Log one served slate as the person's impressions, with its ranker and version."""
    positions = [int(p) for p in slate if p >= 0]
    if not positions:
        return
    ranking = Ranking(
        suggestions=tuple(
            Suggestion(rank=i + 1, dish_id=dish_ids[p], score=0.0, source="ab")
            for i, p in enumerate(positions)
        ),
        ranker=key,
        model_name=RANKERS[key].model_name,
        version=predictor_version,
        candidates=len(positions),
    )
    impressions_record(user_id=user_id, ranking=ranking, session_id=session_id)
