from datetime import UTC, datetime

import numpy as np
import pytest

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event
from foodapp.simulation.selectors import (
    VALUE_SHARES_KEY,
    StaleWorldError,
    simulation_catalogue,
    simulation_events_exist,
    simulation_run_latest,
    simulation_world,
)
from foodapp.simulation.services import simulation_run


@pytest.mark.django_db
def test_catalogue_reads_dishes_in_id_order_with_their_labels(catalogue_in_db):
    dishes = simulation_catalogue()
    assert [d.dish_id for d in dishes] == catalogue_in_db
    waffles = next(d for d in dishes if d.name == "Chicken and Waffles")
    assert waffles.ingredients == ("chicken", "flour", "maple syrup")
    assert waffles.price == 12.0 and not waffles.is_vegetarian


@pytest.mark.django_db
def test_a_past_run_rebuilds_the_same_world(catalogue_in_db):
    assert not simulation_events_exist()
    guest = Event.objects.create(
        user=None,
        session_id="a-guest-visit",
        event_type="impression",
        dish=Dish.objects.first(),
        occurred_at=datetime(2025, 12, 1, tzinfo=UTC),
        hour=0,
        weekday=0,
    )
    assert not simulation_events_exist()  # a guest browsing an empty site is no history
    guest.delete()
    summary = simulation_run(users=8, sessions=40, seed=4, start=datetime(2026, 1, 1, tzinfo=UTC))
    run = simulation_run_latest()
    assert run is not None and run.pk == summary.run_id
    assert simulation_events_exist()
    world = simulation_world(run=run)
    shares = run.truth.pop(VALUE_SHARES_KEY)
    assert world.truth_summary() == run.truth
    assert shares["all"]["oracle"] > 0
    rebuilt = world.simulate(sessions=40, start=datetime(2026, 1, 1, tzinfo=UTC))
    assert len(rebuilt) == summary.events
    assert np.all(np.diff(rebuilt.session) >= 0)


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["delete", "edit"])
def test_a_run_whose_dishes_changed_is_not_rebuilt(catalogue_in_db, change):
    simulation_run(users=4, sessions=5, seed=4, start=datetime(2026, 1, 1, tzinfo=UTC))
    run = simulation_run_latest()
    assert run is not None
    dish = Dish.objects.get(name="Lasagna")
    if change == "delete":
        Event.objects.filter(dish=dish).delete()
        dish.delete()
    else:
        dish.spice_level = 3
        dish.save()
    with pytest.raises(StaleWorldError, match=f"simulation #{run.pk} cannot be rebuilt"):
        simulation_world(run=run)


def test_items_without_a_course_are_not_on_the_simulated_menu(db):
    dish = Dish.objects.create(name="Pad Thai", slug="pad-thai", course="main")
    Dish.objects.create(name="Restaurant La Cantina", slug="la-cantina", course="")
    assert [d.dish_id for d in simulation_catalogue()] == [dish.pk]
