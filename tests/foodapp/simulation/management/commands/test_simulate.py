from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from foodapp.interactions.models import Event
from foodapp.simulation.models import SimulationRun


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
    ],
)
def test_bad_numbers_are_clear_errors_naming_the_option(option, value):
    with pytest.raises(CommandError, match=f"{option} must be"):
        call_command("simulate", option, value)


@pytest.mark.django_db
def test_an_empty_catalogue_is_a_clear_error():
    with pytest.raises(CommandError, match="load_catalogue"):
        simulate("--users", "2", "--sessions", "2")
