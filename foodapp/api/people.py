"""Whose data a request is about: the caller, or (for staff) a person named by user_id=."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied

from foodapp.api.permissions import NOT_YOURS, may_act_for_anyone
from foodapp.api.selectors import person_external_id
from foodapp.recommendations.selectors import person_user_by_external_id

SIGN_IN_FOR_USER_ID = "user_id: sign in (session or token) to ask for a person"


def person_requested(
    *, caller: AbstractBaseUser | AnonymousUser, user_id: str
) -> AbstractBaseUser | AnonymousUser:
    """The caller, or the person with external id `user_id` when the caller may see them.

    Raises:
        NotAuthenticated: user_id from a guest.
        PermissionDenied: user_id names someone else and the caller is neither staff nor holds
            api.view_any_person (checked before the look-up, so nothing leaks).
        NotFound: no person has that external id.
    """
    if not user_id:
        return caller
    if not caller.is_authenticated:
        raise NotAuthenticated(SIGN_IN_FOR_USER_ID)
    if not may_act_for_anyone(caller):
        if person_external_id(user_id=int(caller.pk)) != user_id:
            raise PermissionDenied(NOT_YOURS)
        return caller
    try:
        return person_user_by_external_id(external_id=user_id)
    except LookupError as error:
        raise NotFound(str(error)) from None
