"""Reads for the simulator: the catalogue as plain dishes, past runs, and their rebuilt worlds."""

from __future__ import annotations

from collections.abc import Sequence

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event
from foodapp.simulation.dishes import SimDish
from foodapp.simulation.models import SimulationRun
from foodapp.simulation.world import World

UNKNOWN_CUISINE = "Other"
UNKNOWN_PRICE = 10.0
# The run's measured value shares, stored with its truth; not part of the rebuilt world's summary.
VALUE_SHARES_KEY = "value_shares"


def simulation_catalogue(*, dish_ids: Sequence[int] | None = None) -> list[SimDish]:
    """The menu (or the given dishes) as simulator dishes, ordered by id.

    Items without a course are not dishes (e.g. the imported UCI restaurants): simulated people
    neither see nor order them, so imported real logs and the simulated world stay apart.

    Args:
        dish_ids: Only these dishes, when given.

    Returns:
        One SimDish per dish; a missing cuisine becomes "Other" and a missing price 10.
    """
    dishes = (
        Dish.objects.exclude(course="")
        .select_related("cuisine")
        .prefetch_related("tags", "ingredients")
    )
    if dish_ids is not None:
        dishes = dishes.filter(id__in=list(dish_ids))
    return [
        SimDish(
            dish_id=dish.pk,
            name=dish.name,
            cuisine=dish.cuisine.name if dish.cuisine else UNKNOWN_CUISINE,
            course=dish.course,
            tags=tuple(sorted(tag.name for tag in dish.tags.all())),
            ingredients=tuple(sorted(ing.name for ing in dish.ingredients.all())),
            price=float(dish.price) if dish.price is not None else UNKNOWN_PRICE,
            spice_level=dish.spice_level,
            is_vegetarian=dish.is_vegetarian,
            is_vegan=dish.is_vegan,
            is_gluten_free=dish.is_gluten_free,
        )
        for dish in dishes.order_by("id")
    ]


def simulation_events_exist() -> bool:
    """Whether the interaction log holds any person's event (guests' browsing does not count)."""
    return Event.objects.of_people().exists()


def simulation_run_latest() -> SimulationRun | None:
    """The most recent successful simulation run, if any."""
    return SimulationRun.objects.filter(state=SimulationRun.State.SUCCEEDED).first()


class StaleWorldError(ValueError):
    """The catalogue changed since the run, so its world (and truth) cannot be rebuilt."""


ERROR_STALE_WORLD = (
    "simulation #{run_id} cannot be rebuilt: its dishes changed since it ran; simulate again."
)


def simulation_world(*, run: SimulationRun) -> World:
    """Rebuild the World of a past run (same dishes, people, queries and truth) for evaluation.

    Person `i` of the world is user `run.user_ids[i]`.

    Raises:
        StaleWorldError: when dishes of the run were deleted or edited since.
    """
    dishes = simulation_catalogue(dish_ids=run.dish_ids)
    if [dish.dish_id for dish in dishes] != run.dish_ids:
        raise StaleWorldError(ERROR_STALE_WORLD.format(run_id=run.pk))
    world = World(dishes=dishes, users=run.users, seed=run.seed)
    stored = {key: value for key, value in run.truth.items() if key != VALUE_SHARES_KEY}
    if world.truth_summary() != stored:
        raise StaleWorldError(ERROR_STALE_WORLD.format(run_id=run.pk))
    return world
