"""The training example's fields and types, shared by extraction, tf.data and serving (Django-free).

Every example is a flat dict with exactly these keys; strings are never None ("" when
unknown), numbers never NaN. List-like strings (diet, cuisines, tags) are `|`-joined and
sorted so equal sets give equal strings.
"""

from __future__ import annotations

from typing import Final, Literal

FieldKind = Literal["string", "int", "float"]

USER_FIELDS: Final[dict[str, FieldKind]] = {
    "user_id": "string",
    "user_diet": "string",
    "user_favourite_cuisines": "string",
    "user_area": "string",
}
QUERY_FIELDS: Final[dict[str, FieldKind]] = {"query": "string"}
DISH_FIELDS: Final[dict[str, FieldKind]] = {
    "dish_id": "string",
    "dish_name": "string",
    "dish_cuisine": "string",
    "dish_course": "string",
    "dish_tags": "string",
    "dish_price": "float",
    "dish_spice_level": "int",
    "dish_is_vegetarian": "int",
    "dish_is_vegan": "int",
    "dish_is_gluten_free": "int",
}
CONTEXT_FIELDS: Final[dict[str, FieldKind]] = {
    "position": "int",
    "hour": "int",
    "weekday": "int",
    "device": "string",
}
META_FIELDS: Final[dict[str, FieldKind]] = {
    "event_id": "int",
    "timestamp": "float",
    "source": "string",
}
LABEL: Final = "label"
EXAMPLE_FIELDS: Final[dict[str, FieldKind]] = {
    **USER_FIELDS,
    **QUERY_FIELDS,
    **DISH_FIELDS,
    **CONTEXT_FIELDS,
    **META_FIELDS,
    LABEL: "int",
}

# Where an example came from: a shown dish, an order or rating without an impression, or a
# dish sampled from the catalogue as a negative for one of those.
SOURCE_IMPRESSION = "impression"
SOURCE_ORDER = "order"
SOURCE_RATING = "rating"
SOURCE_SAMPLED = "sampled"
NO_POSITION = -1
LIST_JOIN = "|"
