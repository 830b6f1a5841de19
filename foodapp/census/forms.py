"""The census person form, built from the served model's own input schema."""

from __future__ import annotations

from typing import Any

from django import forms

from foodapp.census.examples import FEATURES
from foodapp.serving.input_ranges import OUTSIDE, Ranges, number_text

LABELS = {
    "education_num": "Years of education",
    "marital_status": "Marital status",
    "capital_gain": "Capital gain ($)",
    "capital_loss": "Capital loss ($)",
    "hours_per_week": "Hours per week",
    "native_country": "Native country",
}


def _number_field(label: str, bounds: tuple[float, float] | None) -> forms.IntegerField:
    """A whole number, within the range the model was trained on when it declares one."""
    if bounds is None:
        return forms.IntegerField(label=label)
    low, high = (int(bound) for bound in bounds)
    outside = OUTSIDE.format(value="%(value)s", low=number_text(low), high=number_text(high))
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=f"{number_text(low)} to {number_text(high)}",
        error_messages={"min_value": f"{outside}.", "max_value": f"{outside}."},
    )


class CensusPersonForm(forms.Form):
    """One field per model input: a choice from the training vocabulary, or a number in range."""

    def __init__(
        self,
        *args: Any,
        schema: dict[str, dict[str, Any]],
        ranges: Ranges | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        ranges = ranges or {}
        for name in FEATURES:
            entry = schema.get(name, {"dtype": "string", "vocabulary": None})
            label = LABELS.get(name, name.replace("_", " ").capitalize())
            if entry["dtype"] == "float":
                self.fields[name] = _number_field(label, ranges.get(name))
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
