"""The body of TensorFlow Serving's predict API: rows ("instances") or columns ("inputs")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

SIGNATURE_NAME = "serving_default"
ONE_FORMAT = 'send either "instances" (row format) or "inputs" (columnar format), not both'
NO_FORMAT = 'missing "instances" (row format) or "inputs" (columnar format)'


class PredictRequestSerializer(serializers.Serializer[dict[str, Any]]):
    signature_name = serializers.CharField(required=False, default=SIGNATURE_NAME)
    instances = serializers.ListField(
        child=serializers.JSONField(), required=False, allow_empty=False
    )
    inputs = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), allow_empty=False),
        required=False,
        allow_empty=False,
    )

    def validate_signature_name(self, value: str) -> str:
        if value != SIGNATURE_NAME:
            raise serializers.ValidationError(
                f"unknown signature {value!r}; use {SIGNATURE_NAME!r}"
            )
        return value

    def validate_instances(self, value: list[Any]) -> list[Any]:
        limit = settings.SERVING_MAX_BATCH
        if len(value) > limit:
            raise serializers.ValidationError(
                f"{len(value)} instances is more than the limit of {limit} per request"
            )
        return value

    def validate_inputs(self, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        limit = settings.SERVING_MAX_BATCH
        longest = max(len(column) for column in value.values())
        if longest > limit:
            raise serializers.ValidationError(
                f"{longest} values per input is more than the limit of {limit} per request"
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_rows, has_columns = "instances" in attrs, "inputs" in attrs
        if has_rows and has_columns:
            raise serializers.ValidationError(ONE_FORMAT)
        if not has_rows and not has_columns:
            raise serializers.ValidationError(NO_FORMAT)
        return attrs
