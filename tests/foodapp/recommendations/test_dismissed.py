"""A dish a person dismissed ("not for me") is never suggested to them again."""

from __future__ import annotations

import pytest

from foodapp.catalog.models import Dish
from foodapp.interactions.models import EventType
from foodapp.interactions.services import event_record
from foodapp.recommendations.selectors import dishes_similar, person_for, recommendations_for
from tests.foodapp.people.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_a_dismissed_dish_leaves_every_later_suggestion_list_of_that_person(catalogue_in_db):
    person = ProfileFactory().user
    other = ProfileFactory().user
    before = recommendations_for(user=person, query="fried chicken", ranker="v1", k=10)
    top = before.suggestions[0].dish_id

    event_record(user_id=person.pk, event_type=EventType.DISMISS, dish_id=top, value=-1.0)

    assert person_for(user=person).dismissed == frozenset({top})
    for query in ("fried chicken", Dish.objects.get(pk=top).name, ""):
        after = recommendations_for(user=person, query=query, ranker="v1", k=30)
        assert after.suggestions and top not in [s.dish_id for s in after.suggestions]
    neighbour = next(s.dish_id for s in before.suggestions if s.dish_id != top)
    similar = dishes_similar(dish_id=neighbour, user=person, ranker="v1", k=30)
    assert top not in [s.dish_id for s in similar.suggestions]
    # Only for the person who said so.
    assert top in [
        s.dish_id
        for s in recommendations_for(user=other, query="fried chicken", ranker="v1").suggestions
    ]
