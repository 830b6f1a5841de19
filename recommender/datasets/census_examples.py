"""The talk's two census instances, exactly as it sent them (leading spaces kept).

Kept apart from `census.py` so that pages and tests can use them without importing TensorFlow.
"""

from __future__ import annotations

from typing import Any

TALK_INSTANCES: tuple[dict[str, Any], ...] = (
    {
        "age": 25, "workclass": " Private", "education": " 11th", "education_num": 7,
        "marital_status": " Never-married", "occupation": " Machine-op-inspct",
        "relationship": " Own-child", "race": " Black", "gender": " Male", "capital_gain": 0,
        "capital_loss": 0, "hours_per_week": 40, "native_country": " United-States",
    },
    {
        "age": 42, "workclass": " Self-emp-inc", "education": " HS-grad", "education_num": 9,
        "marital_status": " Married-civ-spouse", "occupation": " Exec-managerial",
        "relationship": " Husband", "race": " White", "gender": " Male", "capital_gain": 5178,
        "capital_loss": 0, "hours_per_week": 50, "native_country": " United-States",
    },
)  # fmt: skip
