"""The recommendation service end to end: a simulated log, three trained models, four rankers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event, EventType
from foodapp.people.models import Profile
from foodapp.recommendations.catalogue import catalogue_cache_clear
from foodapp.recommendations.request import Filters
from foodapp.recommendations.selectors import dishes_similar, recommendations_for
from foodapp.recommendations.services import impressions_record
from foodapp.training import services
from foodapp.training.predictors import ModelNotAvailableError
from recommender.datasets.food import MODEL_NAMES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
NOW = datetime(2026, 9, 22, 12, tzinfo=UTC)


def train_all() -> None:
    for model_name in MODEL_NAMES.values():
        run = services.training_run_create(model_name=model_name, params={"epochs": 2})
        finished = services.training_run_execute(run_id=run.pk)
        assert finished is not None and finished.state == "succeeded", finished and finished.error


def test_the_four_rankers_behind_one_service(simulated_history, models_dir):
    person = Profile.objects.filter(attributes__simulated=True).order_by("id").first().user
    with pytest.raises(ModelNotAvailableError):
        recommendations_for(user=person, query="fried chicken", ranker="v4", now=NOW)
    assert recommendations_for(user=person, query="fried chicken", ranker="v1", now=NOW).suggestions

    train_all()
    for ranker in ("v1", "v2", "v3", "v4"):
        ranking = recommendations_for(
            user=person, query="fried chicken", ranker=ranker, k=5, explain=True, now=NOW
        )
        assert ranking.ranker == ranker
        assert 1 <= len(ranking.suggestions) <= 5
        assert [s.rank for s in ranking.suggestions] == list(range(1, len(ranking.suggestions) + 1))
        scores = [s.score for s in ranking.suggestions]
        assert scores == sorted(scores, reverse=True)
        assert len({s.dish_id for s in ranking.suggestions}) == len(ranking.suggestions)
        if ranker == "v1":
            assert ranking.version is None
            continue
        assert ranking.version == 1 and ranking.model_name is not None
        for suggestion in ranking.suggestions:
            e = suggestion.explanation
            assert e is not None and e.logit is not None
            assert e.wide + e.deep == pytest.approx(e.logit, abs=1e-4)
            assert suggestion.score == pytest.approx(1 / (1 + np.exp(-e.logit)), abs=1e-5)
        if ranker == "v3":
            assert all(s.explanation.wide == 0 for s in ranking.suggestions)

    # Cold start: a guest, a new person, an unseen query and a dish added after training.
    guest = recommendations_for(user=None, ranker="v4", k=5, now=NOW)
    assert len(guest.suggestions) == 5
    newcomer = get_user_model().objects.create_user(username="newcomer")
    assert recommendations_for(
        user=newcomer, query="zzz unheard of", ranker="v4", now=NOW
    ).suggestions
    new_dish = Dish.objects.create(name="Fried Chicken Supreme", slug="fried-chicken-supreme")
    catalogue_cache_clear()
    found = recommendations_for(
        user=newcomer, query="fried chicken supreme", ranker="v2", k=40, now=NOW
    )
    assert new_dish.pk in [s.dish_id for s in found.suggestions]

    # Filters and the person's diet.
    veg = recommendations_for(
        user=person, ranker="v4", k=20, now=NOW, filters=Filters(diet=frozenset({"vegetarian"}))
    )
    flags = Dish.objects.in_bulk([s.dish_id for s in veg.suggestions])
    assert veg.suggestions and all(d.is_vegetarian or d.is_vegan for d in flags.values())
    ordered = set(
        Event.objects.filter(user=person, event_type="order").values_list("dish_id", flat=True)
    )
    unseen = recommendations_for(
        user=person,
        ranker="v4",
        k=20,
        now=NOW + timedelta(days=30),
        filters=Filters(exclude_seen=True),
    )
    assert not ordered & {s.dish_id for s in unseen.suggestions}

    # Dish to dish, and the impressions the app shows are logged with ranker and version.
    dish = Dish.objects.exclude(pk=new_dish.pk).order_by("id").first()
    similar = dishes_similar(dish_id=dish.pk, user=person, k=4, ranker="v4", now=NOW)
    assert similar.suggestions and dish.pk not in [s.dish_id for s in similar.suggestions]
    stored = impressions_record(
        user_id=person.pk, ranking=similar, session_id="s1", occurred_at=NOW
    )
    logged = Event.objects.filter(user=person, session_id="s1", event_type=EventType.IMPRESSION)
    assert stored == logged.count() == len(similar.suggestions)
    assert set(logged.values_list("ranker", "model_version")) == {("v4", "food_wide_deep:1")}
    assert sorted(logged.values_list("position", flat=True)) == list(
        range(len(similar.suggestions))
    )


def test_unknown_dish_for_similar_is_a_lookup_error(simulated_history):
    with pytest.raises(LookupError, match="dish"):
        dishes_similar(dish_id=999_999, ranker="v1")
