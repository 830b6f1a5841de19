"""An A/B test of v4 (control) against v2 in the simulator, through the real assignment and the
real event log, agrees with the evaluation's paired online difference of the two (overlapping 95%
intervals), and its per-arm figures are exactly what the simulated people did."""

from __future__ import annotations

import numpy as np
import pytest

from foodapp.recommendations.ab_simulation import ab_simulate
from foodapp.recommendations.evaluation import evaluation_setup
from foodapp.training import services
from foodapp.training.experiments import TREATMENT, arm_for, experiment_start
from foodapp.training.models import ModelVersion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def active(model_name: str, epochs: int = 2) -> ModelVersion:
    run = services.training_run_create(model_name=model_name, params={"epochs": epochs})
    finished = services.training_run_execute(run_id=run.pk)
    assert finished is not None and finished.state == "succeeded", finished and finished.error
    return ModelVersion.objects.get(model_name=model_name, state=ModelVersion.State.ACTIVE)


def test_a_simulated_ab_test_reproduces_the_paired_online_difference(
    simulated_history, models_dir, settings
):
    v4, v2 = active("food_wide_deep"), active("food_wide")
    active("food_deep", epochs=1)  # the evaluation's setup loads all three food models
    setup = evaluation_setup()
    experiment = experiment_start(control=v4, treatment=v2, treatment_share=0.5)
    found = ab_simulate(setup=setup, experiment=experiment, sessions=160, days=4, seed=11)

    # Assignment: each session was served by its person's sticky arm.
    user_ids = [int(u) for u in setup.run.user_ids]
    for session, key in enumerate(found.arm_of_session):
        person = str(user_ids[int(found.ab_users[session])])
        arm = arm_for(experiment_id=experiment.pk, person_id=person, treatment_share=0.5)
        assert key == ("v2" if arm == TREATMENT else "v4")
    # Logging: the log's per-arm orders are exactly the simulated people's.
    in_treatment = found.arm_of_session == "v2"
    report = found.report
    assert report.treatment.orders == int(found.ab.orders[in_treatment].sum())
    assert report.control.orders == int(found.ab.orders[~in_treatment].sum())
    assert report.treatment.sessions + report.control.sessions == 160
    assert report.treatment.version == f"food_wide:{v2.version}"
    # The A/B estimate of v2 - v4 agrees with the evaluation's paired difference over all
    # sessions: two estimates of one quantity, so their 95% intervals overlap. (Asking the A/B
    # interval to hold the paired mean failed one CI run in several: training is not bitwise
    # reproducible across TensorFlow's thread pools, and with 160 sessions the A/B estimate
    # moves by a few hundredths with the models.)
    assert report.difference_ci95 is not None
    low, high = report.difference_ci95
    offline = found.offline_difference
    assert np.isfinite(offline.low) and offline.low <= offline.mean <= offline.high
    assert low <= offline.high and offline.low <= high, (report, offline)
