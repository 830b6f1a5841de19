"""The sign-up form: an account plus what a person states about their food."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

from foodapp.catalog.models import Cuisine
from foodapp.people.models import DietRestriction


class SignUpForm(UserCreationForm[User]):
    """Username and password (Django's checks), favourite cuisines and diet."""

    favourite_cuisines = forms.ModelMultipleChoiceField(
        queryset=Cuisine.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Suggestions start from these.",
    )
    diet = forms.MultipleChoiceField(
        choices=DietRestriction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What you do not eat.",
    )

    def person_fields(self) -> dict[str, Any]:
        """The cleaned values as people_create_bulk's PersonInput fields (without the username)."""
        return {
            "favourite_cuisines": tuple(c.name for c in self.cleaned_data["favourite_cuisines"]),
            "diet_restrictions": tuple(self.cleaned_data["diet"]),
        }
