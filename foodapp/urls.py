"""Top-level URL routes; each app owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("foodapp.core.urls")),
    path("", include("foodapp.web.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("foodapp.api.urls")),
    path("api/", include("foodapp.api.docs_urls")),
    path("", include("foodapp.catalog.urls")),
    path("", include("foodapp.census.urls")),
    path("", include("foodapp.serving.urls")),
    path("", include("foodapp.recommendations.urls")),
]
