"""/api/v1/ routes; anything else under /api/ answers a JSON 404."""

from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularAPIView

from foodapp.api import dishes, events, recommendations, training
from foodapp.core.api_errors import api_not_found

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("dishes/", dishes.DishListView.as_view(), name="dish-list"),
    path("dishes/<int:pk>/", dishes.DishDetailView.as_view(), name="dish-detail"),
    path("dishes/<int:pk>/similar/", recommendations.SimilarView.as_view(), name="dish-similar"),
    path("recommendations/", recommendations.RecommendationsView.as_view(), name="recommendations"),
    path(
        "recommendations/similar/<int:pk>/",
        recommendations.SimilarView.as_view(),
        name="recommendations-similar",
    ),
    path("events/", events.EventsView.as_view(), name="events"),
    path("history/", events.HistoryView.as_view(), name="history"),
    path("training/runs/", training.TrainingRunListView.as_view(), name="training-run-list"),
    path(
        "training/runs/<int:pk>/",
        training.TrainingRunDetailView.as_view(),
        name="training-run-detail",
    ),
    path("training/versions/", training.ModelVersionListView.as_view(), name="model-version-list"),
    path(
        "training/versions/<int:pk>/",
        training.ModelVersionDetailView.as_view(),
        name="model-version-detail",
    ),
    path(
        "training/versions/<int:pk>/activate/",
        training.ModelVersionActivateView.as_view(),
        name="model-version-activate",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"", api_not_found, name="not-found"),
]
