"""The two people of the talk's instance-prediction example, exactly as the talk sent them."""

from __future__ import annotations

from typing import Any

FEATURES = (
    "age",
    "workclass",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "gender",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
)

STORY_EXAMPLES: tuple[dict[str, Any], ...] = (
    {
        "age": 25,
        "workclass": " Private",
        "education": " 11th",
        "education_num": 7,
        "marital_status": " Never-married",
        "occupation": " Machine-op-inspct",
        "relationship": " Own-child",
        "race": " Black",
        "gender": " Male",
        "capital_gain": 0,
        "capital_loss": 0,
        "hours_per_week": 40,
        "native_country": " United-States",
    },
    {
        "age": 42,
        "workclass": " Self-emp-inc",
        "education": " HS-grad",
        "education_num": 9,
        "marital_status": " Married-civ-spouse",
        "occupation": " Exec-managerial",
        "relationship": " Husband",
        "race": " White",
        "gender": " Male",
        "capital_gain": 5178,
        "capital_loss": 0,
        "hours_per_week": 50,
        "native_country": " United-States",
    },
)
