"""Training parameters: each trainer declares the ones it accepts, and validates them the same way
for the admin, the API, the command and the task."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from foodapp.training.registry import Trainer

MAX_EPOCHS = 1000


class InvalidParamsError(ValueError):
    """Training parameters that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Param:
    """One parameter a trainer accepts: its name, kind (int, float, str or bool) and bounds."""

    name: str
    kind: type = int
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def clean(self, value: Any) -> Any:
        """The value checked (an int is accepted for a float); raise InvalidParamsError."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise InvalidParamsError(f"{self.name}: must be true or false, got {value!r}")
            return value
        if self.kind is str:
            return self._clean_text(value)
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidParamsError(f"{self.name}: must be a number, got {value!r}")
            value = float(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            raise InvalidParamsError(f"{self.name}: {self._whole_number()}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            what = self._whole_number() if self.kind is int else f"must be >= {self.minimum}"
            raise InvalidParamsError(f"{self.name}: {what}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise InvalidParamsError(f"{self.name}: must be at most {self.maximum}, got {value}")
        return value

    def _clean_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidParamsError(f"{self.name}: must be text, got {value!r}")
        if self.choices and value not in self.choices:
            raise InvalidParamsError(
                f"{self.name}: must be one of {', '.join(self.choices)}, got {value!r}"
            )
        return value

    def _whole_number(self) -> str:
        if self.minimum == 1:
            return "must be a positive whole number"
        if self.minimum is not None:
            return f"must be a whole number >= {self.minimum:g}"
        return "must be a whole number"


# What every trainer accepted before trainers declared their own (census and food keep them).
STANDARD_PARAMETERS: tuple[Param, ...] = (
    Param("epochs", int, minimum=1, maximum=MAX_EPOCHS, help="maximum epochs"),
    Param("seed", int, minimum=0, help="random seed"),
    Param("max_rows", int, minimum=1, help="train on the first N rows only"),
)


def clean_declared(
    *,
    parameters: tuple[Param, ...],
    defaults: Mapping[str, Any],
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """`defaults` overlaid with `params`, each checked by its declaration.

    Raises:
        InvalidParamsError: an undeclared or unusable parameter (the message names it).
    """
    declared = {param.name: param for param in parameters}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise InvalidParamsError(
            f"{unknown[0]}: unknown parameter (allowed: {', '.join(declared)})"
        )
    cleaned: dict[str, Any] = {**defaults}
    for name, value in params.items():
        if value is not None:
            cleaned[name] = declared[name].clean(value)
    return cleaned


def clean_params(*, trainer: Trainer, params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the parameters with defaults filled in; raise InvalidParamsError naming the field."""
    return trainer.clean_params(params)
