from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from foodapp.interactions.services import EventInput, events_record_bulk
from foodapp.interactions.training_dataset import examples_in_own_thread, training_dataset
from foodapp.interactions.training_examples import SplitCutoffs
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import UserFactory

T0 = datetime(2026, 2, 2, 12, 0, tzinfo=UTC)


# The generator reads from TensorFlow's own threads, which only see committed rows.
@pytest.mark.django_db(transaction=True)
def test_dataset_yields_the_examples_as_typed_tensors():
    tf = pytest.importorskip("tensorflow")
    user = UserFactory()
    shown, other = DishFactory(name="Shown"), DishFactory(name="Other")
    events_record_bulk(
        events=[
            EventInput(
                user_id=user.pk,
                event_type="impression",
                occurred_at=T0,
                dish_id=dish.pk,
                session_id="s",
                position=i,
                query="soup",
            )
            for i, dish in enumerate((shown, other))
        ]
        + [
            EventInput(
                user_id=user.pk,
                event_type="order",
                occurred_at=T0 + timedelta(minutes=1),
                dish_id=shown.pk,
                session_id="s",
            )
        ]
    )
    cutoffs = SplitCutoffs(validation_start=T0 + timedelta(days=1), test_start=T0 + timedelta(2))
    dataset = training_dataset(split="train", cutoffs=cutoffs)
    batch = next(iter(dataset.batch(10)))
    assert batch["label"].dtype == tf.int64
    assert batch["dish_price"].dtype == tf.float32
    names, labels = batch["dish_name"].numpy().tolist(), batch["label"].numpy().tolist()
    assert dict(zip(names, labels, strict=True)) == {b"Shown": 1, b"Other": 0}
    assert batch["query"].numpy().tolist() == [b"soup", b"soup"]


@pytest.mark.django_db(transaction=True)
def test_reader_thread_stops_when_the_consumer_stops_early():
    user = UserFactory()
    dishes = [DishFactory() for _ in range(3)]
    events_record_bulk(
        events=[
            EventInput(user_id=user.pk, event_type="order", occurred_at=T0, dish_id=dish.pk)
            for dish in dishes
        ]
    )
    cutoffs = SplitCutoffs(validation_start=T0 + timedelta(days=1), test_start=T0 + timedelta(2))
    examples = examples_in_own_thread(split="train", cutoffs=cutoffs, negatives_per_positive=1)
    first = next(examples)
    examples.close()  # joins the reader thread; a hang here fails the run
    assert first["label"] == 1
    everything = list(
        examples_in_own_thread(split="train", cutoffs=cutoffs, negatives_per_positive=1)
    )
    assert [e["label"] for e in everything] == [1, 0] * 3
