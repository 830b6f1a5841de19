"""A/B tests between model versions: start, assign people to arms, end keeping a version, and the
per-arm figures from the event log.

Assignment is sticky: a person's arm is a function of the experiment id and the person's id
(SHA-256, not Python's per-process `hash()`), the same in every process and after restarts.
Requests for the experiment's model are answered by the person's arm; guests get the control.
Each impression and order carries the version that placed the dish (Event.model_version, e.g.
"food_wide_deep:7", and Event.ranker), which is how the log tells the arms apart.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from foodapp.training.models import Experiment, ModelVersion
from foodapp.training.served import SERVED, ServedExperiment, ServedVersion
from foodapp.training.version_stamp import version_stamp_bump
from recommender.evaluation import difference_ci95, mean_ci95

logger = logging.getLogger(__name__)

CONTROL = "control"
TREATMENT = "treatment"
ERROR_SHARE = "treatment_share: must be between 0 and 1 (exclusive), not {value!r}"
ERROR_SAME_VERSION = "treatment: must be another version than the control"
ERROR_CONTROL_NOT_ACTIVE = (
    "control: {version} is not the served version of {model}; activate it first or pick the "
    "active one as the control"
)
ERROR_ALREADY_RUNNING = "{model} already has a running A/B test (#{experiment_id}); end it first"
ERROR_TREATMENT_UNUSABLE = "treatment: {version} cannot be served: {reason}"
ERROR_ENDED = "A/B test #{experiment_id} has already ended"
ERROR_CHOSEN = "chosen: must be the control or the treatment of A/B test #{experiment_id}"
VERDICT_NONE = "no verdict yet: the interval of the difference includes 0"
VERDICT_TREATMENT = "the treatment wins: its order rate is higher (the interval excludes 0)"
VERDICT_CONTROL = "the control wins: its order rate is higher (the interval excludes 0)"


class ExperimentError(ValueError):
    """An A/B test cannot be started or ended as asked; the message says why."""


def version_label(version: ModelVersion | ServedVersion) -> str:
    """How the event log names a version: "<model>:<number>" (Event.model_version)."""
    return f"{version.model_name}:{version.version}"


# Assignment -------------------------------------------------------------------------------------


def arm_for(*, experiment_id: int, person_id: str, treatment_share: float) -> str:
    """The arm of one person in one experiment: CONTROL or TREATMENT, the same every time.

    Args:
        experiment_id: the experiment.
        person_id: a stable id of the person (their user id as text); "" (a guest) is control.
        treatment_share: the fraction of people in the treatment.

    Returns:
        CONTROL or TREATMENT.
    """
    if not person_id:
        return CONTROL
    digest = hashlib.sha256(f"experiment:{experiment_id}:person:{person_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64  # uniform in [0, 1)
    return TREATMENT if position < treatment_share else CONTROL


def served_version_for_person(*, model_name: str, person_id: str) -> ServedVersion | None:
    """The version that answers `person_id`'s requests for `model_name`: their arm's when an A/B
    test of the model is running, else the active one (None when there is none).

    Reads only the process's snapshot (no database query once it is loaded).
    """
    snapshot = SERVED.current()
    experiment = snapshot.experiments.get(model_name)
    if experiment is None:
        return snapshot.active.get(model_name)
    arm = arm_for(
        experiment_id=experiment.experiment_id,
        person_id=person_id,
        treatment_share=experiment.treatment_share,
    )
    return experiment.treatment if arm == TREATMENT else experiment.control


def experiments_running_served(
    *, versions: Mapping[tuple[str, int], ServedVersion]
) -> dict[str, ServedExperiment]:
    """The running experiments by model name, their arms taken from `versions` (one query)."""
    running: dict[str, ServedExperiment] = {}
    rows = Experiment.objects.filter(ended_at__isnull=True).values_list(
        "pk",
        "model_name",
        "control__model_name",
        "control__version",
        "treatment__model_name",
        "treatment__version",
        "treatment_share",
    )
    for pk, model_name, c_model, c_number, t_model, t_number, share in rows:
        control, treatment = versions.get((c_model, c_number)), versions.get((t_model, t_number))
        if control is not None and treatment is not None:
            running[model_name] = ServedExperiment(pk, model_name, control, treatment, share)
    return running


# Start and end ----------------------------------------------------------------------------------


def experiment_start(
    *,
    control: ModelVersion,
    treatment: ModelVersion,
    treatment_share: float = 0.1,
    started_by: AbstractBaseUser | AnonymousUser | None = None,
) -> Experiment:
    """Share the requests for the control's model between the control and the treatment.

    Args:
        control: the model's active version.
        treatment: the version tried on `treatment_share` of the people; usually a candidate of
            the same model (another model's version with the same inputs works too, e.g. wide
            against wide & deep). It must pass the safe-activation checks except the margin
            rule (an A/B test is how a version that looks worse offline gets its chance).
        treatment_share: e.g. 0.1 for a 90/10 split.
        started_by: the staff user.

    Returns:
        The running experiment; the two versions' traffic_share says the split.

    Raises:
        ExperimentError: a bad share, the same version twice, a control that is not active, a
            treatment that cannot be served, or a test of this model already running.
    """
    from foodapp.training.services import activation_refusal

    if not isinstance(treatment_share, int | float) or not 0.0 < treatment_share < 1.0:
        raise ExperimentError(ERROR_SHARE.format(value=treatment_share))
    if control.pk == treatment.pk:
        raise ExperimentError(ERROR_SAME_VERSION)
    control.refresh_from_db()
    if control.state != ModelVersion.State.ACTIVE:
        message = ERROR_CONTROL_NOT_ACTIVE.format(
            version=version_label(control), model=control.model_name
        )
        raise ExperimentError(message)
    open_tests = Experiment.objects.filter(model_name=control.model_name, ended_at__isnull=True)
    running = open_tests.first()
    if running is not None:
        raise ExperimentError(
            ERROR_ALREADY_RUNNING.format(model=control.model_name, experiment_id=running.pk)
        )
    reason = activation_refusal(treatment, margin=False)
    if reason:
        raise ExperimentError(
            ERROR_TREATMENT_UNUSABLE.format(version=version_label(treatment), reason=reason)
        )
    try:
        with transaction.atomic():
            experiment = Experiment.objects.create(
                model_name=control.model_name,
                control=control,
                treatment=treatment,
                treatment_share=float(treatment_share),
                started_at=timezone.now(),
                started_by_id=started_by.pk if started_by is not None and started_by.pk else None,
            )
            ModelVersion.objects.filter(pk=control.pk).update(traffic_share=1.0 - treatment_share)
            ModelVersion.objects.filter(pk=treatment.pk).update(traffic_share=treatment_share)
            version_stamp_bump()
    except IntegrityError:  # another start won the race (one running test per model)
        raise ExperimentError(
            ERROR_ALREADY_RUNNING.format(model=control.model_name, experiment_id="?")
        ) from None
    logger.info(
        "A/B test started",
        extra={
            "experiment_id": experiment.pk,
            "control": version_label(control),
            "treatment": version_label(treatment),
            "treatment_share": treatment_share,
        },
    )
    return experiment


def experiment_end(*, experiment: Experiment, chosen: ModelVersion) -> Experiment:
    """End a running test keeping `chosen`, which is activated through the safe path.

    When the chosen version is refused (the message says why), the test keeps running.

    Raises:
        ExperimentError: the test has ended already, or `chosen` is not one of its arms.
        ActivationRefusedError: the chosen version failed the safe-activation checks.
    """
    from foodapp.training.services import model_version_activate_safely

    experiment.refresh_from_db()
    if experiment.ended_at is not None:
        raise ExperimentError(ERROR_ENDED.format(experiment_id=experiment.pk))
    if chosen.pk not in (experiment.control_id, experiment.treatment_id):
        raise ExperimentError(ERROR_CHOSEN.format(experiment_id=experiment.pk))
    with transaction.atomic():
        model_version_activate_safely(version=chosen)
        Experiment.objects.filter(pk=experiment.pk).update(ended_at=timezone.now(), chosen=chosen)
        arms = [experiment.control_id, experiment.treatment_id]
        ModelVersion.objects.filter(pk__in=arms).exclude(pk=chosen.pk).update(traffic_share=0.0)
        version_stamp_bump()
    experiment.refresh_from_db()
    logger.info(
        "A/B test ended",
        extra={"experiment_id": experiment.pk, "chosen": version_label(chosen)},
    )
    return experiment


# Per-arm figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArmFigures:
    """One arm: what the log holds for its version while the test ran.

    `order_rate` is orders per session shown the arm's suggestions (a session: a person's
    impressions with one session id; their events without a session id count as one session),
    with its 95% interval over sessions (`mean_ci95`).
    """

    arm: str
    version: str
    people: int
    sessions: int
    impressions: int
    orders: int
    order_rate: float | None
    order_rate_ci95: tuple[float, float] | None


@dataclass(frozen=True)
class ArmsReport:
    """Both arms, the treatment minus control difference of order rates with its 95% interval
    (`difference_ci95`), and a verdict only when that interval excludes 0."""

    control: ArmFigures
    treatment: ArmFigures
    difference: float | None
    difference_ci95: tuple[float, float] | None
    verdict: str


def _arm_sessions(
    *, version: str, experiment: Experiment
) -> tuple[dict[tuple[int, str], int], dict[tuple[int, str], int]]:
    """Impressions and orders of one arm's version per (person, session id); guests' are left
    out (never assigned an arm: a guest is always served the control)."""
    from foodapp.interactions.models import Event, EventType

    events = Event.objects.of_people().filter(
        model_version=version,
        event_type__in=[EventType.IMPRESSION, EventType.ORDER],
        occurred_at__gte=experiment.started_at,
    )
    if experiment.ended_at is not None:
        events = events.filter(occurred_at__lte=experiment.ended_at)
    impressions: dict[tuple[int, str], int] = defaultdict(int)
    orders: dict[tuple[int, str], int] = defaultdict(int)
    for user_id, session_id, event_type in events.values_list(
        "user_id", "session_id", "event_type"
    ).iterator(chunk_size=5000):
        target = impressions if event_type == EventType.IMPRESSION else orders
        target[(user_id, session_id or "")] += 1
    return impressions, orders


def _arm_figures(
    arm: str, version: ModelVersion, experiment: Experiment
) -> tuple[ArmFigures, list[int]]:
    label = version_label(version)
    impressions, orders = _arm_sessions(version=label, experiment=experiment)
    per_session = [orders.get(key, 0) for key in impressions]
    rate: float | None = None
    interval: tuple[float, float] | None = None
    if per_session:
        mean, low, high = mean_ci95(per_session)
        rate = mean
        interval = None if low != low else (low, high)  # NaN for a single session
    figures = ArmFigures(
        arm=arm,
        version=label,
        people=len({user for user, _ in impressions}),
        sessions=len(impressions),
        impressions=sum(impressions.values()),
        orders=sum(orders.values()),
        order_rate=rate,
        order_rate_ci95=interval,
    )
    return figures, per_session


def experiment_arms_report(*, experiment: Experiment) -> ArmsReport:
    """Per arm: people, sessions, impressions, orders, order rate with its 95% interval; the
    difference (treatment minus control) with its interval, and a verdict when it excludes 0.

    Args:
        experiment: the test (running or ended): the events of its two versions (by
            Event.model_version) from its start to its end count.

    Returns:
        The report; `orders` counts every order carrying the arm's version, the order rate
        only those in a session where the arm's suggestions were shown.
    """
    control, control_values = _arm_figures(CONTROL, experiment.control, experiment)
    treatment, treatment_values = _arm_figures(TREATMENT, experiment.treatment, experiment)
    difference: float | None = None
    interval: tuple[float, float] | None = None
    verdict = VERDICT_NONE
    if control_values and treatment_values:
        difference, low, high = difference_ci95(treatment_values, control_values)
        if low == low:  # not NaN
            interval = (low, high)
            if low > 0:
                verdict = VERDICT_TREATMENT
            elif high < 0:
                verdict = VERDICT_CONTROL
    return ArmsReport(control, treatment, difference, interval, verdict)
