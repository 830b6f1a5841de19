"""A/B tests between versions: sticky assignment, start and end, and per-arm figures that are
right on a hand-built log (every expected number worked out by hand below)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from foodapp.interactions.models import EventType
from foodapp.training import experiments, services
from foodapp.training.experiments import (
    CONTROL,
    TREATMENT,
    VERDICT_CONTROL,
    VERDICT_NONE,
    VERDICT_TREATMENT,
    ExperimentError,
    arm_for,
    experiment_arms_report,
    experiment_end,
    experiment_start,
    served_version_for_person,
)
from foodapp.training.models import Experiment, ModelVersion, TrainingRun
from foodapp.training.registry import Trainer
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.interactions.factories import EventFactory
from tests.foodapp.people.factories import UserFactory
from tests.foodapp.training.conftest import BROKEN_SEED
from tests.foodapp.training.factories import ModelVersionFactory

ROOT = Path(__file__).resolve().parents[3]
Z = 1.959963984540054


# Assignment -------------------------------------------------------------------------------------


def test_assignment_is_sticky_and_near_the_share() -> None:
    people = [str(n) for n in range(4000)]
    first = [arm_for(experiment_id=7, person_id=p, treatment_share=0.1) for p in people]
    again = [arm_for(experiment_id=7, person_id=p, treatment_share=0.1) for p in people]
    assert first == again
    treated = first.count(TREATMENT) / len(people)
    assert 0.085 < treated < 0.115  # 400 expected; 3 standard deviations is about +-0.014
    other = [arm_for(experiment_id=8, person_id=p, treatment_share=0.1) for p in people]
    assert other != first  # another experiment draws its arms afresh


def test_assignment_is_the_same_in_another_process_with_another_hash_seed() -> None:
    people = [str(n) for n in range(300)]
    here = [arm_for(experiment_id=3, person_id=p, treatment_share=0.5) for p in people]
    code = (
        "import json, sys; from foodapp.training.experiments import arm_for; "
        "print(json.dumps([arm_for(experiment_id=3, person_id=str(n), treatment_share=0.5) "
        "for n in range(300)]))"
    )
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "DJANGO_SETTINGS_MODULE": "foodapp.settings.test",
    }
    boot = "import django; django.setup(); "
    out = subprocess.run(
        [sys.executable, "-c", boot + code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == here


def test_a_guest_gets_the_control() -> None:
    assert arm_for(experiment_id=1, person_id="", treatment_share=0.99) == CONTROL


# Start and end ----------------------------------------------------------------------------------


def trained(params: dict | None = None) -> ModelVersion:
    run = services.training_run_create(model_name="toy", params=params or {})
    run = services.training_run_execute(run_id=run.pk)
    assert run.state == TrainingRun.State.SUCCEEDED, run.error
    return run.result_version


@pytest.mark.django_db
def test_a_test_shares_the_requests_and_ending_keeps_the_chosen_version(
    toy_trainer: Trainer,
) -> None:
    control, treatment = trained(), trained()
    control.refresh_from_db()
    assert control.state == ModelVersion.State.ACTIVE
    experiment = experiment_start(control=control, treatment=treatment, treatment_share=0.25)
    shares = dict(ModelVersion.objects.values_list("version", "traffic_share"))
    assert shares == {control.version: 0.75, treatment.version: 0.25}
    arms = {
        p: served_version_for_person(model_name="toy", person_id=p).version
        for p in map(str, range(200))
    }
    for person, version in arms.items():
        arm = arm_for(experiment_id=experiment.pk, person_id=person, treatment_share=0.25)
        assert version == (treatment.version if arm == TREATMENT else control.version)
    assert served_version_for_person(model_name="toy", person_id="").version == control.version

    with pytest.raises(ExperimentError, match="already has a running A/B test"):
        experiment_start(control=control, treatment=treatment)
    experiment = experiment_end(experiment=experiment, chosen=treatment)
    treatment.refresh_from_db()
    control.refresh_from_db()
    assert experiment.chosen_id == treatment.pk and experiment.ended_at is not None
    assert (treatment.state, treatment.traffic_share) == (ModelVersion.State.ACTIVE, 1.0)
    assert (control.state, control.traffic_share) == (ModelVersion.State.RETIRED, 0.0)
    assert {served_version_for_person(model_name="toy", person_id=p).version for p in arms} == {
        treatment.version
    }
    with pytest.raises(ExperimentError, match="has already ended"):
        experiment_end(experiment=experiment, chosen=control)


@pytest.mark.django_db
def test_a_test_starts_only_from_the_active_version_with_a_servable_treatment(
    toy_trainer: Trainer,
) -> None:
    active, candidate = trained(), trained()
    broken = trained({"seed": BROKEN_SEED})
    with pytest.raises(ExperimentError, match="is not the served version"):
        experiment_start(control=candidate, treatment=active)
    with pytest.raises(ExperimentError, match="smoke prediction failed"):
        experiment_start(control=active, treatment=broken)
    with pytest.raises(ExperimentError, match="another version"):
        experiment_start(control=active, treatment=active)
    for share in (0, 1, 1.5, -0.1):
        with pytest.raises(ExperimentError, match="treatment_share"):
            experiment_start(control=active, treatment=candidate, treatment_share=share)
    assert not Experiment.objects.exists()


@pytest.mark.django_db
def test_the_margin_rule_does_not_stop_a_test_but_stops_keeping_a_worse_version(
    toy_trainer: Trainer, settings
) -> None:
    settings.TRAINING_ACTIVATION_POLICIES = {"*": {"metric": "validation.auc", "margin": 0.01}}
    active, worse = trained(), trained()
    ModelVersion.objects.filter(pk=active.pk).update(metrics={"validation": {"auc": 0.8}})
    ModelVersion.objects.filter(pk=worse.pk).update(metrics={"validation": {"auc": 0.7}})
    worse.refresh_from_db()
    experiment = experiment_start(control=active, treatment=worse)
    with pytest.raises(services.ActivationRefusedError, match="falls behind"):
        experiment_end(experiment=experiment, chosen=worse)
    experiment.refresh_from_db()
    assert experiment.ended_at is None  # still running: nothing was kept


# Per-arm figures on a hand-built log -------------------------------------------------------------

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def log(user, session: str, *, impressions: int, orders: int, version: str, at=START) -> None:
    """`impressions` impressions and `orders` orders in one session, all placed by `version`."""
    dish = DishFactory()
    moment = at + timedelta(minutes=5)
    common = {"user": user, "dish": dish, "session_id": session, "occurred_at": moment}
    for position in range(impressions):
        EventFactory(
            **common, event_type=EventType.IMPRESSION, position=position, model_version=version
        )
    for _ in range(orders):
        EventFactory(**common, event_type=EventType.ORDER, model_version=version)


@pytest.fixture
def hand_built_test(db) -> Experiment:
    control = ModelVersionFactory(model_name="toy", version=1, state="active")
    treatment = ModelVersionFactory(model_name="toy", version=2)
    return Experiment.objects.create(
        model_name="toy", control=control, treatment=treatment, treatment_share=0.5,
        started_at=START,
    )  # fmt: skip


def test_per_arm_figures_by_hand_without_a_verdict(hand_built_test: Experiment) -> None:
    ana, ben, cat, dan = (UserFactory() for _ in range(4))
    # Control toy:1: sessions with 1, 0 and 2 orders; 3 + 2 + 3 impressions.
    log(ana, "s1", impressions=3, orders=1, version="toy:1")
    log(ana, "s2", impressions=2, orders=0, version="toy:1")
    log(ben, "s3", impressions=3, orders=2, version="toy:1")
    # Counted as an order of the arm, but in no session that showed its suggestions.
    log(ben, "elsewhere", impressions=0, orders=1, version="toy:1")
    # Not counted: before the test, and another version.
    log(ana, "old", impressions=4, orders=4, version="toy:1", at=START - timedelta(days=1))
    log(cat, "s9", impressions=5, orders=5, version="toy:3")
    # Treatment toy:2: sessions with 2, 1 and 3 orders; 2 impressions each.
    log(cat, "s4", impressions=2, orders=2, version="toy:2")
    log(dan, "s5", impressions=2, orders=1, version="toy:2")
    log(dan, "s6", impressions=2, orders=3, version="toy:2")

    report = experiment_arms_report(experiment=hand_built_test)
    c, t = report.control, report.treatment
    assert (c.arm, c.version, c.people, c.sessions, c.impressions, c.orders) == (
        CONTROL, "toy:1", 2, 3, 8, 4,
    )  # fmt: skip
    assert (t.arm, t.version, t.people, t.sessions, t.impressions, t.orders) == (
        TREATMENT, "toy:2", 2, 3, 6, 6,
    )  # fmt: skip
    # Control [1, 0, 2]: mean 1, sample variance ((0)^2 + (-1)^2 + 1^2) / 2 = 1.
    assert c.order_rate == pytest.approx(1.0)
    assert c.order_rate_ci95 == pytest.approx((1 - Z * math.sqrt(1 / 3), 1 + Z * math.sqrt(1 / 3)))
    # Treatment [2, 1, 3]: mean 2, sample variance 1.
    assert t.order_rate == pytest.approx(2.0)
    assert t.order_rate_ci95 == pytest.approx((2 - Z * math.sqrt(1 / 3), 2 + Z * math.sqrt(1 / 3)))
    # Difference 1 +- 1.96 * sqrt(1/3 + 1/3) = 1 +- 1.600: the interval includes 0.
    assert report.difference == pytest.approx(1.0)
    half = Z * math.sqrt(2 / 3)
    assert report.difference_ci95 == pytest.approx((1 - half, 1 + half))
    assert report.verdict == VERDICT_NONE


def test_guests_count_in_no_arm(hand_built_test: Experiment) -> None:
    """A guest is never assigned (always served the control): their sessions, which cannot
    order, would pull the control's order rate down and count as one more person."""
    ana = UserFactory()
    log(ana, "s1", impressions=2, orders=1, version="toy:1")
    log(None, "guest-visit-1", impressions=3, orders=0, version="toy:1")
    log(None, "guest-visit-2", impressions=3, orders=0, version="toy:1")
    control = experiment_arms_report(experiment=hand_built_test).control
    assert (control.people, control.sessions, control.impressions, control.orders) == (1, 1, 2, 1)
    assert control.order_rate == pytest.approx(1.0)


