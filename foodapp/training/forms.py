"""The admin's "Retrain" form: one field per parameter the model's trainer declares, plus the data
window; the trainer's own declarations validate the values."""

from __future__ import annotations

from typing import Any

from django import forms

from foodapp.training.params import InvalidParamsError, Param
from foodapp.training.registry import Trainer

DATA_WINDOW_BACKWARDS = "must be before the end of the window"


def _field_for(param: Param, initial: Any) -> forms.Field:
    """A form field for one declared parameter (its bounds are checked by the declaration)."""
    label = param.name.replace("_", " ").capitalize()
    options: dict[str, Any] = {"label": label, "help_text": param.help, "initial": initial}
    if param.kind is bool:
        return forms.BooleanField(required=False, **options)
    if param.kind is str and param.choices:
        return forms.ChoiceField(choices=[(c, c) for c in param.choices], **options)
    if param.kind is str:
        return forms.CharField(required=False, **options)
    if param.kind is float:
        return forms.FloatField(required=False, **options)
    return forms.IntegerField(required=False, **options)


class RetrainForm(forms.Form):
    """Parameters of one model's trainer and the window of data to train on."""

    def __init__(self, *args: Any, trainer: Trainer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trainer = trainer
        self.params: dict[str, Any] = {}
        defaults = trainer.clean_params({})
        for param in trainer.declared_parameters():
            self.fields[param.name] = _field_for(param, defaults.get(param.name))
        if not trainer.reads_data_window:
            return
        self.fields["data_from"] = forms.DateTimeField(
            required=False, help_text="train on events from this time (empty: the first)"
        )
        self.fields["data_until"] = forms.DateTimeField(
            required=False,
            help_text="train on events up to this time (empty: the start of the run)",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("data_from"), cleaned.get("data_until")
        if start is not None and end is not None and start >= end:
            self.add_error("data_from", DATA_WINDOW_BACKWARDS)
        given = {
            param.name: cleaned.get(param.name)
            for param in self.trainer.declared_parameters()
            if cleaned.get(param.name) not in (None, "")
        }
        try:
            self.params = self.trainer.clean_params(given)
        except InvalidParamsError as error:
            name = str(error).partition(":")[0]
            self.add_error(name if name in self.fields else None, str(error))
        return cleaned
