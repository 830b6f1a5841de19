"""Pages of the recommender: the storyline (v1 to v4 side by side, and the measured proof)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from foodapp.interactions.query_text import MAX_QUERY_LENGTH, normalize_query
from foodapp.recommendations.storyline import (
    STORY_QUERIES,
    evaluation_latest,
    evaluation_view,
    personas,
    storyline_columns,
)


@require_GET
def storyline(request: HttpRequest) -> HttpResponse:
    """The story as a page: the same query and persona through v1, v2, v3 and v4."""
    query = normalize_query(request.GET.get("q", STORY_QUERIES[0])[:MAX_QUERY_LENGTH])
    people = personas()
    raw = request.GET.get("persona", "")
    chosen = next((p for p in people if str(p.user_id) == raw), None)
    if chosen is None and raw.isdigit():
        chosen_user = get_user_model().objects.filter(pk=int(raw), profile__isnull=False).first()
    else:
        chosen_user = chosen.user if chosen is not None else None
    evaluation = evaluation_latest()
    context = {
        "query": query,
        "story_queries": STORY_QUERIES,
        "personas": people,
        "persona": chosen_user,
        "columns": storyline_columns(user=chosen_user, query=query),
        **(evaluation_view(evaluation) if evaluation is not None else {}),
    }
    return render(request, "recommendations/storyline.html", context)
