from __future__ import annotations

import pytest

from foodapp.recommendations.catalogue import catalogue_cache_clear, catalogue_current
from tests.foodapp.catalog.factories import DishFactory

pytestmark = pytest.mark.django_db


def test_the_served_catalogue_leaves_out_imported_restaurants():
    dish = DishFactory()
    restaurant = DishFactory(external_id="uci-132825", course="")
    catalogue_cache_clear()
    try:
        ids = set(catalogue_current().ids.tolist())
    finally:
        catalogue_cache_clear()
    assert dish.pk in ids
    assert restaurant.pk not in ids
