"""A training run's data window: examples only from the window's events, no event after its end
read even as a label, and the splits divide the window's events."""

from __future__ import annotations

import pytest

from foodapp.interactions.training_examples import training_examples_iter, training_split_cutoffs
from tests.foodapp.interactions.test_training_examples import FAR, at, log, summary  # noqa: F401

pytestmark = pytest.mark.django_db


def train_examples(**window):
    return list(
        training_examples_iter(
            split="train", cutoffs=FAR, negatives_per_positive=0, seed=7, **window
        )
    )


def test_no_example_comes_from_before_the_window(log):  # noqa: F811
    start = at(minutes=59)
    examples = train_examples(data_from=start)
    assert examples and all(e["timestamp"] >= start.timestamp() for e in examples)
    counts = summary(examples)
    assert counts[("impression", "B", 1)] == 0  # s1 is before the window
    assert counts[("order", "C", 1)] == 1 and counts[("order", "A", 1)] == 1
    assert counts[("rating", "D", 1)] == 1


def test_nothing_from_the_end_of_the_window_on_is_read(log):  # noqa: F811
    end = at(hours=4)
    examples = train_examples(data_until=end)
    assert examples and all(e["timestamp"] < end.timestamp() for e in examples)
    counts = summary(examples)
    assert counts[("order", "A", 1)] == 0  # the late order of s3 falls after the window
    assert counts[("rating", "D", 1)] == 0 and counts[("rating", "E", 0)] == 0
    assert counts[("impression", "B", 1)] == 1  # s1 is whole inside it


def test_the_splits_divide_the_windows_events(log):  # noqa: F811
    whole = training_split_cutoffs()
    window = training_split_cutoffs(data_until=at(hours=4))
    assert whole is not None and window is not None
    assert window.test_start < whole.test_start
    assert window.test_start < at(hours=4)


def test_the_food_data_of_a_window_hold_only_its_events(log):  # noqa: F811
    from foodapp.recommendations.training_data import food_data_cache_clear, food_data_load
    from recommender.datasets.food import columns_length

    food_data_cache_clear()
    end = at(hours=4)
    data = food_data_load(data_until=end)
    splits = (data.train, data.validation, data.test)
    assert sum(columns_length(split) for split in splits) > 0
    assert all((split["timestamp"] < end.timestamp()).all() for split in splits)
    later = food_data_load(data_from=at(hours=9))
    later_splits = (later.train, later.validation, later.test)
    assert sum(columns_length(split) for split in later_splits) > 0
    assert all((split["timestamp"] >= at(hours=9).timestamp()).all() for split in later_splits)
