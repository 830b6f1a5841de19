from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from foodapp.interactions import services as interaction_services
from foodapp.interactions.models import Event
from foodapp.people.models import Profile
from foodapp.simulation import services
from foodapp.simulation.models import SimulationRun
from foodapp.simulation.services import (
    ERROR_NEGATIVE,
    ERROR_NO_DISHES,
    SimulationError,
    default_period_start,
    simulation_run,
)

START = datetime(2026, 3, 1, tzinfo=UTC)


def logged(run_id):
    """The run's events as tuples, with users as person numbers and sessions without the run."""
    run = SimulationRun.objects.get(pk=run_id)
    person = {user_id: index for index, user_id in enumerate(run.user_ids)}
    rows = Event.objects.filter(user_id__in=run.user_ids).order_by(
        "session_id", "occurred_at", "id"
    )
    return sorted(
        (
            person[e.user_id],
            e.session_id.split("-", 1)[1],
            e.event_type,
            e.occurred_at,
            e.dish_id,
            e.query,
            e.position,
            e.value,
            e.device,
            e.ranker,
        )
        for e in rows
    )


@pytest.mark.django_db
def test_events_land_through_events_record_bulk(catalogue_in_db):
    spy = mock.Mock(wraps=interaction_services.events_record_bulk)
    with mock.patch.object(services, "events_record_bulk", spy):
        summary = simulation_run(users=12, sessions=150, seed=5, start=START)
    assert spy.called
    assert summary.events == sum(summary.event_counts.values()) == Event.objects.count()
    assert summary.event_counts["impression"] == 150 * 10
    assert Event.objects.filter(event_type="impression", ranker="logging-policy").count() == 1500
    assert Event.objects.filter(event_type="search", ranker__isnull=True).exists()
    assert not Event.objects.filter(event_type="rating", value__isnull=True).exists()
    assert Event.objects.filter(occurred_at__lt=START).count() == 0
    assert Event.objects.filter(occurred_at__gte=START + timedelta(days=60)).count() == 0


@pytest.mark.django_db
def test_people_are_created_with_stated_profiles_only(catalogue_in_db):
    summary = simulation_run(users=15, sessions=20, seed=5, start=START)
    run = SimulationRun.objects.get(pk=summary.run_id)
    assert run.state == SimulationRun.State.SUCCEEDED
    profiles = Profile.objects.filter(user_id__in=run.user_ids)
    assert profiles.count() == 15
    profile = profiles.first()
    assert profile is not None
    assert set(profile.attributes) == {"simulated", "simulation_run", "device"}
    assert profile.favourite_cuisines.count() == 2


@pytest.mark.django_db
def test_same_seed_writes_the_same_events(catalogue_in_db):
    first = simulation_run(users=10, sessions=80, seed=21, start=START)
    second = simulation_run(users=10, sessions=80, seed=21, start=START)
    third = simulation_run(users=10, sessions=80, seed=22, start=START)
    assert logged(first.run_id) == logged(second.run_id)
    assert logged(first.run_id) != logged(third.run_id)


@pytest.mark.django_db
def test_truth_is_saved_with_the_run_and_not_in_the_log(catalogue_in_db):
    summary = simulation_run(users=10, sessions=30, seed=5, start=START)
    truth = SimulationRun.objects.get(pk=summary.run_id).truth
    assert {"query": "fried chicken", "dish": "Chicken and Waffles"}.items() <= {
        **truth["idiosyncratic_pairs"][0]
    }.items()
    assert set(Event.objects.values_list("model_version", flat=True)) == {None}


@pytest.mark.django_db
@pytest.mark.parametrize(("users", "sessions", "name"), [(-1, 10, "users"), (5, 0, "sessions")])
def test_bad_sizes_are_refused_naming_the_option(catalogue_in_db, users, sessions, name):
    with pytest.raises(SimulationError) as error:
        simulation_run(users=users, sessions=sessions, seed=1)
    value = users if name == "users" else sessions
    assert str(error.value) == ERROR_NEGATIVE.format(name=name, value=value)
    assert not SimulationRun.objects.exists()


@pytest.mark.django_db
def test_an_empty_catalogue_is_refused():
    with pytest.raises(SimulationError, match="catalogue is empty") as error:
        simulation_run(users=3, sessions=3, seed=1)
    assert str(error.value) == ERROR_NO_DISHES


def test_default_period_ends_today_at_midnight():
    now = datetime(2026, 5, 10, 15, 30, tzinfo=UTC)
    assert default_period_start(days=60, now=now) == datetime(2026, 3, 11, tzinfo=UTC)


@pytest.mark.django_db
def test_organic_reorders_are_logged_as_orders_without_position_or_ranker(catalogue_in_db):
    summary = simulation_run(users=10, sessions=600, seed=5, start=START)
    reorders = Event.objects.filter(event_type="order", position__isnull=True)
    assert reorders.count() == summary.reorders > 0
    assert set(reorders.values_list("ranker", "query")) == {(None, "")}
    assert Event.objects.filter(event_type="order", position__isnull=False).exists()
