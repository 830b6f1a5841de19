from django.contrib import admin

from foodapp.people.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin[Profile]):
    list_display = ("user", "external_id", "area", "diet_restrictions", "created")
    search_fields = ("user__username", "user__first_name", "external_id", "area")
    list_select_related = ("user",)
    autocomplete_fields = ("favourite_cuisines",)
    raw_id_fields = ("user",)
    readonly_fields = ("created", "updated")
