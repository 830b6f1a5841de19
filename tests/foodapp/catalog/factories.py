"""factory_boy factories for the catalogue."""

from __future__ import annotations

from decimal import Decimal

import factory

from foodapp.catalog.models import Course, Cuisine, Dish, Ingredient, Tag


class CuisineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cuisine
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Cuisine {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"tag {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class IngredientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ingredient
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"ingredient {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class DishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dish
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Dish {n}")
    slug = factory.Sequence(lambda n: f"dish-{n}")
    cuisine = factory.SubFactory(CuisineFactory)
    course = Course.MAIN
    price = Decimal("9.50")
    external_id = factory.Sequence(lambda n: f"d{n}")

    @factory.post_generation
    def tags(self, create: bool, extracted: list[Tag] | None, **kwargs: object) -> None:
        if create and extracted:
            self.tags.set(extracted)  # type: ignore[attr-defined]
