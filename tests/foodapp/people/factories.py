"""factory_boy factories for users and their food profiles."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from foodapp.people.models import Profile


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"eater{n}")
    password = "!unusable"


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    external_id = factory.Sequence(lambda n: f"U{n}")
    area = "centre"
