"""The dish list's filters for /api/v1/dishes/: the web list's, plus lower bounds.

The filters and the search are declared once, in foodapp/catalog/filters.py (the web's dish list
uses the same class): cuisine (slug), course, diet, max_price, spice (at most) and q (the v1
search, in its order). An API client may also bound prices and spice from below.
"""

from __future__ import annotations

import django_filters

from foodapp.catalog.filters import MAX_PRICE, DishFilter


class ApiDishFilter(DishFilter):
    """The web's dish filters plus price_min and spice_min."""

    price_min = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", min_value=0, max_value=MAX_PRICE
    )
    spice_min = django_filters.NumberFilter(
        field_name="spice_level", lookup_expr="gte", min_value=0, max_value=3
    )
