"""A/B tests through the recommendation service: each person is ranked by their arm's version,
and every impression and order logged names that version (Event.model_version and ranker)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from foodapp.interactions.models import Event, EventType
from foodapp.people.models import Profile
from foodapp.recommendations.selectors import recommendations_for
from foodapp.recommendations.services import impressions_record, order_from_suggestion_record
from foodapp.training import services
from foodapp.training.experiments import (
    TREATMENT,
    arm_for,
    experiment_arms_report,
    experiment_start,
)
from foodapp.training.models import ModelVersion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
NOW = datetime(2026, 9, 22, 12, tzinfo=UTC)


def train(model_name: str, seed: int) -> ModelVersion:
    run = services.training_run_create(
        model_name=model_name, params={"epochs": 1, "seed": seed, "max_rows": 3000}
    )
    finished = services.training_run_execute(run_id=run.pk)
    assert finished is not None and finished.state == "succeeded", finished and finished.error
    return finished.result_version


def test_each_person_is_ranked_and_logged_by_their_arm(simulated_history, models_dir, settings):
    settings.TRAINING_ACTIVATION_POLICIES = {}
    control = train("food_wide_deep", 1)
    treatment = train("food_wide_deep", 2)
    wide = train("food_wide", 3)
    control.refresh_from_db()
    experiment = experiment_start(control=control, treatment=treatment, treatment_share=0.5)
    people = [p.user for p in Profile.objects.filter(attributes__simulated=True).order_by("id")]
    arms = {
        person.pk: arm_for(experiment_id=experiment.pk, person_id=str(person.pk),
                           treatment_share=0.5)
        for person in people
    }  # fmt: skip
    assert set(arms.values()) == {"control", "treatment"}
    for person in people[:12]:
        ranking = recommendations_for(user=person, query="fried chicken", ranker="v4", now=NOW)
        expected = treatment if arms[person.pk] == TREATMENT else control
        assert (ranking.ranker, ranking.model_name, ranking.version) == (
            "v4", "food_wide_deep", expected.version,
        )  # fmt: skip
        again = recommendations_for(user=person, query="fried chicken", ranker="v4", now=NOW)
        assert again.version == ranking.version  # sticky
        impressions_record(user_id=person.pk, ranking=ranking, session_id=f"s{person.pk}")
        order = order_from_suggestion_record(
            user_id=person.pk, dish_id=ranking.suggestions[1].dish_id, session_id=f"s{person.pk}"
        )
        label = f"food_wide_deep:{expected.version}"
        shown = Event.objects.filter(
            user_id=person.pk, event_type=EventType.IMPRESSION, session_id=f"s{person.pk}"
        )
        assert set(shown.values_list("model_version", "ranker")) == {(label, "v4")}
        assert (order.model_version, order.ranker, order.position) == (label, "v4", 1)
    # An order of a dish never shown in that session is organic: no version.
    organic = order_from_suggestion_record(
        user_id=people[0].pk, dish_id=ranking.suggestions[0].dish_id, session_id="another"
    )
    assert (organic.model_version, organic.ranker) == (None, None)

    report = experiment_arms_report(experiment=experiment)
    in_treatment = sum(arms[p.pk] == TREATMENT for p in people[:12])
    assert report.treatment.sessions == in_treatment
    assert report.control.sessions == 12 - in_treatment
    assert report.control.orders + report.treatment.orders == 12
    assert report.control.order_rate == report.treatment.order_rate == 1.0

    # A treatment of another model (wide against wide & deep) is ranked and logged as v2.
    from foodapp.training.experiments import experiment_end

    experiment_end(experiment=experiment, chosen=control)
    cross = experiment_start(control=control, treatment=wide, treatment_share=0.5)
    treated = next(
        p for p in people
        if arm_for(experiment_id=cross.pk, person_id=str(p.pk), treatment_share=0.5) == TREATMENT
    )  # fmt: skip
    ranking = recommendations_for(user=treated, query="fried chicken", ranker="v4", now=NOW)
    assert (ranking.ranker, ranking.model_name, ranking.version) == ("v2", "food_wide", 1)
    # Asking for a version explicitly bypasses the test.
    pinned = recommendations_for(user=treated, query="", ranker="v4", version=1, now=NOW)
    assert (pinned.ranker, pinned.version) == ("v4", 1)
