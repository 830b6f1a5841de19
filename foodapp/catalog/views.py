"""Catalogue pages: the dish list with its search box, and a dish's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from foodapp.catalog.models import Dish
from foodapp.catalog.placeholder import dish_placeholder
from foodapp.catalog.selectors import dish_get, dish_list, dish_search

MAX_QUERY_LENGTH = 200


def _with_pictures(dishes: list[Dish]) -> list[tuple[Dish, object]]:
    """Each dish with its placeholder picture."""
    return [
        (dish, dish_placeholder(name=dish.name, cuisine=dish.cuisine.name if dish.cuisine else ""))
        for dish in dishes
    ]


@require_GET
def dish_list_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    dishes = dish_search(query=query, limit=48) if query else dish_list(limit=48)
    return render(
        request, "catalog/dish_list.html", {"query": query, "dishes": _with_pictures(dishes)}
    )


@require_GET
def dish_detail_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        dish = dish_get(slug=slug)
    except Dish.DoesNotExist:
        raise Http404("No such dish.") from None
    picture = dish_placeholder(name=dish.name, cuisine=dish.cuisine.name if dish.cuisine else "")
    return render(request, "catalog/dish_detail.html", {"dish": dish, "picture": picture})
