"""A generated stand-in picture for a dish: its initials on a colour of its cuisine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Placeholder:
    initials: str
    hue: int


def dish_placeholder(*, name: str, cuisine: str) -> Placeholder:
    """Up to two initials of the name and a hue (0-359) fixed by the cuisine."""
    words = [word for word in name.split() if word[:1].isalnum()]
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    digest = hashlib.md5(cuisine.lower().encode(), usedforsecurity=False).digest()
    return Placeholder(initials=initials, hue=int.from_bytes(digest[:2], "big") % 360)
