"""Catalogue pages: the dish list with its filters, and a dish's page with similar dishes."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from foodapp.catalog.filters import DishFilter
from foodapp.catalog.models import Dish
from foodapp.catalog.placeholder import dish_placeholder
from foodapp.catalog.selectors import dish_get
from foodapp.core.htmx import is_htmx
from foodapp.web.forms import RATINGS
from foodapp.web.selectors import picture_of, rating_of, similar_for
from foodapp.web.services import lists_shown_record
from foodapp.web.visitor import visit_session_key, visitor_user_id

PAGE_SIZE = 24


def _with_pictures(dishes: list[Dish]) -> list[tuple[Dish, object]]:
    """Each dish with its placeholder picture."""
    return [
        (dish, dish_placeholder(name=dish.name, cuisine=dish.cuisine.name if dish.cuisine else ""))
        for dish in dishes
    ]


@require_GET
def dish_list_page(request: HttpRequest) -> HttpResponse:
    """Filtered (django-filter), paginated; an htmx request gets only the results part."""
    dishes = Dish.objects.on_menu().select_related("cuisine").order_by("-order_count", "name", "id")
    filters = DishFilter(request.GET, queryset=dishes)
    found = filters.qs if filters.is_valid() else Dish.objects.none()
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter": filters,
        "page": page,
        "dishes": _with_pictures(list(page.object_list)),
        "query": filters.form.cleaned_data.get("q", "") if filters.is_valid() else "",
        "params": params.urlencode(),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    template = "catalog/_dish_results.html" if is_htmx(request) else "catalog/dish_list.html"
    return render(request, template, context)


@require_GET
def dish_detail_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The dish, its order and rating forms, and "similar, but different" suggestions."""
    try:
        dish = dish_get(slug=slug)
    except Dish.DoesNotExist:
        raise Http404("No such dish.") from None
    similar = similar_for(dish=dish, user=request.user)
    if similar.cards:
        lists_shown_record(
            user_id=visitor_user_id(request),
            lists=[similar],
            session_id=visit_session_key(request),
        )
    context = {
        "dish": dish,
        "picture": picture_of(dish),
        "similar": similar,
        "my_rating": rating_of(user=request.user, dish=dish),
        "ratings": RATINGS,
    }
    return render(request, "catalog/dish_detail.html", context)
