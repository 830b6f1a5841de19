"""The pages people use: home ("for you"), search, history, order/rate/dismiss, clicks, personas.

Thin: forms check the input, selectors read, services write. Every form posts with CSRF; a bad
post answers 400 with the form's errors, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from foodapp.catalog.models import Dish
from foodapp.core.htmx import is_htmx
from foodapp.interactions.query_text import MAX_QUERY_LENGTH, normalize_query
from foodapp.web import selectors, services
from foodapp.web.forms import ClickForm, DishActionForm, PersonaForm, RatingForm
from foodapp.web.origin import origin_from_params
from foodapp.web.visitor import visit_session_key, visitor_user_id

SEARCH_SIZE = 12


def _signed_in_id(request: HttpRequest) -> int:
    """The id of the person a login_required view serves."""
    user_id = visitor_user_id(request)
    assert user_id is not None, "login_required lets only signed-in people in"
    return user_id


def _shown(request: HttpRequest, lists: list[selectors.SuggestionList]) -> None:
    """Log impressions of what the person or guest is about to see (a guest's by session)."""
    if any(shown.cards for shown in lists):
        services.lists_shown_record(
            user_id=visitor_user_id(request),
            lists=lists,
            session_id=visit_session_key(request),
        )


def _back(request: HttpRequest, dish: Dish | None) -> HttpResponseRedirect:
    """Back to the page the form was on (same site only), else the dish's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    if dish is not None:
        return redirect("catalog:dish-detail", slug=dish.slug)
    return redirect("home")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    lists = selectors.lists_shown(selectors.home_lists(user=request.user))
    _shown(request, lists)
    return render(request, "web/home.html", {"lists": lists})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """One box, ranked by the default ranker; `compare=v1` adds what v1 would have returned."""
    raw = request.GET.get("q", "")[:MAX_QUERY_LENGTH]
    query = normalize_query(raw)
    compare = request.GET.get("compare") == "v1"
    lists: list[selectors.SuggestionList] = []
    if query:
        lists.append(
            selectors.suggestions_for(
                user=request.user, query=query, k=SEARCH_SIZE, title=f"Results for “{query}”"
            )
        )
        if compare:
            naive = selectors.suggestions_for(
                user=request.user,
                query=query,
                k=SEARCH_SIZE,
                ranker=selectors.FALLBACK_RANKER,
                title="What v1 naive matching would have returned",
            )
            lists.append(naive)
        user_id = visitor_user_id(request)
        if user_id is not None:
            services.search_record(
                user_id=user_id, query=raw, session_id=visit_session_key(request)
            )
        _shown(request, lists)
    context = {"query": query, "raw_query": raw, "compare": compare, "lists": lists}
    template = "web/_search_results.html" if is_htmx(request) else "web/search.html"
    return render(request, template, context)


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    events = selectors.history_for(user_id=_signed_in_id(request))
    return render(request, "web/history.html", {"events": events})


def _form_errors(request: HttpRequest, form: DishActionForm) -> HttpResponse:
    """The form's errors as a page, with 400."""
    return render(request, "web/form_errors.html", {"form": form}, status=400)


@login_required
@require_POST
def order(request: HttpRequest) -> HttpResponse:
    form = DishActionForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    dish = form.cleaned_data["dish"]
    services.dish_order(
        user_id=_signed_in_id(request),
        dish=dish,
        origin=origin_from_params(request.POST),
        session_id=visit_session_key(request),
    )
    messages.success(request, f"Ordered {dish.name} (a demo order: nothing to pay).")
    return _back(request, dish)


@login_required
@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    dish = form.cleaned_data["dish"]
    services.dish_rate(
        user_id=_signed_in_id(request),
        dish=dish,
        rating=form.cleaned_data["rating"],
        origin=origin_from_params(request.POST),
        session_id=visit_session_key(request),
    )
    messages.success(request, f"Rated {dish.name} {form.cleaned_data['rating']} of 5.")
    return _back(request, dish)


@login_required
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    form = DishActionForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form)
    dish = form.cleaned_data["dish"]
    services.dish_dismiss(
        user_id=_signed_in_id(request),
        dish=dish,
        origin=origin_from_params(request.POST),
        session_id=visit_session_key(request),
    )
    if is_htmx(request):  # the card is replaced in place
        return render(request, "web/_dismissed.html", {"dish": dish})
    messages.success(request, f"{dish.name}: not for you. We will not suggest it again.")
    return _back(request, None)


@require_POST
def click(request: HttpRequest) -> HttpResponse:
    """A click on a suggestion, posted by static/js/suggestion-clicks.js as its link is followed
    (a guest's logged by session): 204, or 400 with what was wrong."""
    form = ClickForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    services.suggestion_click(
        user_id=visitor_user_id(request),
        dish=form.cleaned_data["dish"],
        origin=form.origin(),
        session_id=visit_session_key(request),
    )
    return HttpResponse(status=204)


@require_GET
def dish_go(request: HttpRequest, dish_id: int) -> HttpResponse:
    """The old click link (pages from before clicks were posted): the dish's page, logging
    nothing, since a GET that a prefetcher or a crawler follows must not count as a click."""
    dish = get_object_or_404(Dish, pk=dish_id)
    return redirect(reverse("catalog:dish-detail", args=[dish.slug]))


@require_http_methods(["GET", "POST"])
def personas(request: HttpRequest) -> HttpResponse:
    """Sign in as a simulated person, to see personalization at work (a demo)."""
    form = PersonaForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            profile = form.cleaned_data["profile"]
            login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"You are now {profile.user.get_username()} (a demo).")
            return redirect("home")
        status = 400
    context = {"form": form, "personas": selectors.simulated_personas()}
    return render(request, "web/personas.html", context, status=status)
