"""TensorFlow Serving paths: the colon in ':predict' is literal, hence regular expressions."""

from django.urls import re_path

from foodapp.core.api_errors import api_not_found
from foodapp.serving import api

NAME = r"(?P<model_name>[A-Za-z0-9_-]+)"
VERSION = r"(?:/versions/(?P<version>[0-9]{1,9}))?"

urlpatterns = [
    re_path(
        rf"^v1/models/{NAME}{VERSION}:predict$", api.PredictView.as_view(), name="serving-predict"
    ),
    re_path(
        rf"^v1/models/{NAME}{VERSION}/metadata$",
        api.ModelMetadataView.as_view(),
        name="serving-metadata",
    ),
    re_path(rf"^v1/models/{NAME}{VERSION}$", api.ModelStatusView.as_view(), name="serving-status"),
    # Anything else under /v1/ is a JSON 404 too, not the site's HTML page.
    re_path(r"^v1/", api_not_found, name="serving-not-found"),
]
