"""Nightly retraining of the three food models: one django-celery-beat PeriodicTask each (03:00
UTC), editable in the admin (Periodic tasks); the task skips a night with no new events."""

import json

from django.db import migrations
from django.utils import timezone

from recommender.datasets.food import MODEL_NAMES

TASK = "foodapp.training.tasks.retrain_on_schedule"
NIGHTLY = {
    "minute": "0",
    "hour": "3",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
}


def task_name(model_name):
    return f"nightly retrain {model_name}"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(**NIGHTLY, timezone="UTC")
    for model_name in MODEL_NAMES.values():
        PeriodicTask.objects.get_or_create(
            name=task_name(model_name),
            defaults={
                "task": TASK,
                "crontab": crontab,
                "kwargs": json.dumps({"model_name": model_name}),
                "description": f"Retrain {model_name} every night unless no new events arrived.",
            },
        )
    # tell a running beat to reload its schedule
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[task_name(n) for n in MODEL_NAMES.values()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0007_run_skipped_and_note"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
