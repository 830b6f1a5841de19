"""Where a shown dish came from: the ranker, model version, position and query that placed it.

Links and forms under a suggestion carry it, but only as a claim: a click, an order or a
dismissal is logged with the origin of the impression behind it (web.selectors.origin_logged),
the claim only choosing among the impressions logged (a dish shown in two lists), so that a
forged form cannot credit an order to any ranker or version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from foodapp.interactions.query_text import MAX_QUERY_LENGTH
from foodapp.recommendations.rankers import RANKERS

MAX_POSITION = 1000
MAX_VERSION_LENGTH = 64


@dataclass(frozen=True)
class Origin:
    """What placed a dish on a page (all empty for a dish reached any other way)."""

    ranker: str | None = None
    model_version: str | None = None
    position: int | None = None
    query: str = ""

    def as_params(self) -> dict[str, str]:
        """The non-empty parts as query/form parameters."""
        params = {
            "ranker": self.ranker or "",
            "model_version": self.model_version or "",
            "position": "" if self.position is None else str(self.position),
            "q": self.query,
        }
        return {key: value for key, value in params.items() if value}

    def as_query_string(self) -> str:
        """The parameters url-encoded (without "?")."""
        return urlencode(self.as_params())


def origin_from_params(params: Mapping[str, str]) -> Origin:
    """The origin in request parameters; anything unknown or malformed is dropped, not trusted."""
    ranker = params.get("ranker", "")
    version = params.get("model_version", "")[:MAX_VERSION_LENGTH]
    position = params.get("position", "")
    return Origin(
        ranker=ranker if ranker in RANKERS else None,
        model_version=version if version and ":" in version else None,
        position=int(position) if position.isdigit() and int(position) <= MAX_POSITION else None,
        query=params.get("q", "")[:MAX_QUERY_LENGTH],
    )
