"""Training runs and model versions for staff: read, retrain, activate (the admin's rights)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from foodapp.api.base import ApiViewMixin
from foodapp.api.permissions import CanActivate, CanRetrain
from foodapp.api.serializers import (
    ModelVersionSerializer,
    TrainingRunRequestSerializer,
    TrainingRunSerializer,
)
from foodapp.training import services
from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.params import InvalidParamsError
from foodapp.training.registry import UnknownModelError


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "conflict"


class TrainingRunListView(ApiViewMixin, generics.ListAPIView[TrainingRun]):
    """GET: runs, newest first (staff). POST: queue a retrain (training.retrain_model)."""

    serializer_class = TrainingRunSerializer
    permission_classes = [CanRetrain]
    queryset = TrainingRun.objects.order_by("-created_at", "-id")

    @extend_schema(request=TrainingRunRequestSerializer, responses={201: TrainingRunSerializer})
    def post(self, request: Request) -> Response:
        asked = TrainingRunRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        try:
            run = services.training_run_start(
                model_name=data["model_name"],
                params=data["params"],
                requested_by=request.user,
                data_from=data["data_from"],
                data_until=data["data_until"],
            )
        except services.TrainingRunAlreadyOpenError as error:
            raise Conflict(str(error)) from None
        except UnknownModelError as error:
            raise ValidationError({"model_name": str(error).strip("'\"")}) from None
        except InvalidParamsError as error:
            raise ValidationError({"params": str(error)}) from None
        return Response(TrainingRunSerializer(run).data, status=status.HTTP_201_CREATED)


class TrainingRunDetailView(ApiViewMixin, generics.RetrieveAPIView[TrainingRun]):
    """GET one run (staff): state and progress to poll."""

    serializer_class = TrainingRunSerializer
    permission_classes = [CanRetrain]
    queryset = TrainingRun.objects.all()


class ModelVersionListView(ApiViewMixin, generics.ListAPIView[ModelVersion]):
    """GET: model versions (staff), by model then newest."""

    serializer_class = ModelVersionSerializer
    permission_classes = [CanActivate]

    def get_queryset(self) -> QuerySet[ModelVersion]:
        return ModelVersion.objects.order_by("model_name", "-version")


class ModelVersionDetailView(ApiViewMixin, generics.RetrieveAPIView[ModelVersion]):
    """GET one model version (staff)."""

    serializer_class = ModelVersionSerializer
    permission_classes = [CanActivate]
    queryset = ModelVersion.objects.all()


class ModelVersionActivateView(ApiViewMixin, APIView):
    """POST: serve this version (staff with training.activate_modelversion), if it passes the
    safe-activation checks; 409 with the reason otherwise."""

    permission_classes = [CanActivate]

    @extend_schema(request=None, responses={200: ModelVersionSerializer})
    def post(self, request: Request, pk: int) -> Response:
        version = generics.get_object_or_404(ModelVersion.objects.all(), pk=pk)
        try:
            version = services.model_version_activate_safely(version=version)
        except services.ActivationRefusedError as error:
            raise Conflict(str(error)) from None
        return Response(ModelVersionSerializer(version).data)
