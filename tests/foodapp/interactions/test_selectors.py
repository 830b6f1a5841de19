from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from foodapp.interactions.selectors import (
    Shown,
    dish_popularity_counts,
    impression_latest,
    recent_dishes_by_user,
)
from foodapp.interactions.services import EventInput, events_record_bulk
from foodapp.interactions.training_examples import SplitCutoffs, training_examples_iter
from recommender.datasets.food import LIST_JOIN, RECENT_LIMIT
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


def event(user, kind, dish, when, session="", **extra):
    return EventInput(
        user_id=user.pk,
        event_type=kind,
        occurred_at=when,
        dish_id=dish.pk,
        session_id=session,
        **extra,
    )


def test_recent_dishes_are_distinct_newest_first_and_limited():
    user, other, idle = UserFactory(), UserFactory(), UserFactory()
    dishes = [DishFactory() for _ in range(RECENT_LIMIT + 3)]
    events = [event(user, "order", dishes[0], at(days=-15))]  # before the 14-day window
    events += [event(user, "order", d, at(days=-13, hours=i)) for i, d in enumerate(dishes[1:])]
    events += [
        event(user, "order", dishes[5], at(days=-1)),  # again: counts once, as the newest
        event(user, "rating", dishes[6], at(hours=-1), value=5),  # not an order
        event(user, "order", dishes[7], at()),  # at the moment itself: not before it
        event(other, "order", dishes[0], at(hours=-2)),
    ]
    events_record_bulk(events=events)
    recent = recent_dishes_by_user(user_ids=[user.pk, other.pk, idle.pk], now=at())
    expected = [dishes[5].pk, *[d.pk for d in reversed(dishes[1:]) if d != dishes[5]]]
    assert recent == {
        user.pk: expected[:RECENT_LIMIT],
        other.pk: [dishes[0].pk],
        idle.pk: [],
    }


def test_dish_popularity_counts_the_orders_of_the_window_before_the_moment():
    users = [UserFactory() for _ in range(3)]
    hit, quiet, never = DishFactory(), DishFactory(), DishFactory()
    events_record_bulk(
        events=[
            *[event(u, "order", hit, at(days=-27)) for u in users],
            event(users[0], "order", hit, at(days=-29)),  # older than 28 days
            event(users[0], "order", hit, at()),  # at the moment: not before it
            event(users[1], "rating", hit, at(hours=-1), value=4),
            event(users[2], "impression", quiet, at(hours=-1), position=0),
            event(users[2], "order", quiet, at(hours=-1)),
        ]
    )
    assert dish_popularity_counts(now=at()) == {hit.pk: 3, quiet.pk: 1}
    assert dish_popularity_counts(now=at(), dish_ids=[never.pk, hit.pk]) == {
        never.pk: 0,
        hit.pk: 3,
    }
    # Two days on, the orders of 27 days before have left the window.
    assert dish_popularity_counts(now=at(days=2)) == {hit.pk: 1, quiet.pk: 1}


@pytest.fixture
def history():
    """45 days of sessions and imported orders by four people over eight dishes."""
    users = [UserFactory() for _ in range(4)]
    dishes = [DishFactory() for _ in range(8)]
    events = []
    for day in range(45):
        for n, user in enumerate(users):
            if (day + n) % 3 == 0:
                continue
            shown = [dishes[(day * 3 + n + k) % 8] for k in range(3)]
            session = f"s{day}-{n}"
            start = at(days=day, hours=2 * n)
            events += [
                event(user, "impression", d, start, session, position=k, query="dish")
                for k, d in enumerate(shown)
            ]
            events.append(
                event(user, "order", shown[day % 3], start + timedelta(minutes=5), session)
            )
            if day % 4 == n:
                events.append(
                    event(
                        user,
                        "rating",
                        shown[day % 3],
                        start + timedelta(hours=9),
                        value=1 + day % 5,
                    )
                )
            if day % 5 == n:
                # An imported order at the very same second as another person's order.
                events.append(
                    event(
                        users[(n + 1) % 4], "order", dishes[day % 8], start + timedelta(minutes=5)
                    )
                )
    events_record_bulk(events=events)
    return users, dishes


