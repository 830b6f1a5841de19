from django.contrib import admin

from foodapp.catalog.models import Cuisine, Dish, Ingredient, Tag


@admin.register(Cuisine)
class CuisineAdmin(admin.ModelAdmin[Cuisine]):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Ingredient)
class IngredientAdmin(admin.ModelAdmin[Ingredient]):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Dish)
class DishAdmin(admin.ModelAdmin[Dish]):
    list_display = (
        "name",
        "cuisine",
        "course",
        "price",
        "spice_level",
        "is_vegetarian",
        "is_vegan",
        "is_gluten_free",
        "order_count",
        "rating_count",
        "rating_average",
        "external_id",
    )
    list_filter = (
        "course",
        "cuisine",
        "is_vegetarian",
        "is_vegan",
        "is_gluten_free",
        "spice_level",
    )
    search_fields = ("name", "description", "external_id", "slug")
    list_select_related = ("cuisine",)
    autocomplete_fields = ("cuisine", "tags", "ingredients")
    readonly_fields = ("order_count", "rating_count", "rating_average", "created", "updated")
    prepopulated_fields = {"slug": ("name",)}
