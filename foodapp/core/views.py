"""Site-wide pages: sign-up and the health endpoints (home is foodapp.web's "for you")."""

from __future__ import annotations

from django.contrib.auth import login
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from foodapp.core.forms import SignUpForm
from foodapp.core.readiness import readiness_report
from foodapp.core.services import account_sign_up
from foodapp.people.services import PersonValidationError


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new person, with a profile, through the same people service as imports and simulation."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_sign_up(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                **form.person_fields(),
            )
        except PersonValidationError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and answering; checks nothing else."""
    return JsonResponse({"status": "ok"})


def _is_staff(request: HttpRequest) -> bool:
    """Whether a staff member asks; False when the session cannot be read (database down)."""
    try:
        return bool(request.user.is_staff)
    except DatabaseError:
        return False


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, broker and model store reachable: 200, else 503 naming the failing part.

    Why a part fails is logged; only staff see it in the answer.
    """
    ok, checks = readiness_report(details=_is_staff(request))
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if ok else "unavailable", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if ok else 503)
