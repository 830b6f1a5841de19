"""People who eat: a profile next to django.contrib.auth's User."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from foodapp.catalog.models import Cuisine


class DietRestriction(models.TextChoices):
    VEGETARIAN = "vegetarian", "Vegetarian"
    VEGAN = "vegan", "Vegan"
    GLUTEN_FREE = "gluten_free", "Gluten-free"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    # A list of DietRestriction values, e.g. ["vegan", "gluten_free"]; empty means none.
    diet_restrictions = models.JSONField(default=list, blank=True)
    favourite_cuisines = models.ManyToManyField(Cuisine, blank=True, related_name="fans")
    area = models.CharField(max_length=100, blank=True)
    # Where they live (degrees; the UCI consumers have it), None when unknown.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Extra columns of an import (e.g. the UCI consumer profile) kept as they came.
    attributes = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Profile of {self.user}"
