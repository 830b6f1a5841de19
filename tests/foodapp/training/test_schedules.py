"""Scheduled retraining: nightly django-celery-beat entries for the food models (read through
beat's own DatabaseScheduler, no beat process), editable in the admin, and the task that queues a
run or records it skipped when no new events arrived."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from foodapp.celery import app
from foodapp.interactions.models import EventType
from foodapp.recommendations.trainer import newest_example_event_at
from foodapp.training import services
from foodapp.training.models import TrainingRun
from foodapp.training.registry import Trainer, register_trainer
from foodapp.training.tasks import retrain_on_schedule
from recommender.datasets.food import MODEL_NAMES
from tests.foodapp.interactions.factories import EventFactory
from tests.foodapp.training.factories import TrainingRunFactory

pytestmark = pytest.mark.django_db

TASK = "foodapp.training.tasks.retrain_on_schedule"
T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def beat_schedule(
    monkeypatch: pytest.MonkeyPatch, at: datetime = T0 - timedelta(minutes=30)
) -> dict:
    """What a beat process loads from the database at `at` (it loads crontab entries within two
    hours of the time, so the clock is set near the nightly run)."""
    import django_celery_beat.schedulers

    monkeypatch.setattr(django_celery_beat.schedulers, "aware_now", lambda: at)
    return DatabaseScheduler(app=app, lazy=True).all_as_schedule()


def test_each_food_model_has_a_nightly_beat_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    schedule = beat_schedule(monkeypatch)
    retrains = {name: entry for name, entry in schedule.items() if entry.task == TASK}
    assert {entry.kwargs["model_name"] for entry in retrains.values()} == set(MODEL_NAMES.values())
    for entry in retrains.values():
        crontab = entry.schedule
        assert (crontab.hour, crontab.minute) == ({3}, {0})
        assert crontab.day_of_week == set(range(7)) and crontab.day_of_month == set(range(1, 32))
        # after a run at 03:00 the next is due at 03:00 the next day, not before
        crontab.nowfun = lambda: T0 + timedelta(hours=23)
        due, next_in = crontab.is_due(T0)
        assert not due and next_in == pytest.approx(3600, abs=1)
        crontab.nowfun = lambda: T0 + timedelta(days=1, seconds=1)
        assert crontab.is_due(T0)[0]


def test_a_schedule_edited_like_the_admin_does_is_what_beat_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    task = PeriodicTask.objects.get(name=f"nightly retrain {MODEL_NAMES['wide']}")
    task.crontab = CrontabSchedule.objects.create(minute="30", hour="5", timezone="UTC")
    task.save()
    PeriodicTask.objects.filter(name=f"nightly retrain {MODEL_NAMES['deep']}").update(enabled=False)
    schedule = beat_schedule(monkeypatch, at=T0 + timedelta(hours=2))
    assert (schedule[task.name].schedule.hour, schedule[task.name].schedule.minute) == ({5}, {30})
    assert f"nightly retrain {MODEL_NAMES['deep']}" not in schedule


def test_staff_see_and_can_edit_the_schedules_in_the_admin(client: Client) -> None:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("boss", password="pw-boss-123"))
    page = client.get(reverse("admin:django_celery_beat_periodictask_changelist")).content.decode()
    for model_name in MODEL_NAMES.values():
        assert f"nightly retrain {model_name}" in page
    task = PeriodicTask.objects.get(name=f"nightly retrain {MODEL_NAMES['wide_deep']}")
    form = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    assert form.status_code == 200 and 'name="crontab"' in form.content.decode()
    assert json.loads(task.kwargs) == {"model_name": MODEL_NAMES["wide_deep"]}


class Newest:
    """A controllable 'newest data' clock for the toy trainer."""

    value: datetime | None = None

    def __call__(self) -> datetime | None:
        return self.value


@pytest.fixture
def newest(toy_trainer: Trainer) -> Iterator[Newest]:
    clock = Newest()
    register_trainer(replace(toy_trainer, newest_data_at=clock))
    yield clock


def test_the_first_scheduled_run_is_queued(
    newest: Newest, django_capture_on_commit_callbacks
) -> None:
    newest.value = T0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = retrain_on_schedule.apply(kwargs={"model_name": "toy"}).get()
    assert result["state"] == "queued"
    assert TrainingRun.objects.get().state == TrainingRun.State.QUEUED
    assert len(callbacks) == 1


def test_no_new_events_since_the_last_good_run_records_a_skipped_run_saying_why(
    newest: Newest, django_capture_on_commit_callbacks, client: Client
) -> None:
    last = TrainingRunFactory(state=TrainingRun.State.SUCCEEDED, data_until=T0)
    TrainingRunFactory(state=TrainingRun.State.FAILED, data_until=T0 + timedelta(days=1))
    newest.value = T0  # the newest event is the last one the good run saw
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = retrain_on_schedule.apply(kwargs={"model_name": "toy"}).get()
    assert callbacks == []  # nothing sent to the training queue
    skipped = TrainingRun.objects.get(pk=result["run_id"])
    assert skipped.state == TrainingRun.State.SKIPPED and skipped.finished_at is not None
    assert f"no new events since run #{last.pk}" in skipped.note

    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("boss", password="pw-boss-123"))
    page = client.get(reverse("admin:training_trainingrun_changelist")).content.decode()
    assert "Skipped" in page and f"no new events since run #{last.pk}" in page


def test_a_new_event_after_the_window_queues_a_run(
    newest: Newest, django_capture_on_commit_callbacks
) -> None:
    TrainingRunFactory(state=TrainingRun.State.SUCCEEDED, data_until=T0)
    newest.value = T0 + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = retrain_on_schedule.apply(kwargs={"model_name": "toy"}).get()
    assert result["state"] == "queued" and len(callbacks) == 1


def test_a_scheduled_run_while_one_is_open_is_skipped_and_names_it(newest: Newest) -> None:
    newest.value = T0
    open_run = TrainingRunFactory(state=TrainingRun.State.RUNNING)
    run = services.training_run_start_scheduled(model_name="toy")
    assert run.state == TrainingRun.State.SKIPPED
    assert run.note == services.SKIPPED_ALREADY_OPEN.format(run_id=open_run.pk, state="running")


def test_the_food_models_newest_data_is_the_latest_example_event() -> None:
    assert newest_example_event_at() is None
    EventFactory(occurred_at=T0)
    EventFactory(occurred_at=T0 + timedelta(hours=2), event_type=EventType.ORDER)
    EventFactory(occurred_at=T0 + timedelta(days=3), event_type=EventType.SEARCH, dish=None)
    assert newest_example_event_at() == T0 + timedelta(hours=2)
    # A guest browsing is no new data: it trains nothing, so it must not make a retrain due.
    EventFactory(occurred_at=T0 + timedelta(days=4), user=None, session_id="a-guest-visit")
    assert newest_example_event_at() == T0 + timedelta(hours=2)
