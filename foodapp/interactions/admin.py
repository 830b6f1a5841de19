from django.contrib import admin

from foodapp.interactions.models import Event, SearchQuery


@admin.register(SearchQuery)
class SearchQueryAdmin(admin.ModelAdmin[SearchQuery]):
    list_display = ("text", "count", "last_seen")
    search_fields = ("text",)
    ordering = ("-count",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = (
        "occurred_at",
        "event_type",
        "user",
        "dish",
        "query",
        "position",
        "ranker",
        "model_version",
        "value",
        "device",
    )
    list_filter = ("event_type", "ranker", "device")
    search_fields = ("query", "session_id", "external_id", "user__username", "dish__name")
    list_select_related = ("user", "dish")
    raw_id_fields = ("user", "dish", "normalized_query")
    date_hierarchy = "occurred_at"
    # The log can hold millions of rows: no exact count for the paginator.
    show_full_result_count = False
