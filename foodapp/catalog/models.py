"""The food world: cuisines, tags, ingredients and the dishes people search, see and order."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Course(models.TextChoices):
    STARTER = "starter", "Starter"
    MAIN = "main", "Main"
    SIDE = "side", "Side"
    DESSERT = "dessert", "Dessert"
    DRINK = "drink", "Drink"
    BREAKFAST = "breakfast", "Breakfast"
    SNACK = "snack", "Snack"


class Cuisine(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ingredient(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Items of imported rating histories (the UCI restaurants) are stored as dishes under their file's
# ids with this prefix, so that their ratings can be learnt and evaluated; they are not on the
# menu: no dish page, list, search or suggestion shows them.
OFF_MENU_PREFIX = "uci-"


class DishQuerySet(models.QuerySet["Dish"]):
    """Dish queries with the menu's own filter."""

    def on_menu(self) -> DishQuerySet:
        """The dishes people can see and order (not imported histories' items)."""
        return self.exclude(external_id__startswith=OFF_MENU_PREFIX)


class Dish(models.Model):
    """A dish (or, for imported logs such as UCI, a restaurant standing in for one)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    cuisine = models.ForeignKey(
        Cuisine, on_delete=models.PROTECT, null=True, blank=True, related_name="dishes"
    )
    # Blank means "not a course": imported items such as restaurants.
    course = models.CharField(max_length=20, choices=Course.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="dishes")
    ingredients = models.ManyToManyField(Ingredient, blank=True, related_name="dishes")
    # Null means the price is unknown (some imported items carry none).
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    spice_level = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(3)]
    )
    is_vegetarian = models.BooleanField(default=False)
    is_vegan = models.BooleanField(default=False)
    is_gluten_free = models.BooleanField(default=False)
    # Where it is served (degrees; a UCI restaurant's place), None when unknown.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Counters kept current by foodapp.interactions.services as events arrive.
    order_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_average = models.FloatField(default=0.0)
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DishQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "dishes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(spice_level__lte=3), name="catalog_dish_spice_level_0_3"
            ),
        ]
        indexes = [models.Index(fields=["cuisine", "course"])]

    def __str__(self) -> str:
        return self.name
