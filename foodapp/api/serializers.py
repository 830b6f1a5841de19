"""What the API reads and writes: dishes, suggestions, events, training runs and versions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from foodapp.catalog.models import Course, Dish, Ingredient, Tag
from foodapp.interactions.models import Event, EventType
from foodapp.interactions.query_text import MAX_QUERY_LENGTH
from foodapp.people.models import DietRestriction
from foodapp.recommendations.engine import MAX_K
from foodapp.recommendations.rankers import DEFAULT_RANKER, RANKERS
from foodapp.training.models import ModelVersion, TrainingRun

MAX_BATCH = 500
MAX_CLOCK_SKEW = timedelta(minutes=5)
IN_THE_FUTURE = "occurred_at: more than 5 minutes in the future ({value})"
BATCH_OR_EVENT = "send one event object, or {{'events': [...]}} with 1 to {maximum} events"


class DishSerializer(serializers.ModelSerializer[Dish]):
    """A dish as lists and suggestions show it."""

    cuisine = serializers.CharField(source="cuisine.name", default="", read_only=True)
    price = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Dish
        fields = [
            "id",
            "external_id",
            "slug",
            "name",
            "cuisine",
            "course",
            "price",
            "spice_level",
            "is_vegetarian",
            "is_vegan",
            "is_gluten_free",
        ]
        read_only_fields = fields


class DishDetailSerializer(DishSerializer):
    """A dish with its description, tags, ingredients and counters."""

    tags = serializers.SlugRelatedField[Tag](many=True, slug_field="name", read_only=True)
    ingredients = serializers.SlugRelatedField[Ingredient](
        many=True, slug_field="name", read_only=True
    )

    class Meta(DishSerializer.Meta):
        fields = [
            *DishSerializer.Meta.fields,
            "description",
            "tags",
            "ingredients",
            "order_count",
            "rating_count",
            "rating_average",
        ]
        read_only_fields = fields


class RecommendationQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """The query string of GET /api/v1/recommendations/."""

    q = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=True)
    k = serializers.IntegerField(required=False, default=10, min_value=1, max_value=MAX_K)
    cuisine = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
    course = serializers.ChoiceField(
        choices=Course.choices, required=False, default="", allow_blank=True
    )
    diet = serializers.MultipleChoiceField(
        choices=DietRestriction.choices, required=False, default=set
    )
    max_price = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    exclude_seen = serializers.BooleanField(required=False, default=False)
    diversify = serializers.BooleanField(required=False, default=False)
    explain = serializers.BooleanField(required=False, default=False)
    ranker = serializers.ChoiceField(choices=list(RANKERS), required=False, default=DEFAULT_RANKER)
    user_id = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=100,
        help_text="another person's external id: staff, or a token with api.view_any_person",
    )
    record_impressions = serializers.BooleanField(
        required=False,
        default=True,
        help_text="log the list as impressions of the person (default); false for a list "
        "nobody is shown (prefetching, monitoring)",
    )

    def validate_q(self, value: str) -> str:
        """The query, cut to what the log keeps."""
        return value[:MAX_QUERY_LENGTH]


class SimilarQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """The query string of the "similar, but different" lists."""

    k = serializers.IntegerField(required=False, default=10, min_value=1, max_value=MAX_K)
    explain = serializers.BooleanField(required=False, default=False)
    ranker = serializers.ChoiceField(choices=list(RANKERS), required=False, default=DEFAULT_RANKER)
    record_impressions = serializers.BooleanField(required=False, default=True)


class ExplanationReasonSerializer(serializers.Serializer[dict[str, Any]]):
    feature = serializers.CharField()
    weight = serializers.FloatField()
    text = serializers.CharField()


class ExplanationSerializer(serializers.Serializer[dict[str, Any]]):
    """Why a dish was suggested: the wide (memorized) and deep (generalized) parts."""

    logit = serializers.FloatField(allow_null=True)
    wide = serializers.FloatField(allow_null=True)
    deep = serializers.FloatField(allow_null=True)
    leaning = serializers.ChoiceField(choices=["memorized", "generalized", "matched"])
    reasons = ExplanationReasonSerializer(many=True)


class SuggestionSerializer(serializers.Serializer[dict[str, Any]]):
    """One suggestion (built as a dict by the view)."""

    rank = serializers.IntegerField(min_value=1)
    score = serializers.FloatField()
    dish = DishSerializer()
    explanation = ExplanationSerializer(required=False, help_text="only with explain=true")
    version = serializers.IntegerField(allow_null=True, help_text="null for v1 (no model)")
    ranker = serializers.ChoiceField(choices=list(RANKERS))


class SuggestionListSerializer(serializers.Serializer[dict[str, Any]]):
    """A served list (the schema of the recommendation responses)."""

    ranker = serializers.ChoiceField(choices=list(RANKERS))
    model_name = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    query = serializers.CharField(allow_blank=True)
    user_id = serializers.CharField(allow_null=True, help_text="the person's external id")
    cached = serializers.BooleanField()
    impressions_recorded = serializers.IntegerField(
        min_value=0, help_text="impressions logged for this list (stored within a second)"
    )
    count = serializers.IntegerField(min_value=0)
    results = SuggestionSerializer(many=True)


class EventInSerializer(serializers.Serializer[dict[str, Any]]):
    """One event a person reports (for themselves)."""

    event_type = serializers.ChoiceField(choices=EventType.choices)
    dish_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    session_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    query = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUERY_LENGTH)
    position = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    model_version = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64
    )
    ranker = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=32)
    value = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=5)
    device = serializers.CharField(required=False, allow_blank=True, max_length=32)
    user_id = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="your own external id, if sent"
    )

    def validate_occurred_at(self, value: Any) -> Any:
        """No events from the future (beyond a little clock skew)."""
        if value is not None and value > timezone.now() + MAX_CLOCK_SKEW:
            raise serializers.ValidationError(IN_THE_FUTURE.format(value=value.isoformat()))
        return value


class EventBatchSerializer(serializers.Serializer[dict[str, Any]]):
    """A batch of events, stored all or nothing, once per idempotency key."""

    events = serializers.ListField(child=EventInSerializer(), min_length=1, max_length=MAX_BATCH)
    idempotency_key = serializers.CharField(
        required=False,
        allow_blank=False,
        max_length=200,
        help_text="or the Idempotency-Key header: a retried batch is stored once",
    )


class EventsStoredSerializer(serializers.Serializer[dict[str, Any]]):
    """The answer to a stored (or replayed) batch."""

    stored = serializers.IntegerField(min_value=0)
    replayed = serializers.BooleanField(help_text="true: this key's batch was stored before")
    idempotency_key = serializers.CharField(allow_null=True)


class EventOutSerializer(serializers.ModelSerializer[Event]):
    """One event of a person's history."""

    dish_name = serializers.CharField(
        source="dish.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "event_type",
            "occurred_at",
            "dish_id",
            "dish_name",
            "query",
            "position",
            "ranker",
            "model_version",
            "value",
            "session_id",
            "device",
        ]
        read_only_fields = fields


class TrainingRunSerializer(serializers.ModelSerializer[TrainingRun]):
    """A training run as the admin shows it."""

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "model_name",
            "params",
            "state",
            "progress",
            "error",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "data_from",
            "data_until",
            "attempts",
            "cancel_requested_at",
            "result_version",
            "requested_by",
        ]
        read_only_fields = fields


class TrainingRunRequestSerializer(serializers.Serializer[dict[str, Any]]):
    """A retrain: the model and the parameters its trainer declares."""

    model_name = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)
    data_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    data_until = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ModelVersionSerializer(serializers.ModelSerializer[ModelVersion]):
    """A model version as the admin shows it."""

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "model_name",
            "version",
            "model_type",
            "state",
            "traffic_share",
            "training_run",
            "checksum",
            "activation_error",
            "metrics",
            "created_at",
            "activated_at",
        ]
        read_only_fields = fields
