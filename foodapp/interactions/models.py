"""The interaction log: what people searched, were shown, clicked, ordered and rated."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from foodapp.catalog.models import Dish


class EventType(models.TextChoices):
    SEARCH = "search", "Search"
    IMPRESSION = "impression", "Impression"
    CLICK = "click", "Click"
    ORDER = "order", "Order"
    RATING = "rating", "Rating"
    # "Not for me": negative feedback; the dish is never suggested to that person again.
    DISMISS = "dismiss", "Dismiss"


class SearchQuery(models.Model):
    """A normalised search text and how often it was searched."""

    text = models.CharField(max_length=255, unique=True)
    count = models.PositiveIntegerField(default=0)
    last_seen = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-count", "text"]
        verbose_name_plural = "search queries"

    def __str__(self) -> str:
        return self.text


class EventQuerySet(models.QuerySet["Event"]):
    def of_people(self) -> EventQuerySet:
        """Only the events of signed-in people: no guest's (what trains models and A/B counts)."""
        return self.filter(user__isnull=False)

    def of_guests(self) -> EventQuerySet:
        """Only guests' events (no user; each visit is one session_id)."""
        return self.filter(user__isnull=True)


class Event(models.Model):
    # The FK columns carry no single-column index (the composite indexes below lead with them)
    # and no database constraint: per-row FK triggers halve the bulk insert rate, so the
    # services check every user_id and dish_id once per batch instead. Deletes still cascade
    # through Django's collector.
    # No user: a guest's impression or click, told apart from other guests by session_id (the
    # browser session's key). Readers that need a person use Event.objects.of_people().
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="food_events",
        db_index=False,
        db_constraint=False,
    )
    session_id = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=16, choices=EventType.choices)
    query = models.CharField(max_length=255, blank=True)
    normalized_query = models.ForeignKey(
        SearchQuery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    dish = models.ForeignKey(
        Dish,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
        db_constraint=False,
    )
    position = models.PositiveIntegerField(null=True, blank=True)
    # Null (not "") means the dish was not placed by a ranker: searches, organic orders, imports.
    model_version = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    ranker = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    value = models.FloatField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    hour = models.PositiveSmallIntegerField()
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    device = models.CharField(max_length=32, blank=True)
    # Set only for imported events: re-importing the same row updates it instead of duplicating.
    # Unique through a partial index, so the simulator's millions of NULLs cost nothing.
    external_id = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="interactions_event_time"),
            models.Index(fields=["user", "-occurred_at"], name="interactions_event_user_time"),
            # Orders and ratings only (a few percent of the log): what the dish counters read.
            # Indexing every impression too would slow bulk inserts by a third.
            models.Index(
                fields=["dish", "event_type"],
                condition=models.Q(event_type__in=["order", "rating"]),
                name="interactions_event_dish_kept",
            ),
            # A guest's events by visit, newest first (where a guest's click or order finds the
            # impression behind it); partial, so the people's bulk inserts never touch it.
            models.Index(
                fields=["session_id", "-occurred_at"],
                condition=models.Q(user__isnull=True),
                name="interactions_event_guest_time",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=models.Q(external_id__isnull=False),
                name="interactions_event_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id is not None else "a guest"
        return f"{self.event_type} by {who} at {self.occurred_at:%Y-%m-%d %H:%M}"
