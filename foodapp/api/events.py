"""Events a person reports (one or a batch, stored once per idempotency key) and their history."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from foodapp.api.base import ApiViewMixin, query_params_valid
from foodapp.api.people import person_requested
from foodapp.api.permissions import NOT_YOURS
from foodapp.api.selectors import history_list, person_external_id
from foodapp.api.serializers import (
    BATCH_OR_EVENT,
    MAX_BATCH,
    EventBatchSerializer,
    EventOutSerializer,
    EventsStoredSerializer,
)
from foodapp.api.services import IdempotencyKeyReusedError, body_sha256, events_record_once
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.services import EventInput, EventValidationError

KEY_HEADER = "Idempotency-Key"
KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,200}")
BAD_KEY = "Idempotency-Key: 1 to 200 visible ASCII characters, got {value!r}"
TWO_KEYS = "idempotency_key: the body and the Idempotency-Key header name different keys"


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "Idempotency-Key reused for a different body"


def _batch(data: Any) -> dict[str, Any]:
    """The body as {"events": [...], "idempotency_key": ...}: one event becomes a batch of one."""
    if isinstance(data, dict) and "events" in data:
        return data
    if isinstance(data, dict):
        event = {name: value for name, value in data.items() if name != "idempotency_key"}
        batch: dict[str, Any] = {"events": [event]}
        if "idempotency_key" in data:
            batch["idempotency_key"] = data["idempotency_key"]
        return batch
    raise ValidationError(BATCH_OR_EVENT.format(maximum=MAX_BATCH))


def _key(request: Request, body_key: str | None) -> str | None:
    """The idempotency key from the header or the body (400 when malformed or conflicting)."""
    header = request.headers.get(KEY_HEADER)
    if header is not None and not KEY_FORMAT.fullmatch(header):
        raise ValidationError(BAD_KEY.format(value=header[:40]))
    if header is not None and body_key is not None and header != body_key:
        raise ValidationError(TWO_KEYS)
    return header if header is not None else body_key


class EventsView(ApiViewMixin, APIView):
    """POST /api/v1/events/: one event object, or {"events": [...]} (1-500), for yourself.

    Send an `Idempotency-Key` header (or `idempotency_key` field): a retried batch is stored
    once and answered 200 with `replayed: true`; the same key with another body is a 422.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=EventBatchSerializer,
        responses={201: EventsStoredSerializer, 200: EventsStoredSerializer},
        parameters=[
            OpenApiParameter(
                KEY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="a retried batch with the same key is stored once",
            )
        ],
    )
    def post(self, request: Request) -> Response:
        batch = _batch(request.data)
        serializer = EventBatchSerializer(data=batch)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = _key(request, data.get("idempotency_key"))
        assert request.user.pk is not None
        owner = int(request.user.pk)
        own_id: str | None = None
        for event in data["events"]:
            if event.get("user_id"):
                own_id = own_id or person_external_id(user_id=owner) or ""
                if event["user_id"] != own_id:
                    raise PermissionDenied(NOT_YOURS)
        now = timezone.now()
        events = [
            EventInput(
                user_id=owner,
                event_type=event["event_type"],
                occurred_at=event.get("occurred_at") or now,
                dish_id=event.get("dish_id"),
                session_id=event.get("session_id", ""),
                query=event.get("query", ""),
                position=event.get("position"),
                model_version=event.get("model_version") or None,
                ranker=event.get("ranker") or None,
                value=event.get("value"),
                device=event.get("device", ""),
            )
            for event in data["events"]
        ]
        try:
            stored, replayed = events_record_once(
                user_id=owner,
                events=events,
                key=key,
                body_hash=body_sha256(batch["events"]),
            )
        except IdempotencyKeyReusedError as error:
            raise KeyReused(str(error)) from None
        except EventValidationError as error:
            raise ValidationError(str(error)) from None
        return Response(
            {"stored": stored, "replayed": replayed, "idempotency_key": key},
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )


class HistoryQuerySerializer(serializers.Serializer[dict[str, Any]]):
    event_type = serializers.ChoiceField(
        choices=EventType.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="one type only (default: everything but impressions)",
    )
    user_id = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="staff only"
    )


@extend_schema(parameters=[HistoryQuerySerializer])
class HistoryView(ApiViewMixin, generics.ListAPIView[Event]):
    """GET /api/v1/history/: your own events, newest first (staff: any person's, user_id=)."""

    serializer_class = EventOutSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Event]:
        params = query_params_valid(HistoryQuerySerializer, self.request)
        person = person_requested(caller=self.request.user, user_id=params["user_id"])
        assert person.is_authenticated
        return history_list(user=person, event_type=params["event_type"])