def test_a_verdict_only_when_the_interval_excludes_zero(hand_built_test: Experiment) -> None:
    people = [UserFactory() for _ in range(8)]
    # Control [0, 0, 0, 1]: mean 0.25, sample variance (3 * 0.0625 + 0.5625) / 3 = 0.25.
    for person, orders in zip(people[:4], (0, 0, 0, 1), strict=True):
        log(person, "s", impressions=2, orders=orders, version="toy:1")
    # Treatment [2, 2, 3, 3]: mean 2.5, sample variance 4 * 0.25 / 3 = 1/3.
    for person, orders in zip(people[4:], (2, 2, 3, 3), strict=True):
        log(person, "s", impressions=2, orders=orders, version="toy:2")
    report = experiment_arms_report(experiment=hand_built_test)
    half = Z * math.sqrt(0.25 / 4 + (1 / 3) / 4)  # 0.6123
    assert report.difference == pytest.approx(2.25)
    assert report.difference_ci95 == pytest.approx((2.25 - half, 2.25 + half))
    assert report.verdict == VERDICT_TREATMENT

    swapped = Experiment.objects.create(
        model_name="other", control=hand_built_test.treatment, treatment=hand_built_test.control,
        treatment_share=0.5, started_at=START,
    )  # fmt: skip
    assert experiment_arms_report(experiment=swapped).verdict == VERDICT_CONTROL


def test_an_ended_test_counts_only_its_own_period(hand_built_test: Experiment) -> None:
    ana = UserFactory()
    log(ana, "during", impressions=2, orders=1, version="toy:2")
    log(ana, "after", impressions=2, orders=2, version="toy:2", at=START + timedelta(days=2))
    Experiment.objects.filter(pk=hand_built_test.pk).update(ended_at=START + timedelta(days=1))
    hand_built_test.refresh_from_db()
    report = experiment_arms_report(experiment=hand_built_test)
    assert (report.treatment.sessions, report.treatment.orders) == (1, 1)
    assert report.treatment.order_rate_ci95 is None  # one session: no interval
    assert report.control.order_rate is None and report.difference is None
    assert report.verdict == VERDICT_NONE


def test_the_version_label_is_the_event_logs(db) -> None:
    assert experiments.version_label(ModelVersionFactory(model_name="food_wide", version=4)) == (
        "food_wide:4"
    )
