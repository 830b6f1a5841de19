"""/api/docs/: Swagger UI over /api/v1/schema/, its assets from drf-spectacular-sidecar."""

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularSwaggerView

from foodapp.core.api_errors import api_not_found

urlpatterns: list[URLPattern] = [
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="api-docs"),
    re_path(r"", api_not_found, name="api-not-found"),
]
