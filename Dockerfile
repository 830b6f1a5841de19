# One image for web, workers, beat and tensorboard (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=foodapp.settings.production \
    VAR_DIR=/app/var \
    MODELS_DIR=/app/var/models

WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends procps \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 foodapp

COPY requirements/ requirements/
RUN pip install -r requirements/base.in -c requirements/lock.txt

COPY . .
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/models && chown -R foodapp:foodapp /app/var

USER foodapp
EXPOSE 8000
CMD ["gunicorn", "foodapp.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
