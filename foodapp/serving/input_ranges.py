"""The valid range of each numeric input of a model: what it was trained on. TensorFlow-free.

A model's app registers where its ranges come from (the census app: the census dataset module);
the serving API, the census form and the CSV upload all refuse a value outside them with the
same rule and the same words.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

Ranges = Mapping[str, tuple[float, float]]
OUTSIDE = "{value} is outside {low} to {high}, the range the model was trained on"

_SOURCES: dict[str, Callable[[], Ranges]] = {}


class OutOfRangeError(ValueError):
    """A value outside its input's range; the message names the field."""


def input_ranges_register(*, model_name: str, source: Callable[[], Ranges]) -> None:
    """Declare where the ranges of a model's inputs come from (called lazily, when needed)."""
    _SOURCES[model_name] = source


def input_ranges_get(*, model_name: str) -> Ranges:
    """{input name: (lowest, highest)} for the model; empty when it declares none."""
    source = _SOURCES.get(model_name)
    return source() if source is not None else {}


def number_text(value: object) -> str:
    """A number as a person writes it: -25, 90.5, 1e+300 (at most 40 characters)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    text = repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def out_of_range_message(where: str, value: object, bounds: tuple[float, float]) -> str:
    """'<where>: -25 is outside 17 to 90, the range the model was trained on'."""
    low, high = (number_text(bound) for bound in bounds)
    return f"{where}: " + OUTSIDE.format(value=number_text(value), low=low, high=high)


def is_outside(value: object, bounds: tuple[float, float]) -> bool:
    """True for a finite number outside the bounds; anything else is for the type checks."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    try:
        number = float(value)
    except OverflowError:
        return True  # an integer too large for a float is outside any range
    return math.isfinite(number) and not bounds[0] <= number <= bounds[1]


def _first_outside(values: Sequence[object], bounds: tuple[float, float]) -> int | None:
    """The index of the first value outside the bounds, if any (all-numbers fast path)."""
    low, high = bounds
    as_numbers = cast("Sequence[float]", values)  # if they are not, min() raises TypeError
    try:
        if low <= min(as_numbers) and max(as_numbers) <= high:
            return None
    except (TypeError, ValueError):
        pass  # not all numbers (or none): look value by value
    for index, value in enumerate(values):
        if is_outside(value, bounds):
            return index
    return None


def instances_range_check(*, ranges: Ranges, instances: Sequence[Any]) -> None:
    """Raise OutOfRangeError naming the first `instances[i].name` outside its range."""
    for name, bounds in ranges.items():
        values = [row.get(name) if isinstance(row, dict) else None for row in instances]
        index = _first_outside(values, bounds)
        if index is not None:
            where = f"instances[{index}].{name}"
            raise OutOfRangeError(out_of_range_message(where, values[index], bounds))


def inputs_range_check(*, ranges: Ranges, inputs: Mapping[str, Sequence[Any]]) -> None:
    """Raise OutOfRangeError naming the first `inputs.name[i]` outside its range."""
    for name, bounds in ranges.items():
        values = inputs.get(name)
        if not isinstance(values, list):
            continue
        index = _first_outside(values, bounds)
        if index is not None:
            where = f"inputs.{name}[{index}]"
            raise OutOfRangeError(out_of_range_message(where, values[index], bounds))
