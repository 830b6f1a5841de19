from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from foodapp.catalog.models import Cuisine
from foodapp.core.coordinates import ERROR_COORDINATES
from foodapp.people.models import Profile
from foodapp.people.person_input import PersonInput
from foodapp.people.services import (
    ERROR_DIET,
    ERROR_USERNAME_TAKEN,
    PersonValidationError,
    imported_username,
    people_create_bulk,
    people_ensure_bulk,
    people_upsert_bulk,
    person_upsert,
)
from tests.foodapp.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_bulk_makes_users_with_unusable_passwords_and_profiles():
    ids = people_create_bulk(
        people=[
            PersonInput(
                username="ana",
                name="Ana",
                diet_restrictions=("vegan",),
                favourite_cuisines=("Thai", "italian"),
                area="north",
                attributes={"budget": "low"},
            ),
            PersonInput(username="bo", favourite_cuisines=("Italian",)),
        ]
    )
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    ana = users[ids[0]]
    assert (ana.username, ana.first_name, ana.has_usable_password()) == ("ana", "Ana", False)
    profile = Profile.objects.get(user=ana)
    assert profile.diet_restrictions == ["vegan"]
    assert profile.attributes == {"budget": "low"}
    assert sorted(c.slug for c in profile.favourite_cuisines.all()) == ["italian", "thai"]
    # "Italian" and "italian" are one cuisine.
    assert Cuisine.objects.count() == 2
    assert Profile.objects.get(user_id=ids[1]).favourite_cuisines.get().slug == "italian"


def test_create_bulk_rejects_taken_usernames_and_bad_diets_writing_nothing():
    UserFactory(username="taken")
    with pytest.raises(PersonValidationError) as raised:
        people_create_bulk(people=[PersonInput(username="new"), PersonInput(username="taken")])
    assert str(raised.value) == ERROR_USERNAME_TAKEN.format(value="taken")
    with pytest.raises(PersonValidationError) as raised:
        people_create_bulk(people=[PersonInput(username="x", diet_restrictions=("keto",))])
    assert str(raised.value) == ERROR_DIET.format(value="keto")
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["taken"]


def test_upsert_updates_the_same_person_on_re_import():
    person = PersonInput(
        username=imported_username("U1"), external_id="U1", name="Old", attributes={"a": 1}
    )
    user_id, created = person_upsert(person=person)
    assert created
    again = PersonInput(
        username=imported_username("U1"),
        external_id="U1",
        name="New",
        favourite_cuisines=("Mexican",),
        attributes={"b": 2},
    )
    assert person_upsert(person=again) == (user_id, False)
    profile = Profile.objects.select_related("user").get()
    assert (profile.user.first_name, profile.attributes) == ("New", {"a": 1, "b": 2})
    assert [c.name for c in profile.favourite_cuisines.all()] == ["Mexican"]


def test_ensure_bulk_creates_only_unknown_people():
    known, _ = person_upsert(person=PersonInput(username="k", external_id="K"))
    ids = people_ensure_bulk(external_ids=["K", "N", "N"])
    assert ids["K"] == known
    assert get_user_model().objects.get(pk=ids["N"]).username == "ext-N"
    assert Profile.objects.count() == 2


def test_upsert_bulk_creates_and_updates_in_one_go():
    person_upsert(
        person=PersonInput(
            username="ext-A", external_id="A", favourite_cuisines=("Thai",), attributes={"x": 1}
        )
    )
    created, updated = people_upsert_bulk(
        people=[
            PersonInput(
                username="ext-A",
                external_id="A",
                name="Ann",
                diet_restrictions=("vegetarian",),
                favourite_cuisines=("Greek",),
                attributes={"y": 2},
            ),
            PersonInput(username="ext-B", external_id="B", favourite_cuisines=("Greek",)),
        ]
    )
    assert (created, updated) == (1, 1)
    ann = Profile.objects.select_related("user").get(external_id="A")
    assert (ann.user.first_name, ann.diet_restrictions) == ("Ann", ["vegetarian"])
    assert ann.attributes == {"x": 1, "y": 2}
    assert [c.name for c in ann.favourite_cuisines.all()] == ["Greek"]
    assert Profile.objects.get(external_id="B").favourite_cuisines.get().name == "Greek"
    assert people_upsert_bulk(people=[]) == (0, 0)


def test_people_keep_their_home_and_a_half_given_or_impossible_one_is_refused():
    people_upsert_bulk(
        people=[PersonInput(username="h", external_id="h", latitude=18.9, longitude=-99.2)]
    )
    profile = Profile.objects.get(external_id="h")
    assert (profile.latitude, profile.longitude) == (18.9, -99.2)
    with pytest.raises(PersonValidationError) as raised:
        people_upsert_bulk(people=[PersonInput(username="b", external_id="b", longitude=200.0)])
    assert str(raised.value) == ERROR_COORDINATES.format(latitude=None, longitude=200.0)
    assert not Profile.objects.filter(external_id="b").exists()