def test_extraction_and_the_serving_selectors_agree_at_every_moment(history):
    cutoffs = SplitCutoffs(validation_start=at(days=33), test_start=at(days=40))
    checked = 0
    for split in ("train", "validation", "test"):
        for example in training_examples_iter(
            split=split, cutoffs=cutoffs, negatives_per_positive=2
        ):
            moment = datetime.fromtimestamp(example["timestamp"], tz=UTC)
            user_id, dish_id = int(example["user_id"]), int(example["dish_id"])
            recent = recent_dishes_by_user(user_ids=[user_id], now=moment)[user_id]
            assert example["user_recent_dishes"] == LIST_JOIN.join(map(str, recent))
            popularity = dish_popularity_counts(now=moment, dish_ids=[dish_id])[dish_id]
            assert example["dish_popularity"] == float(popularity)
            checked += 1
    assert checked > 400


def test_a_later_split_has_the_values_a_full_read_gives(history):
    """The validation split reads only the windows' orders before its start (warm-up)."""
    split = SplitCutoffs(validation_start=at(days=33), test_start=at(days=40))
    whole = SplitCutoffs(validation_start=at(days=40), test_start=at(days=41))

    def logged(examples):
        return {
            (e["event_id"], e["dish_id"]): e
            for e in examples
            if e["source"] != "sampled" and at(days=33).timestamp() <= e["timestamp"]
        }

    validation = logged(training_examples_iter(split="validation", cutoffs=split))
    full = logged(training_examples_iter(split="train", cutoffs=whole))
    assert len(validation) > 50
    assert validation == full
    assert any(e["dish_popularity"] > 10 and e["user_recent_dishes"] for e in validation.values())


def test_the_latest_impression_is_the_persons_or_the_guest_visits_own():
    ana, ben = UserFactory(), UserFactory()
    dish, other = DishFactory(), DishFactory()

    def shown(user_id, when, session="", dish=dish, **origin):
        return EventInput(
            user_id=user_id,
            event_type="impression",
            occurred_at=when,
            dish_id=dish.pk,
            session_id=session,
            **origin,
        )

    events_record_bulk(
        events=[
            shown(ana.pk, at(hours=-3), "s1", ranker="v1", position=2),
            shown(ana.pk, at(hours=-1), "s2", ranker="v4", model_version="m:1", position=0),
            shown(ana.pk, at(hours=1), "s2", ranker="v2"),  # after the action
            shown(ana.pk, at(minutes=-1), "s2", dish=other, ranker="v3"),  # another dish
            shown(ben.pk, at(minutes=-1), "s3", ranker="v3"),
            shown(None, at(minutes=-2), "guest-1", ranker="v2", position=5, query="tacos"),
            shown(None, at(minutes=-1), "guest-2", ranker="v3"),
        ]
    )

    def latest(user_id, session_id, **options):
        return impression_latest(
            dish_id=dish.pk, user_id=user_id, session_id=session_id, until=T0, **options
        )

    newest = Shown("v4", "m:1", 0, "")
    assert latest(ana.pk, None) == newest  # any of Ana's sessions
    assert latest(ana.pk, "s1") == Shown("v1", None, 2, "")
    assert latest(ana.pk, None, since=at(minutes=-30)) is None
    assert latest(None, "guest-1") == Shown("v2", None, 5, "tacos")
    assert latest(None, "s2") is None  # a guest never finds a person's impressions
    assert latest(None, "") is None and latest(None, None) is None  # nor every guest's
    assert latest(ana.pk, None, claimed=Shown("v1", None, 2, "")) == Shown("v1", None, 2, "")
    assert latest(ana.pk, None, claimed=Shown("v3", None, 0, "")) == newest  # not Ana's
