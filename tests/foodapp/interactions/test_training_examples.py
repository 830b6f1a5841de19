from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from foodapp.interactions.example_schema import EXAMPLE_FIELDS
from foodapp.interactions.services import EventInput, events_record_bulk
from foodapp.interactions.training_examples import (
    ERROR_SPLIT,
    SplitCutoffs,
    training_examples_iter,
    training_split_cutoffs,
)
from foodapp.people.models import DietRestriction
from tests.foodapp.catalog.factories import CuisineFactory, DishFactory
from tests.foodapp.people.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)
FAR = SplitCutoffs(validation_start=T0 + timedelta(days=30), test_start=T0 + timedelta(days=31))


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


@pytest.fixture
def log():
    """A hand-built log: three live sessions and two imported ratings without sessions."""
    thai = CuisineFactory(name="Thai", slug="thai")
    dishes = {name: DishFactory(name=name, cuisine=thai) for name in "ABCDE"}
    ana = ProfileFactory(diet_restrictions=[DietRestriction.VEGAN], area="north")
    ana.favourite_cuisines.set([thai])
    u1, u2 = ana.user, UserFactory()
    ids = {name: dish.pk for name, dish in dishes.items()}

    def ev(user, kind, when, dish=None, session="", **extra):
        return EventInput(
            user_id=user.pk,
            event_type=kind,
            occurred_at=when,
            dish_id=ids[dish] if dish else None,
            session_id=session,
            **extra,
        )

    events = [
        # s1: shown A, B, C; B ordered (then rated: the order already counts).
        ev(u1, "search", at(seconds=0), session="s1", query="Pad Thai"),
        *[
            ev(u1, "impression", at(seconds=1), d, "s1", query="Pad Thai", position=i, device="ios")
            for i, d in enumerate("ABC")
        ],
        ev(u1, "click", at(seconds=30), "B", "s1"),
        ev(u1, "order", at(seconds=60), "B", "s1", query="Pad Thai"),
        ev(u1, "rating", at(seconds=120), "B", "s1", value=5),
        # s2: shown A, B; ordered C, which was not shown.
        ev(u2, "impression", at(hours=1), "A", "s2", position=0),
        ev(u2, "impression", at(hours=1), "B", "s2", position=1),
        ev(u2, "order", at(hours=1, seconds=30), "C", "s2"),
        # s3: shown A; the order comes 3 hours later, after the session closed.
        ev(u1, "impression", at(hours=2), "A", "s3", position=0),
        ev(u1, "order", at(hours=5), "A", "s3"),
        # Imported ratings without sessions: a good one and a bad one.
        ev(u2, "rating", at(hours=10), "D", value=2),
        ev(u2, "rating", at(hours=11), "E", value=0),
    ]
    events_record_bulk(events=events)
    return {"dishes": dishes, "ids": ids, "u1": u1, "u2": u2}


def summary(examples):
    return Counter((e["source"], e["dish_name"], e["label"]) for e in examples)


def test_labels_and_counts_match_the_hand_built_log(log):
    examples = list(
        training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=2, seed=7)
    )
    assert len(examples) == 16
    counts = summary(examples)
    assert counts[("impression", "B", 1)] == 1  # shown then ordered in the same session
    assert counts[("impression", "A", 0)] == 3  # s1, s2 and s3 (ordered only after it closed)
    assert counts[("impression", "C", 0)] == 1
    assert counts[("impression", "B", 0)] == 1
    assert counts[("order", "C", 1)] == 1  # ordered without being shown
    assert counts[("order", "A", 1)] == 1  # the late order of s3
    assert counts[("rating", "D", 1)] == 1
    assert counts[("rating", "E", 0)] == 1
    sampled = [e for e in examples if e["source"] == "sampled"]
    assert len(sampled) == 6 and all(e["label"] == 0 for e in sampled)
    assert sum(e["label"] for e in examples) == 4
    assert all(set(e) == set(EXAMPLE_FIELDS) for e in examples)


