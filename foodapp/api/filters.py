"""The dish list's filters and search, with django-filter: /api/v1/dishes/?cuisine=&course=&..."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from foodapp.catalog.models import Course, Dish
from foodapp.interactions.query_text import MAX_QUERY_LENGTH, normalize_query
from foodapp.people.models import DietRestriction

MAX_SEARCH_WORDS = 8
DIET_FIELDS = {
    DietRestriction.VEGETARIAN: Q(is_vegetarian=True) | Q(is_vegan=True),
    DietRestriction.VEGAN: Q(is_vegan=True),
    DietRestriction.GLUTEN_FREE: Q(is_gluten_free=True),
}


class DishFilter(django_filters.FilterSet):
    """Cuisine (name or slug), course, diet, price range, spice range and a word search."""

    q = django_filters.CharFilter(
        method="search",
        max_length=MAX_QUERY_LENGTH,
        label="words that must all appear in the name, description, cuisine or tags",
    )
    cuisine = django_filters.CharFilter(
        method="cuisine_named", max_length=100, label="cuisine name or slug"
    )
    course = django_filters.ChoiceFilter(choices=Course.choices)
    diet = django_filters.MultipleChoiceFilter(
        choices=DietRestriction.choices, method="diet_respected", label="diet the dish respects"
    )
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=0)
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=0)
    spice_min = django_filters.NumberFilter(
        field_name="spice_level", lookup_expr="gte", min_value=0, max_value=3
    )
    spice_max = django_filters.NumberFilter(
        field_name="spice_level", lookup_expr="lte", min_value=0, max_value=3
    )

    class Meta:
        model = Dish
        fields = ["q", "cuisine", "course", "diet", "price_min", "price_max"]

    def search(self, queryset: QuerySet[Dish], name: str, value: str) -> QuerySet[Dish]:
        """Dishes holding every word of the query somewhere in their text."""
        for word in normalize_query(value).split()[:MAX_SEARCH_WORDS]:
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(description__icontains=word)
                | Q(cuisine__name__icontains=word)
                | Q(tags__name__icontains=word)
            )
        return queryset.distinct()

    def cuisine_named(self, queryset: QuerySet[Dish], name: str, value: str) -> QuerySet[Dish]:
        """Dishes of the cuisine with this name or slug (case-insensitive)."""
        value = value.strip()
        return queryset.filter(Q(cuisine__name__iexact=value) | Q(cuisine__slug__iexact=value))

    def diet_respected(
        self, queryset: QuerySet[Dish], name: str, value: list[str]
    ) -> QuerySet[Dish]:
        """Dishes that respect every diet named."""
        for diet in value:
            queryset = queryset.filter(DIET_FIELDS[DietRestriction(diet)])
        return queryset
