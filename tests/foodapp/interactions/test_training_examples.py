from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from foodapp.interactions.services import EventInput, events_record_bulk
from foodapp.interactions.training_examples import (
    ERROR_SPLIT,
    SplitCutoffs,
    training_examples_iter,
    training_split_cutoffs,
)
from foodapp.interactions.uci_files import UCI_MIN_POSITIVE_RATING
from foodapp.people.models import DietRestriction
from recommender.datasets.food import EXAMPLE_FIELDS
from tests.foodapp.catalog.factories import CuisineFactory, DishFactory, IngredientFactory
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
        # s1: shown A, B, C; B ordered, then rated well (the order already counts).
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
        # Imported ratings (1-5 stars) without sessions or orders: a good one and a bad one.
        ev(u2, "rating", at(hours=10), "D", value=4),
        ev(u2, "rating", at(hours=11), "E", value=1),
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


def test_a_guests_impressions_and_clicks_make_no_example_and_move_no_cutoff(log):
    before = list(training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=2))
    quantiles = training_split_cutoffs()
    events_record_bulk(
        events=[
            EventInput(
                user_id=None,
                event_type=kind,
                occurred_at=at(hours=hours),
                dish_id=log["ids"]["A"],
                session_id="guest-visit",
                position=0,
            )
            for kind, hours in (("impression", 3), ("click", 3), ("impression", 30))
        ]
    )
    after = list(training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=2))
    assert after == before and "None" not in {e["user_id"] for e in after}
    assert training_split_cutoffs() == quantiles


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


def order(user, dish, when, session="", **extra):
    return EventInput(
        user_id=user.pk,
        event_type="order",
        occurred_at=when,
        dish_id=dish.pk,
        session_id=session,
        **extra,
    )


def rating(user, dish, when, value, session=""):
    return EventInput(
        user_id=user.pk,
        event_type="rating",
        occurred_at=when,
        dish_id=dish.pk,
        session_id=session,
        value=value,
    )


def impression(user, dish, when, session, position=0, query=""):
    return EventInput(
        user_id=user.pk,
        event_type="impression",
        occurred_at=when,
        dish_id=dish.pk,
        session_id=session,
        position=position,
        query=query,
    )


def by_source(examples):
    return sorted((e["source"], e["dish_id"], e["label"]) for e in examples)


@pytest.mark.parametrize(("stars", "label"), [(5, 1), (1, 0)])
def test_a_rating_ten_hours_later_in_a_new_session_labels_the_ordered_impression(stars, label):
    user = UserFactory()
    shown, *others = [DishFactory() for _ in range(3)]
    events_record_bulk(
        events=[
            *[impression(user, d, at(), "s1", i) for i, d in enumerate((shown, *others))],
            order(user, shown, at(minutes=2), "s1"),
            # The app asks for the rating the next morning, long after s1 closed.
            rating(user, shown, at(hours=10), stars, session="s2"),
        ]
    )
    expected = by_source(
        [
            {"source": "impression", "dish_id": str(shown.pk), "label": label},
            *[{"source": "impression", "dish_id": str(d.pk), "label": 0} for d in others],
        ]
    )
    assert by_source(training_examples_iter(split="train", cutoffs=FAR)) == expected
    # The same when the split ends between the order and its rating: the label still comes.
    cut = SplitCutoffs(validation_start=at(hours=1), test_start=at(days=1))
    assert by_source(training_examples_iter(split="train", cutoffs=cut)) == expected
    assert list(training_examples_iter(split="validation", cutoffs=cut)) == []


@pytest.fixture
def imported_orders():
    """75 imported orders without sessions, each rated 0.5-21 h later; six of them 1 star."""
    users = [UserFactory() for _ in range(5)]
    dishes = [DishFactory() for _ in range(15)]
    low = {3, 11, 20, 38, 40, 70}
    events, rated_low = [], set()
    for i in range(75):
        user, dish = users[i % 5], dishes[i // 5]
        when = at(hours=3 * i)
        stars = 1 if i in low else 4 + i % 2
        events += [
            order(user, dish, when),
            rating(user, dish, when + timedelta(minutes=30 + 17 * i), stars),
        ]
        if i in low:
            rated_low.add((str(user.pk), str(dish.pk)))
    events_record_bulk(events=events)
    return rated_low


def test_imported_orders_with_ratings_give_one_example_per_order(imported_orders):
    examples = list(training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=2))
    counts = Counter((e["source"], e["label"]) for e in examples)
    assert counts == {("order", 1): 69, ("order", 0): 6, ("sampled", 0): 2 * 69}
    turned = {
        (e["user_id"], e["dish_id"]) for e in examples if e["source"] == "order" and not e["label"]
    }
    assert turned == imported_orders
    # Every sampled negative belongs to a positive order (the low-rated ones have none).
    positives = {e["event_id"] for e in examples if e["source"] == "order" and e["label"]}
    assert Counter(e["event_id"] for e in examples if e["source"] == "sampled") == dict.fromkeys(
        positives, 2
    )


