"""Dishes: the filtered, searchable list, one dish, and dishes similar to it."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from foodapp.api.base import ApiViewMixin
from foodapp.api.filters import ApiDishFilter
from foodapp.api.serializers import DishDetailSerializer, DishSerializer
from foodapp.catalog.models import Dish


class DishListView(ApiViewMixin, generics.ListAPIView[Dish]):
    """GET /api/v1/dishes/: most ordered first (a search: best match first); the web's filters."""

    serializer_class = DishSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiDishFilter

    def get_queryset(self) -> QuerySet[Dish]:
        return (
            Dish.objects.on_menu().select_related("cuisine").order_by("-order_count", "name", "id")
        )


@extend_schema(summary="One dish with its description, tags and ingredients")
class DishDetailView(ApiViewMixin, generics.RetrieveAPIView[Dish]):
    """GET /api/v1/dishes/<id>/."""

    serializer_class = DishDetailSerializer
    queryset = (
        Dish.objects.on_menu().select_related("cuisine").prefetch_related("tags", "ingredients")
    )
