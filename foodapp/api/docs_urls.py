"""/api/docs/: Swagger UI over /api/v1/schema/, its assets from drf-spectacular-sidecar.

The split view serves its start-up script as a file (?script), so the page runs under our
Content-Security-Policy (script-src 'self': no inline script).
"""

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from foodapp.core.api_errors import api_not_found

urlpatterns: list[URLPattern] = [
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="api-docs"),
    re_path(r"", api_not_found, name="api-not-found"),
]
