"""Forms of the web pages: an order, a rating, a dismissal, the persona switch."""

from __future__ import annotations

from django import forms

from foodapp.catalog.models import Dish
from foodapp.people.models import Profile
from foodapp.web.selectors import personas_allowed

RATINGS = [(n, f"{n} of 5") for n in range(1, 6)]
ERROR_NOT_A_PERSONA = "Choose one of the simulated people shown; only they can be switched to."


class DishActionForm(forms.Form):
    """Which dish (by id, checked against the catalogue) an order or a dismissal is about."""

    dish = forms.ModelChoiceField(
        queryset=Dish.objects.on_menu(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That dish does not exist (any more)."},
    )


class RatingForm(DishActionForm):
    """A rating from 1 to 5 stars."""

    rating = forms.TypedChoiceField(
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        label="Your rating",
        error_messages={"invalid_choice": "A rating is a whole number from 1 to 5."},
    )


class PersonaForm(forms.Form):
    """Sign in as one simulated person (a demo of personalization)."""

    profile = forms.ModelChoiceField(
        queryset=Profile.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": ERROR_NOT_A_PERSONA},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["profile"].queryset = personas_allowed()  # type: ignore[attr-defined]
