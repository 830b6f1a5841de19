"""Search text normalisation shared by the event log and the search box (Django-free)."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_LENGTH = 255
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_query(text: str) -> str:
    """Case-fold, drop punctuation, collapse spaces: "  Fried  CHICKEN!" -> "fried chicken"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())[:MAX_QUERY_LENGTH]
