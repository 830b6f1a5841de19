"""The dish list's filters (django-filter): cuisine, course, diet, price, spice and a v1 search."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from foodapp.catalog.models import Course, Cuisine, Dish
from foodapp.catalog.selectors import dish_search
from foodapp.people.models import DietRestriction

MAX_QUERY_LENGTH = 200
SEARCH_LIMIT = 200
MAX_PRICE = 10_000
SPICE_CHOICES = [("0", "Mild only"), ("1", "Up to 1 of 3"), ("2", "Up to 2 of 3")]
DIET_FIELDS = {
    DietRestriction.VEGETARIAN: Q(is_vegetarian=True) | Q(is_vegan=True),
    DietRestriction.VEGAN: Q(is_vegan=True),
    DietRestriction.GLUTEN_FREE: Q(is_gluten_free=True),
}


class DishFilter(django_filters.FilterSet):
    """Filters of the dish list; every value is checked by its form field (bad input: errors)."""

    q = django_filters.CharFilter(
        label="Name or words",
        method="filter_words",
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Try “fried chicken”"}),
    )
    cuisine = django_filters.ModelChoiceFilter(
        # Cuisines that have at least one dish (evaluated per request: querysets are lazy).
        queryset=Cuisine.objects.filter(dishes__isnull=False).distinct().order_by("name"),
        to_field_name="slug",
        empty_label="Any cuisine",
    )
    course = django_filters.ChoiceFilter(choices=Course.choices, empty_label="Any course")
    diet = django_filters.ChoiceFilter(
        choices=DietRestriction.choices, method="filter_diet", empty_label="Any diet", label="Diet"
    )
    max_price = django_filters.NumberFilter(
        field_name="price",
        lookup_expr="lte",
        label="Price up to ($)",
        min_value=0,
        max_value=MAX_PRICE,
    )
    spice = django_filters.ChoiceFilter(
        field_name="spice_level",
        lookup_expr="lte",
        choices=SPICE_CHOICES,
        empty_label="Any heat",
        label="Spice",
    )

    class Meta:
        model = Dish
        fields: list[str] = []

    def filter_words(self, queryset: QuerySet[Dish], name: str, value: str) -> QuerySet[Dish]:
        """The v1 search's matches, in its order (plain character matching)."""
        ids = [dish.id for dish in dish_search(query=value, limit=SEARCH_LIMIT)]
        order = Case(
            *[When(id=dish_id, then=Value(rank)) for rank, dish_id in enumerate(ids)],
            output_field=IntegerField(),
        )
        return queryset.filter(id__in=ids).order_by(order) if ids else queryset.none()

    def filter_diet(self, queryset: QuerySet[Dish], name: str, value: str) -> QuerySet[Dish]:
        """Dishes fit for this diet (a vegan dish is vegetarian too)."""
        return queryset.filter(DIET_FIELDS[DietRestriction(value)])
