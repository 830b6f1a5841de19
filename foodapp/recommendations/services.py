"""Writes of the recommendation service: log what was shown, with the ranker and version."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from foodapp.interactions.models import Event, EventType
from foodapp.interactions.selectors import impression_latest
from foodapp.interactions.services import EventInput, event_record, events_record_bulk
from foodapp.recommendations.engine import Ranking
from foodapp.recommendations.models import Evaluation
from foodapp.training.models import ModelVersion


def impression_inputs(
    *,
    user_id: int | None,
    ranking: Ranking,
    query: str = "",
    session_id: str = "",
    device: str = "",
    occurred_at: datetime | None = None,
) -> list[EventInput]:
    """The impression events of one shown list (see impressions_record), not yet stored."""
    moment = occurred_at or timezone.now()
    version = f"{ranking.model_name}:{ranking.version}" if ranking.version is not None else None
    return [
        EventInput(
            user_id=user_id,
            event_type=EventType.IMPRESSION,
            occurred_at=moment,
            dish_id=suggestion.dish_id,
            session_id=session_id,
            query=query,
            position=suggestion.rank - 1,
            model_version=version,
            ranker=ranking.ranker,
            device=device,
        )
        for suggestion in ranking.suggestions
    ]


def impressions_record(
    *,
    user_id: int | None,
    ranking: Ranking,
    query: str = "",
    session_id: str = "",
    device: str = "",
    occurred_at: datetime | None = None,
) -> int:
    """Log one impression per suggestion shown, with its position, ranker and model version.

    Args:
        user_id: who saw them (None: a guest, told apart by session_id).
        ranking: what was shown (from recommendations_for or dishes_similar).
        query: the query typed ("" for the feed).
        session_id: the app session.
        device: the device.
        occurred_at: when (default now).

    Returns:
        How many impressions were stored.
    """
    events = impression_inputs(
        user_id=user_id,
        ranking=ranking,
        query=query,
        session_id=session_id,
        device=device,
        occurred_at=occurred_at,
    )
    return events_record_bulk(events=events) if events else 0


def order_from_suggestion_record(
    *,
    user_id: int,
    dish_id: int,
    session_id: str = "",
    device: str = "",
    occurred_at: datetime | None = None,
) -> Event:
    """Log an order with the ranker and model version that placed the dish: those of the
    person's latest impression of it in the same session (how an A/B test attributes orders to
    its arms). An order of a dish they were not shown carries neither (an organic order).

    Args:
        user_id: who ordered.
        dish_id: what.
        session_id: the app session the order was made in.
        device: the device.
        occurred_at: when (default now).

    Returns:
        The stored order event.

    Raises:
        EventValidationError: naming the bad field (an unknown user or dish).
    """
    moment = occurred_at or timezone.now()
    shown = impression_latest(dish_id=dish_id, user_id=user_id, session_id=session_id, until=moment)
    return event_record(
        user_id=user_id,
        event_type=EventType.ORDER,
        occurred_at=moment,
        dish_id=dish_id,
        session_id=session_id,
        position=shown.position if shown else None,
        model_version=shown.model_version if shown else None,
        ranker=shown.ranker if shown else None,
        device=device,
    )


def evaluation_store(*, result: Mapping[str, Any]) -> Evaluation:
    """Store an evaluation and write its summary into each evaluated version's metadata.

    Args:
        result: the JSON object of foodapp.recommendations.evaluation.evaluation_run.

    Returns:
        The stored evaluation (what the storyline page shows).
    """
    versions: Mapping[str, str] = result.get("versions", {})
    summary = {"rankers": result.get("rankers", {}), "setup": result.get("setup", {})}
    with transaction.atomic():
        evaluation = Evaluation.objects.create(
            versions=dict(versions), result=dict(result), seconds=float(result.get("seconds", 0))
        )
        for label in versions.values():
            model_name, _, number = label.rpartition(":")
            row = (
                ModelVersion.objects.select_for_update()
                .filter(model_name=model_name, version=int(number))
                .first()
            )
            if row is not None:
                row.metadata = {**row.metadata, "evaluation": {"id": evaluation.pk, **summary}}
                row.save(update_fields=["metadata"])
    return evaluation
