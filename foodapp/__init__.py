"""The foodapp Django project; the Celery app loads with it so tasks are sent on commit."""

from foodapp.celery import app as celery_app

__all__ = ("celery_app",)
