"""The four rankers of the story, declared once: v1 naive matching, v2 wide, v3 deep, v4 both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from foodapp.training.predictors import ModelNotAvailableError
from recommender.datasets.food import MODEL_NAMES

T = TypeVar("T")


@dataclass(frozen=True)
class RankerInfo:
    """One ranker: its key, the story's name for it, and the model it serves (None for v1)."""

    key: str
    title: str
    summary: str
    model_type: str | None

    @property
    def model_name(self) -> str | None:
        """The model store name of its learned model, or None for v1."""
        return MODEL_NAMES[self.model_type] if self.model_type else None


RANKERS: dict[str, RankerInfo] = {
    info.key: info
    for info in (
        RankerInfo(
            "v1", "v1 naive matching", "character matching of the query, then popularity", None
        ),
        RankerInfo("v2", "v2 wide", "a linear model with crossed features: memorizes", "wide"),
        RankerInfo("v3", "v3 deep", "embeddings and a ReLU tower: generalizes", "deep"),
        RankerInfo("v4", "v4 wide & deep", "both, trained jointly", "wide_deep"),
    )
}
DEFAULT_RANKER = "v4"
# What answers when a learned ranker's model is not served yet: the one that needs no model.
FALLBACK_RANKER = next(key for key, info in RANKERS.items() if info.model_type is None)
LEARNED_RANKERS = tuple(key for key, info in RANKERS.items() if info.model_type)
ERROR_UNKNOWN_RANKER = "ranker: expected one of {known}, got {value!r}"


def ranker_info(key: str) -> RankerInfo:
    """The ranker with this key.

    Raises:
        ValueError: unknown key (the message lists the known ones).
    """
    try:
        return RANKERS[key]
    except KeyError:
        raise ValueError(ERROR_UNKNOWN_RANKER.format(known=", ".join(RANKERS), value=key)) from None


def ranked_with_fallback(rank: Callable[[str], T], ranker: str) -> tuple[T, str]:
    """`rank(ranker)`, or `rank(FALLBACK_RANKER)` when the ranker's model is not served yet.

    Returns:
        The result and "" or, when it fell back, why the asked-for ranker could not answer.

    Raises:
        ModelNotAvailableError: the fallback ranker could not answer either.
    """
    try:
        return rank(ranker), ""
    except ModelNotAvailableError as error:
        if ranker == FALLBACK_RANKER:
            raise
        return rank(FALLBACK_RANKER), str(error).strip("'\"")
