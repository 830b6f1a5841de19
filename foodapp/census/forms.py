"""The census person form, built from the served model's own input schema."""

from __future__ import annotations

from typing import Any

from django import forms

from foodapp.census.examples import FEATURES

LABELS = {
    "education_num": "Years of education",
    "marital_status": "Marital status",
    "capital_gain": "Capital gain ($)",
    "capital_loss": "Capital loss ($)",
    "hours_per_week": "Hours per week",
    "native_country": "Native country",
}
NUMERIC_BOUNDS = {
    "age": (16, 100),
    "education_num": (1, 16),
    "capital_gain": (0, 100_000),
    "capital_loss": (0, 10_000),
    "hours_per_week": (1, 99),
}


class CensusPersonForm(forms.Form):
    """One field per model input: a choice from the training vocabulary, or a number."""

    def __init__(self, *args: Any, schema: dict[str, dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FEATURES:
            entry = schema.get(name, {"dtype": "string", "vocabulary": None})
            label = LABELS.get(name, name.replace("_", " ").capitalize())
            if entry["dtype"] == "float":
                low, high = NUMERIC_BOUNDS.get(name, (0, 1_000_000))
                self.fields[name] = forms.IntegerField(label=label, min_value=low, max_value=high)
            elif entry.get("vocabulary"):
                choices = [(value, value) for value in sorted(entry["vocabulary"]) if value]
                self.fields[name] = forms.ChoiceField(label=label, choices=choices)
            else:
                self.fields[name] = forms.CharField(label=label, max_length=100)

    def instance(self) -> dict[str, Any]:
        """The cleaned values as one model instance."""
        return {name: self.cleaned_data[name] for name in FEATURES}


def initial_from_example(example: dict[str, Any]) -> dict[str, Any]:
    """Form initial values from a raw example (string values stripped of their leading space)."""
    return {
        key: value.strip() if isinstance(value, str) else value for key, value in example.items()
    }


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV of people", help_text="One row per person, a column per field."
    )
