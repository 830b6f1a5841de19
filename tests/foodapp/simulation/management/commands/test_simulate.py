from datetime import UTC, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from foodapp.interactions.models import Event
from foodapp.people.models import Profile
from foodapp.simulation import services
from foodapp.simulation.models import SimulationRun
from foodapp.simulation.selectors import VALUE_SHARES_KEY


def simulate(*args):
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_simulate_writes_events_and_reports_them(catalogue_in_db):
    output = simulate("--users", "6", "--sessions", "25", "--seed", "3")
    assert "6 people, 25 sessions" in output
    assert Event.objects.filter(event_type="impression").count() == 250


@pytest.mark.django_db
def test_if_empty_is_idempotent(catalogue_in_db):
    simulate("--users", "5", "--sessions", "10", "--if-empty")
    count = Event.objects.count()
    output = simulate("--users", "5", "--sessions", "10", "--if-empty")
    assert "nothing simulated" in output
    assert Event.objects.count() == count
    assert SimulationRun.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--users", "-3"),
        ("--sessions", "0"),
        ("--sessions", "many"),
        ("--days", "-1"),
        ("--seed", "-5"),
        ("--start", "yesterday"),
        ("--start", "2026-13-01"),
    ],
)
def test_bad_numbers_are_clear_errors_naming_the_option(option, value):
    with pytest.raises(CommandError, match=f"{option} must be"):
        call_command("simulate", option, value)


@pytest.mark.django_db
def test_an_empty_catalogue_is_a_clear_error():
    with pytest.raises(CommandError, match="load_catalogue"):
        simulate("--users", "2", "--sessions", "2")


def on_day(today):
    """Patch the services' clock so that "now" is `today`."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return today.astimezone(tz) if tz else today.replace(tzinfo=None)

    return mock.patch.object(services, "datetime", Clock)


def run_events(run):
    """A run's events as comparable tuples: person number instead of user id, no run prefix."""
    person = {user_id: index for index, user_id in enumerate(run.user_ids)}
    return sorted(
        (person[e.user_id], e.session_id.split("-", 1)[1], e.event_type, e.occurred_at,
         e.dish_id, e.query, e.position, e.value, e.device, e.ranker)
        for e in Event.objects.filter(user_id__in=run.user_ids)
    )  # fmt: skip


@pytest.mark.django_db
def test_the_same_start_gives_the_same_events_whatever_the_day(catalogue_in_db):
    args = ("--users", "8", "--sessions", "60", "--seed", "3", "--days", "10")
    with on_day(datetime(2026, 9, 20, 15, 0, tzinfo=UTC)):
        simulate(*args, "--start", "2026-09-01")
        simulate(*args)
    with on_day(datetime(2027, 2, 3, 9, 0, tzinfo=UTC)):
        simulate(*args, "--start", "2026-09-01")
        simulate(*args)
    fixed_first, default_first, fixed_later, default_later = SimulationRun.objects.order_by("id")
    assert fixed_first.period_start == fixed_later.period_start == datetime(2026, 9, 1, tzinfo=UTC)
    assert default_first.period_start == datetime(2026, 9, 10, tzinfo=UTC)  # ends on "today"
    assert run_events(fixed_first) == run_events(fixed_later)
    assert run_events(default_first) != run_events(default_later)


@pytest.mark.django_db
def test_simulate_reports_reorders_and_the_value_of_each_half_of_the_truth(catalogue_in_db):
    output = simulate("--users", "20", "--sessions", "400", "--seed", "3", "--start", "2026-09-01")
    assert "Organic reorders" in output
    assert "Memorization-only terms" in output and "on head queries" in output
    shares = SimulationRun.objects.get().truth[VALUE_SHARES_KEY]
    for name in ("all", "head", "tail", "feed", "new_people"):
        row = shares[name]
        assert row["oracle"] >= max(row["features"], row["memorization"], row["random"])
        assert 0.0 <= row["memorization_share"] <= 1.0 and 0.0 <= row["feature_share"] <= 1.0
    assert shares["tail"]["feature_share"] > 0.2


@pytest.mark.django_db
def test_new_people_have_profiles_but_no_events(catalogue_in_db):
    simulate("--users", "20", "--sessions", "300", "--seed", "3", "--start", "2026-09-01")
    run = SimulationRun.objects.get()
    new = run.user_ids[-2:]  # the last 10% of the people joined after the period
    assert Profile.objects.filter(user_id__in=new).count() == 2
    assert not Event.objects.filter(user_id__in=new).exists()
    assert Event.objects.filter(user_id__in=run.user_ids[:-2]).exists()
