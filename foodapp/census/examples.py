"""The census inputs in form order, and the talk's two people (from the model core)."""

from __future__ import annotations

from recommender.datasets.census_examples import TALK_INSTANCES

STORY_EXAMPLES = TALK_INSTANCES
# The 13 raw inputs, in the order the talk lists them (the same as recommender's FEATURE_COLUMNS).
FEATURES: tuple[str, ...] = tuple(TALK_INSTANCES[0])
