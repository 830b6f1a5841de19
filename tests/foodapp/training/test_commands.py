"""`manage.py train` and `manage.py bootstrap` through the same training service."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from foodapp.training.models import ModelVersion, TrainingRun
from foodapp.training.registry import Trainer
from tests.foodapp.training.factories import TrainingRunFactory

pytestmark = pytest.mark.django_db


def test_train_command_trains_and_reports_the_version(toy_trainer: Trainer) -> None:
    out = io.StringIO()
    call_command("train", "toy", "--epochs", "2", stdout=out, stderr=io.StringIO())
    assert "toy v1 active" in out.getvalue()
    assert TrainingRun.objects.get().state == TrainingRun.State.SUCCEEDED


def test_train_command_names_a_bad_option(toy_trainer: Trainer) -> None:
    with pytest.raises(CommandError, match="epochs"):
        call_command("train", "toy", "--epochs", "0")
    with pytest.raises(CommandError, match="unknown model 'pizza'"):
        call_command("train", "pizza")


def test_train_command_reports_a_failed_run(toy_trainer: Trainer) -> None:
    with pytest.raises(CommandError, match="training toy failed: RuntimeError"):
        call_command("train", "toy", "--epochs", "13", stdout=io.StringIO(), stderr=io.StringIO())


def test_bootstrap_creates_admin_once_and_trains_only_what_is_missing(
    toy_trainer: Trainer, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "admin-pass-123")
    monkeypatch.setattr("foodapp.training.selectors.registered_model_names", lambda: ["toy"])
    monkeypatch.setattr("foodapp.core.management.commands.bootstrap.get_commands", lambda: {})
    out = io.StringIO()
    call_command("bootstrap", stdout=out, stderr=io.StringIO())
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("admin-pass-123")
    assert ModelVersion.objects.get(model_name="toy").state == ModelVersion.State.ACTIVE

    again = io.StringIO()
    call_command("bootstrap", stdout=again, stderr=io.StringIO())
    assert "Training" not in again.getvalue() and "Created admin" not in again.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert ModelVersion.objects.count() == 1


def test_bootstrap_prints_a_generated_password_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setattr("foodapp.core.management.commands.bootstrap.get_commands", lambda: {})
    out = io.StringIO()
    call_command("bootstrap", "--skip-training", stdout=out)
    printed = out.getvalue().split("with password '")[1].split("'")[0]
    assert get_user_model().objects.get(username="admin").check_password(printed)


def test_train_command_says_when_the_model_is_already_running(toy_trainer: Trainer) -> None:
    open_run = TrainingRunFactory(model_name="toy")
    with pytest.raises(CommandError, match=f"already running: run #{open_run.pk} is queued"):
        call_command("train", "toy", stdout=io.StringIO(), stderr=io.StringIO())
