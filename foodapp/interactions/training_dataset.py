"""The training examples as a tf.data.Dataset (TensorFlow is imported only when called)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection

from foodapp.interactions.training_examples import Split, training_examples_iter
from recommender.datasets.food import EXAMPLE_FIELDS

if TYPE_CHECKING:
    import tensorflow as tf

PREFETCH_EXAMPLES = 4096
_DONE = object()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def _put(channel: queue.Queue[Any], item: object, stop: threading.Event) -> bool:
    """Put unless the consumer went away; False when it did."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def examples_in_own_thread(*, split: Split, **options: Any) -> Iterator[dict[str, Any]]:
    """training_examples_iter read by one dedicated thread that owns its database connection.

    TensorFlow calls a generator from whichever of its threads is free, and Django keeps one
    connection per thread; reading in one thread of our own, through a bounded queue, keeps to
    a single connection that is closed at the end, and memory stays bounded.
    """
    channel: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH_EXAMPLES)
    stop = threading.Event()

    def produce() -> None:
        try:
            for example in training_examples_iter(split=split, **options):
                if not _put(channel, example, stop):
                    return
        except BaseException as error:
            _put(channel, _Failure(error), stop)
        finally:
            connection.close()
            _put(channel, _DONE, stop)

    worker = threading.Thread(target=produce, name="training-examples", daemon=True)
    worker.start()
    try:
        while (item := channel.get()) is not _DONE:
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()


def training_dataset(*, split: Split, **options: Any) -> tf.data.Dataset:
    """Wrap training_examples_iter as a dataset of dicts of scalar tensors.

    The rows are read by a thread of their own with its own database connection, so they
    must be committed.

    Args:
        split: "train", "validation" or "test".
        **options: passed on to training_examples_iter (cutoffs, seed, negatives, ...).

    Returns:
        A dataset of {field: scalar tensor}, one per recommender.datasets.food.EXAMPLE_FIELDS
        entry ("string" as tf.string, "int" as int64, "float" as float32); batch it yourself
        (`.batch(n)`).
    """
    import tensorflow as tf

    dtypes = {"string": tf.string, "int": tf.int64, "float": tf.float32}
    signature = {
        name: tf.TensorSpec(shape=(), dtype=dtypes[kind]) for name, kind in EXAMPLE_FIELDS.items()
    }

    def generate() -> Iterator[dict[str, Any]]:
        for example in examples_in_own_thread(split=split, **options):
            yield {name: example[name] for name in signature}

    return tf.data.Dataset.from_generator(generate, output_signature=signature)
