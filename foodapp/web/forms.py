"""Forms of the web pages: an order, a rating, a dismissal, a click, the persona switch."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from foodapp.catalog.models import Dish
from foodapp.interactions.query_text import MAX_QUERY_LENGTH
from foodapp.people.models import Profile
from foodapp.recommendations.rankers import RANKERS
from foodapp.web.origin import MAX_POSITION, MAX_VERSION_LENGTH, Origin
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


class ClickForm(DishActionForm):
    """A click on a suggestion and the origin its card rendered (checked, not trusted: the
    click is credited to the impression behind it)."""

    ranker = forms.ChoiceField(
        choices=[("", "none"), *((key, key) for key in RANKERS)],
        required=False,
        error_messages={"invalid_choice": "ranker: one of " + ", ".join(RANKERS) + "."},
    )
    model_version = forms.CharField(
        required=False,
        max_length=MAX_VERSION_LENGTH,
        validators=[RegexValidator(r"^[^:]+:\d+$", "model_version: <model>:<number>.")],
    )
    position = forms.IntegerField(required=False, min_value=0, max_value=MAX_POSITION)
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, strip=False)

    def origin(self) -> Origin:
        """The origin the click claims (call once the form is valid)."""
        data = self.cleaned_data
        return Origin(
            ranker=data["ranker"] or None,
            model_version=data["model_version"] or None,
            position=data["position"],
            query=data["q"],
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
