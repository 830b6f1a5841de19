"""Template filter `get_item`: a dict's value by a variable key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """mapping[key], or None when the mapping or the key is missing."""
    if mapping is None:
        return None
    return mapping.get(key)
