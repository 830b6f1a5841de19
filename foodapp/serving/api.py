"""TensorFlow Serving's REST API, same paths and bodies, for every model with versions here."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from foodapp.serving.input_ranges import (
    OutOfRangeError,
    input_ranges_get,
    inputs_range_check,
    instances_range_check,
)
from foodapp.serving.parsers import AnyContentTypeJSONParser
from foodapp.serving.serializers import PredictRequestSerializer
from foodapp.serving.signature import signature_metadata, version_status
from foodapp.training.predictors import ModelNotAvailableError, predictor_for
from foodapp.training.selectors import model_versions_list

NO_VERSIONS = "model {name!r} has no versions"


def error(message: str, code: int) -> Response:
    """TensorFlow Serving's error body."""
    return Response({"error": message}, status=code)


def load_or_error(model_name: str, version: int | None) -> Any:
    """The predictor, or an error Response (404 unknown, 503 unusable version)."""
    from recommender.export import ExportFormatError, ModelNotFoundError

    try:
        return predictor_for(model_name=model_name, version=version)
    except (ModelNotAvailableError, ModelNotFoundError) as exc:
        return error(str(exc), status.HTTP_404_NOT_FOUND)
    except ExportFormatError as exc:
        return error(str(exc), status.HTTP_503_SERVICE_UNAVAILABLE)


class PredictView(APIView):
    """POST /v1/models/<name>[/versions/<n>]:predict with "instances" or "inputs"."""

    parser_classes = [AnyContentTypeJSONParser]

    def post(self, request: Request, model_name: str, version: str | None = None) -> Response:
        from recommender.serving import InputError

        serializer = PredictRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        predictor = load_or_error(model_name, int(version) if version else None)
        if isinstance(predictor, Response):
            return predictor
        body = serializer.validated_data
        ranges = input_ranges_get(model_name=model_name)
        try:
            if "instances" in body:
                instances_range_check(ranges=ranges, instances=body["instances"])
                return Response({"predictions": predictor.predict(body["instances"])})
            inputs_range_check(ranges=ranges, inputs=body["inputs"])
            return Response({"outputs": predictor.predict_columns(body["inputs"])})
        except (InputError, OutOfRangeError) as exc:
            return error(str(exc), status.HTTP_400_BAD_REQUEST)


class ModelStatusView(APIView):
    """GET /v1/models/<name>[/versions/<n>]: which versions can be served."""

    def get(self, request: Request, model_name: str, version: str | None = None) -> Response:
        versions = list(model_versions_list(model_name=model_name))
        if version is not None:
            versions = [v for v in versions if v.version == int(version)]
        if not versions:
            return error(NO_VERSIONS.format(name=model_name), status.HTTP_404_NOT_FOUND)
        return Response(version_status(versions))


class ModelMetadataView(APIView):
    """GET /v1/models/<name>[/versions/<n>]/metadata: the serving signature."""

    def get(self, request: Request, model_name: str, version: str | None = None) -> Response:
        predictor = load_or_error(model_name, int(version) if version else None)
        if isinstance(predictor, Response):
            return predictor
        return Response(
            signature_metadata(
                model_name=model_name,
                version=predictor.version,
                input_schema=predictor.input_schema(),
            )
        )