def test_an_order_before_the_cutoff_is_labelled_by_its_rating_after_it(imported_orders):
    # Order 40 (1 star) comes at 120 h and is rated at 131.8 h; orders 37-39 are rated after
    # 121 h too. Train has orders 0-40 with their labels, validation orders 41-74 and nothing else.
    cut = SplitCutoffs(validation_start=at(hours=121), test_start=at(days=30))
    train = Counter(
        (e["source"], e["label"])
        for e in training_examples_iter(split="train", cutoffs=cut, negatives_per_positive=1)
    )
    assert train == {("order", 1): 41 - 5, ("order", 0): 5, ("sampled", 0): 36}
    validation = Counter(
        (e["source"], e["label"])
        for e in training_examples_iter(split="validation", cutoffs=cut, negatives_per_positive=1)
    )
    assert validation == {("order", 1): 33, ("order", 0): 1, ("sampled", 0): 33}


def test_ratings_outside_the_window_or_repeated_follow_the_rules():
    user = UserFactory()
    early, late, *_ = [DishFactory() for _ in range(3)]
    events_record_bulk(
        events=[
            order(user, early, at()),
            rating(user, early, at(hours=1), 5),
            rating(user, early, at(hours=2), 1),  # a second rating: the first one decided
            order(user, late, at(days=1)),
            rating(user, late, at(days=9), 5),  # past the 7-day window: a rating of its own
        ]
    )
    examples = [
        e for e in training_examples_iter(split="train", cutoffs=FAR) if e["source"] != "sampled"
    ]
    assert by_source(examples) == by_source(
        [
            {"source": "order", "dish_id": str(early.pk), "label": 1},
            {"source": "order", "dish_id": str(late.pk), "label": 1},
            {"source": "rating", "dish_id": str(late.pk), "label": 1},
        ]
    )
    wider = training_examples_iter(split="train", cutoffs=FAR, rating_window=timedelta(days=10))
    assert [e["source"] for e in wider if e["source"] != "sampled"] == ["order", "order"]


def test_an_unrated_order_is_emitted_once_its_rating_window_has_passed():
    user, other = UserFactory(), UserFactory()
    dish, shown = DishFactory(), DishFactory()
    events_record_bulk(
        events=[
            order(user, dish, at()),
            impression(other, shown, at(days=8), "s1"),
            impression(other, shown, at(days=9), "s2"),
        ]
    )
    examples = training_examples_iter(split="train", cutoffs=FAR, negatives_per_positive=1)
    # Held only for the window: out before the session that closed on day 9, not at the end.
    assert [(e["source"], e["timestamp"]) for e in examples] == [
        ("order", at().timestamp()),
        ("sampled", at().timestamp()),
        ("impression", at(days=8).timestamp()),
        ("impression", at(days=9).timestamp()),
    ]


def test_min_positive_rating_follows_the_scale_of_the_log():
    user = UserFactory()
    dishes = [DishFactory() for _ in range(3)]
    events_record_bulk(
        events=[rating(user, d, at(hours=i), float(i)) for i, d in enumerate(dishes)]
    )

    def labels(**options):
        return [
            e["label"]
            for e in training_examples_iter(split="train", cutoffs=FAR, **options)
            if e["source"] == "rating"
        ]

    assert labels() == [0, 0, 0]  # 0-2 read as 1-5 stars: all bad
    assert labels(min_positive_rating=UCI_MIN_POSITIVE_RATING) == [0, 1, 1]


def test_history_relevance_and_ingredients_are_as_of_the_moment():
    thai = CuisineFactory(name="Thai", slug="thai")
    pad_thai = DishFactory(name="Pad Thai Noodles", cuisine=thai)
    pad_thai.ingredients.set([IngredientFactory(name="peanut"), IngredientFactory(name="egg")])
    curry, soup = DishFactory(name="Green Curry", cuisine=thai), DishFactory(name="Soup")
    user, other = UserFactory(), UserFactory()
    events_record_bulk(
        events=[
            order(other, pad_thai, at(days=-40)),  # outside both windows
            order(other, pad_thai, at(days=-20)),
            order(user, curry, at(days=-20)),  # popularity counts it, recent dishes do not
            order(user, soup, at(days=-3)),
            order(user, curry, at(days=-2)),
            order(user, soup, at(days=-1)),
            impression(user, pad_thai, at(), "s", 0, query="Pad Thai noodle"),
            order(user, pad_thai, at(minutes=1), "s"),
        ]
    )
    examples = list(training_examples_iter(split="train", cutoffs=FAR))
    shown = next(e for e in examples if e["source"] == "impression")
    assert shown["label"] == 1
    assert shown["user_recent_dishes"] == f"{soup.pk}|{curry.pk}"
    assert (shown["query"], shown["query_text"]) == ("pad thai noodle", "pad thai noodle")
    assert shown["dish_ingredients"] == "egg|peanut"
    assert shown["dish_popularity"] == 1.0  # the order 20 days before; not its own a minute later
    # All three query words in the name: 1 each, plus 0.5 for "thai" among the labels.
    assert shown["text_match"] == pytest.approx(3.5 / 3)
    assert shown["name_overlap"] == 1.0
    own_moment = next(
        e
        for e in examples
        if e["source"] == "order"
        and e["dish_id"] == str(soup.pk)
        and e["timestamp"] == at(days=-1).timestamp()
    )
    assert own_moment["user_recent_dishes"] == f"{curry.pk}|{soup.pk}"
    assert own_moment["dish_popularity"] == 1.0  # the order of 3 days before, not its own
    assert (own_moment["query_text"], own_moment["text_match"], own_moment["name_overlap"]) == (
        "",
        0.0,
        0.0,
    )
