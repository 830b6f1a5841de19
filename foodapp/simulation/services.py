"""Writes of the simulator: create the simulated people and write their events to the log.

People go through `people_create_bulk` and events through `events_record_bulk`, the same services
that real sign-ups and real events use. The run also measures, from the truth alone, how much of
the best possible order rate each half of the truth carries (`value_shares`), stored with the
run's truth under "value_shares".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import numpy as np

from foodapp.core.collector import collector_paused
from foodapp.interactions.services import EventInput, events_record_bulk
from foodapp.people.person_input import PersonInput
from foodapp.people.services import people_create_bulk
from foodapp.simulation.logging_policy import RANKER_NAME
from foodapp.simulation.models import SimulationRun
from foodapp.simulation.selectors import VALUE_SHARES_KEY, simulation_catalogue
from foodapp.simulation.sessions import EVENT_TYPES, ORDER, EventColumns
from foodapp.simulation.taste import DEVICES, DIET_OMNIVORE
from foodapp.simulation.value_shares import value_shares
from foodapp.simulation.world import DEFAULT_DAYS, World

ERROR_NEGATIVE = "{name} must be a positive integer, got {value}."
ERROR_NO_DISHES = "The catalogue is empty: run `python manage.py load_catalogue` first."
ERROR_DAYS = "days must be positive, got {value}."
ERROR_SEED = "seed must be a non-negative integer, got {value}."
BATCH_SIZE = 5000
# Events per transaction: fewer, larger commits and per-batch look-ups (measured in bench/).
RECORD_BATCH_SIZE = 20_000

Progress = Callable[[int, int], None]


class SimulationError(ValueError):
    """A simulation that cannot run; the message names the option."""


@dataclass(frozen=True)
class SimulationSummary:
    """What a simulation run wrote."""

    run_id: int
    users: int
    sessions: int
    events: int
    event_counts: dict[str, int]
    period_start: datetime
    period_end: datetime
    seconds: float
    simulate_seconds: float  # drawing the events and measuring the value shares
    build_seconds: float
    record_seconds: float
    reorders: int = 0
    value_shares: dict[str, Any] | None = None
    shares_seconds: float = 0.0

    @property
    def write_seconds(self) -> float:
        """Seconds spent turning columns into EventInputs and recording them."""
        return self.build_seconds + self.record_seconds

    @property
    def events_per_second(self) -> float:
        """Events written per second of writing."""
        return self.events / self.write_seconds if self.write_seconds > 0 else 0.0


def default_period_start(*, days: float, now: datetime | None = None) -> datetime:
    """Midnight UTC `days` days before today, so the simulated period ends today."""
    today = (
        (now or datetime.now(tz=UTC))
        .astimezone(UTC)
        .replace(hour=0, minute=0, second=0, microsecond=0)
    )
    return today - timedelta(days=days)


def person_inputs(*, world: World, run_id: int) -> list[PersonInput]:
    """The simulated people as sign-ups: what they state, never their hidden tastes."""
    people = []
    for index in range(len(world.people)):
        card = world.person_card(index)
        diet = () if world.people.diet[index] == DIET_OMNIVORE else (card.diet,)
        people.append(
            PersonInput(
                username=f"sim-r{run_id}-{index:06d}",
                name=f"Simulated person {index}",
                diet_restrictions=diet,
                favourite_cuisines=card.favourite_cuisines,
                area=card.area,
                attributes={"simulated": True, "simulation_run": run_id, "device": card.device},
            )
        )
    return people


def event_inputs(
    *,
    world: World,
    events: EventColumns,
    user_ids: list[int],
    session_prefix: str,
) -> Iterator[EventInput]:
    """Turn event columns into EventInputs lazily, with database ids and aware UTC times."""
    queries = [*world.queries.texts, ""]  # index -1 is the home feed's empty query
    sessions = [f"{session_prefix}{n}" for n in range(int(events.session.max(initial=-1)) + 1)]
    users = np.asarray(user_ids, dtype=np.int64)
    for first in range(0, len(events), BATCH_SIZE):
        part = slice(first, first + BATCH_SIZE)
        kinds = events.event_type[part].tolist()
        dish = events.dish[part]
        position = events.position[part]
        value = events.value[part]
        times = events.time[part].tolist()
        rows = zip(
            users[events.user[part]].tolist(),
            kinds,
            times,
            np.where(dish >= 0, world.dishes.ids[np.maximum(dish, 0)], -1).tolist(),
            events.session[part].tolist(),
            events.query[part].tolist(),
            position.tolist(),
            value.tolist(),
            events.device[part].tolist(),
            strict=True,
        )
        # The events of one page view share a moment: convert each distinct one once.
        moments = {moment: datetime.fromtimestamp(moment, tz=UTC) for moment in set(times)}
        for user, kind, moment, dish_id, session, query, pos, val, device in rows:
            shown = pos >= 0
            yield EventInput(
                user_id=user,
                event_type=EVENT_TYPES[kind],
                occurred_at=moments[moment],
                dish_id=dish_id if dish_id >= 0 else None,
                session_id=sessions[session],
                query=queries[query],
                position=pos if shown else None,
                ranker=RANKER_NAME if shown else None,
                value=val if val == val else None,  # NaN is the only value unequal to itself
                device=DEVICES[device],
            )


def simulation_run(
    *,
    users: int,
    sessions: int,
    seed: int,
    start: datetime | None = None,
    days: float = DEFAULT_DAYS,
    progress: Progress | None = None,
) -> SimulationSummary:
    """Simulate people and sessions over the catalogue and write them like real data.

    Args:
        users: How many people to create.
        sessions: How many sessions to simulate.
        seed: Seed of every draw; the same seed and catalogue give the same events.
        start: Start of the simulated period (aware); `days` days before today when None. The
            same seed, catalogue, start and days give the same events on any day.
        days: Length of the simulated period in days.
        progress: Called with (events written, events in total) after each batch.

    Returns:
        What was written.

    Raises:
        SimulationError: naming the bad option, or when the catalogue is empty.
    """
    for name, value in (("users", users), ("sessions", sessions)):
        if value < 1:
            raise SimulationError(ERROR_NEGATIVE.format(name=name, value=value))
    if days <= 0:
        raise SimulationError(ERROR_DAYS.format(value=days))
    if seed < 0:
        raise SimulationError(ERROR_SEED.format(value=seed))
    began = time.perf_counter()
    start = start or default_period_start(days=days)
    dishes = simulation_catalogue()
    if not dishes:
        raise SimulationError(ERROR_NO_DISHES)
    world = World(dishes=dishes, users=users, seed=seed)
    run = SimulationRun.objects.create(
        seed=seed,
        users=users,
        sessions=sessions,
        days=days,
        period_start=start,
        dish_ids=world.dishes.ids.tolist(),
        truth=world.truth_summary(),
    )
    try:
        user_ids = people_create_bulk(people=person_inputs(world=world, run_id=run.pk))
        run.user_ids = user_ids
        run.save(update_fields=["user_ids"])
        clock = time.perf_counter()
        events = world.simulate(sessions=sessions, start=start, days=days)
        shares_clock = time.perf_counter()
        shares = value_shares(
            world, history=events, start=(start + timedelta(days=days)).timestamp()
        )
        shares_seconds = time.perf_counter() - shares_clock
        simulate_seconds = time.perf_counter() - clock
        run.truth = {**run.truth, VALUE_SHARES_KEY: shares}
        run.save(update_fields=["truth"])
        total = len(events)
        written, record_seconds, build_times = 0, 0.0, list[float]()
        stream = event_inputs(
            world=world, events=events, user_ids=user_ids, session_prefix=f"sim{run.pk}-"
        )
        with collector_paused():
            while batch := _batch_next(stream, seconds=build_times):
                clock = time.perf_counter()
                written += events_record_bulk(events=batch, batch_size=RECORD_BATCH_SIZE)
                record_seconds += time.perf_counter() - clock
                if progress is not None:
                    progress(written, total)
        build_seconds = sum(build_times)
    except Exception as error:
        SimulationRun.objects.filter(pk=run.pk).update(
            state=SimulationRun.State.FAILED, error=repr(error)[:2000]
        )
        raise
    counts = events.counts()
    run.state = SimulationRun.State.SUCCEEDED
    run.event_counts = counts
    run.seconds = time.perf_counter() - began
    run.save(update_fields=["state", "event_counts", "seconds"])
    return SimulationSummary(
        run_id=run.pk,
        users=users,
        sessions=sessions,
        events=written,
        event_counts=counts,
        period_start=start,
        period_end=start + timedelta(days=days),
        seconds=run.seconds,
        simulate_seconds=simulate_seconds,
        build_seconds=build_seconds,
        record_seconds=record_seconds,
        reorders=int(((events.event_type == ORDER) & (events.position < 0)).sum()),
        value_shares=shares,
        shares_seconds=shares_seconds,
    )


def _batch_next(stream: Iterator[EventInput], *, seconds: list[float]) -> list[EventInput]:
    """The next batch of EventInputs of `stream` (empty at its end); appends the time it took."""
    clock = time.perf_counter()
    batch = list(islice(stream, RECORD_BATCH_SIZE))
    seconds.append(time.perf_counter() - clock)
    return batch
