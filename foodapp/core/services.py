"""Writes of the site itself: signing a person up."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from foodapp.people import services as people_services
from foodapp.people.person_input import PersonInput


def account_sign_up(
    *,
    username: str,
    password: str,
    favourite_cuisines: Sequence[str] = (),
    diet_restrictions: Sequence[str] = (),
) -> User:
    """Create a person who can log in: the people service makes user and profile, then the password.

    Imported and simulated people go through the same people_create_bulk, so a sign-up gets the
    same profile (favourite cuisines, diet) and the same checks.

    Raises:
        PersonValidationError: naming the bad field or a taken username; nothing is written.
    """
    person = PersonInput(
        username=username,
        favourite_cuisines=tuple(favourite_cuisines),
        diet_restrictions=tuple(diet_restrictions),
    )
    try:
        with transaction.atomic():
            [user_id] = people_services.people_create_bulk(people=[person])
            user = get_user_model().objects.get(pk=user_id)
            user.set_password(password)
            user.save(update_fields=["password"])
    except IntegrityError:
        # Another sign-up took the name between the check and the insert.
        raise people_services.PersonValidationError(
            people_services.ERROR_USERNAME_TAKEN.format(value=username)
        ) from None
    return user