def test_example_features(log):
    examples = list(training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=2))
    shown_b = next(e for e in examples if e["source"] == "impression" and e["label"] == 1)
    assert shown_b["user_id"] == str(log["u1"].pk)
    assert (shown_b["user_diet"], shown_b["user_favourite_cuisines"]) == ("vegan", "Thai")
    assert (shown_b["query"], shown_b["position"], shown_b["device"]) == ("pad thai", 1, "ios")
    assert (shown_b["hour"], shown_b["weekday"]) == (12, 0)
    assert (shown_b["dish_cuisine"], shown_b["dish_price"]) == ("Thai", 9.5)
    rating = next(e for e in examples if e["source"] == "rating")
    assert (rating["user_diet"], rating["query"], rating["position"]) == ("", "", -1)
    negative = next(e for e in examples if e["source"] == "sampled")
    assert negative["dish_id"] == str(log["ids"][negative["dish_name"]])
    assert (negative["position"], negative["label"]) == (-1, 0)


def test_sampled_negatives_never_repeat_the_positive_and_are_seeded(log):
    def sampled(seed):
        examples = training_examples_iter(
            split="train", cutoffs=FAR, negatives_per_positive=3, seed=seed
        )
        return [(e["event_id"], e["dish_id"]) for e in examples if e["source"] == "sampled"]

    first = sampled(1)
    assert first == sampled(1)
    positives = {
        e["event_id"]: e["dish_id"]
        for e in training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=3)
        if e["source"] in ("order", "rating") and e["label"] == 1
    }
    assert all(dish != positives[event] for event, dish in first)
    assert len(first) == 3 * len(positives)


def test_time_split(log):
    cutoffs = SplitCutoffs(validation_start=at(hours=5), test_start=at(hours=10, minutes=30))
    splits = {
        split: summary(
            training_examples_iter(split=split, cutoffs=cutoffs, negatives_per_positive=2)
        )
        for split in ("train", "validation", "test")
    }
    assert sum(splits["train"].values()) == 9
    assert splits["validation"][("order", "A", 1)] == 1
    assert splits["validation"][("rating", "D", 1)] == 1
    assert sum(splits["validation"].values()) == 6
    assert dict(splits["test"]) == {("rating", "E", 0): 1}


def test_a_session_straddling_the_cutoff_is_labelled_as_one(log):
    dish = log["dishes"]["E"]
    cut = at(hours=20)
    events_record_bulk(
        events=[
            EventInput(
                user_id=log["u1"].pk,
                event_type=kind,
                occurred_at=when,
                dish_id=dish.pk,
                session_id="s9",
                position=0 if kind == "impression" else None,
            )
            for kind, when in (("impression", cut - timedelta(minutes=1)), ("order", cut))
        ]
    )
    cutoffs = SplitCutoffs(validation_start=cut, test_start=cut + timedelta(days=1))
    train = list(training_examples_iter(split="train", cutoffs=cutoffs))
    assert [
        e["label"]
        for e in train
        if e["event_id"] and e["dish_name"] == "E" and e["source"] == "impression"
    ] == [1]
    validation = list(training_examples_iter(split="validation", cutoffs=cutoffs))
    assert validation == []


def test_quantile_cutoffs():
    user = UserFactory()
    dish = DishFactory()
    events_record_bulk(
        events=[
            EventInput(
                user_id=user.pk, event_type="order", occurred_at=at(hours=i), dish_id=dish.pk
            )
            for i in range(10)
        ]
    )
    assert training_split_cutoffs(validation_fraction=0.2, test_fraction=0.1) == SplitCutoffs(
        validation_start=at(hours=7), test_start=at(hours=9)
    )
    with pytest.raises(ValueError, match="sum to less than 1"):
        training_split_cutoffs(validation_fraction=0.5, test_fraction=0.5)


def test_empty_log_and_bad_split():
    assert list(training_examples_iter(split="train")) == []
    with pytest.raises(ValueError) as raised:
        list(training_examples_iter(split="dev", cutoffs=FAR))  # type: ignore[arg-type]
    assert str(raised.value) == ERROR_SPLIT.format(value="dev")
