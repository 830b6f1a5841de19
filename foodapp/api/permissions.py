"""Who may do what through the API; the training rights are the admin's, imported, not copied."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from foodapp.training.permissions import ACTIVATE_PERMISSION, RETRAIN_PERMISSION

# Staff, or a token user granted this, may ask for another person with user_id=.
VIEW_ANY_PERSON_PERMISSION = "api.view_any_person"

NOT_YOURS = "user_id: you may only read and write your own suggestions, events and history"
STAFF_ONLY = "staff only: sign in as a staff member"
NEEDS_PERMISSION = "staff with the permission {permission!r} only (the same rule as the admin)"


def may_act_for_anyone(user: Any) -> bool:
    """Whether `user` may read another person's suggestions and history."""
    return bool(user and user.is_authenticated) and (
        bool(user.is_staff) or user.has_perm(VIEW_ANY_PERSON_PERMISSION)
    )


class IsStaff(BasePermission):
    """Staff members only (what the admin requires to enter at all)."""

    message = STAFF_ONLY

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


class _StaffWithPermission(IsStaff):
    """Staff members holding one model permission; reading (GET) needs staff only."""

    permission = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self.message = NEEDS_PERMISSION.format(permission=self.permission)
        return bool(request.user.has_perm(self.permission))


class CanRetrain(_StaffWithPermission):
    """Queue a training run: staff with training.retrain_model, as in the admin."""

    permission = RETRAIN_PERMISSION


class CanActivate(_StaffWithPermission):
    """Serve a model version: staff with training.activate_modelversion, as in the admin."""

    permission = ACTIVATE_PERMISSION
