"""Settings shared by every environment; everything that varies comes from the environment."""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from foodapp.settings.environment import (
    database_from_env,
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
    redis_cache,
    redis_url_from_env,
)

# Lets the admin and querysets be subscripted in annotations at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = env_path("VAR_DIR", BASE_DIR / "var")
MODELS_DIR = env_path("MODELS_DIR", VAR_DIR / "models")
DATA_DIR = BASE_DIR / "data"

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-local-only-key-do-not-use-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "django_celery_beat",
]
LOCAL_APPS = [
    "foodapp.core",
    "foodapp.training",
    "foodapp.catalog",
    "foodapp.people",
    "foodapp.interactions",
    "foodapp.simulation",
    "foodapp.census",
    "foodapp.serving",
    "foodapp.recommendations",
    "foodapp.web",
    "foodapp.api",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "foodapp.core.request_id.RequestIdMiddleware",
    "foodapp.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "foodapp.core.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
# Who may read /metrics besides signed-in staff: client networks, e.g. "10.0.0.0/8" (CIDRs).
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")

ROOT_URLCONF = "foodapp.urls"
WSGI_APPLICATION = "foodapp.wsgi.application"
ASGI_APPLICATION = "foodapp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "foodapp.core.navigation.navigation",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(default_sqlite_path=VAR_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Security headers (foodapp.core.security_headers adds CSP and Permissions-Policy) ----------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own static files: no inline script, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (the API docs page) applies inline styles; its scripts still come from files only.
CONTENT_SECURITY_POLICY_BY_PATH = {
    "/api/docs/": CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    ),
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

# --- Redis (optional): broker and cache -------------------------------------------------------
REDIS_URL = redis_url_from_env()

if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The served-version stamp (foodapp.training.version_stamp) must be seen by every web process:
# the shared Redis cache when there is one, else a file cache on this machine.
SERVING_STAMP_CACHE = "serving"
CACHES[SERVING_STAMP_CACHE] = (
    {**CACHES["default"]}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "serving"),
    }
)
# Where predictions are made: "local" (in this process, the default) or "tfserving" (TensorFlow
# Serving's REST API at TFSERVING_URL, e.g. the docker-compose `tfserving` service). The app
# writes the server's model config to TFSERVING_MODEL_CONFIG (default MODELS_DIR/models.config),
# naming the models folder as the server sees it (TFSERVING_MODELS_BASE_PATH).
PREDICTOR_BACKEND = env_str("PREDICTOR_BACKEND", "local")
if PREDICTOR_BACKEND not in ("local", "tfserving"):
    raise ImproperlyConfigured(
        f"PREDICTOR_BACKEND must be local or tfserving, not {PREDICTOR_BACKEND!r}."
    )
TFSERVING_URL = env_str("TFSERVING_URL", "http://127.0.0.1:8501")
TFSERVING_MODEL_CONFIG = env_str("TFSERVING_MODEL_CONFIG", "")
TFSERVING_MODELS_BASE_PATH = env_str("TFSERVING_MODELS_BASE_PATH", "/models")
TFSERVING_TIMEOUT_SECONDS = env_int("TFSERVING_TIMEOUT_SECONDS", 10, minimum=1)
# The TensorFlow distribution strategy of training runs: "none" (the default), "mirrored" (every
# GPU of the machine) or "multi_worker_mirrored" (several machines, described by TF_CONFIG).
TRAINING_DISTRIBUTION = env_str("TRAINING_DISTRIBUTION", "none")
if TRAINING_DISTRIBUTION not in ("none", "mirrored", "multi_worker_mirrored"):
    raise ImproperlyConfigured(
        "TRAINING_DISTRIBUTION must be none, mirrored or multi_worker_mirrored, "
        f"not {TRAINING_DISTRIBUTION!r}."
    )

# --- Celery -----------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
TRAINING_TIME_LIMIT = env_int("TRAINING_TIME_LIMIT", 3 * 60 * 60, minimum=60)
# A training run's worker writes a heartbeat this often; the reaper (beat, every minute) fails a
# run whose heartbeat is older than the stale limit with "worker lost".
TRAINING_HEARTBEAT_SECONDS: float = 5
TRAINING_HEARTBEAT_STALE_SECONDS: float = 60
# The TensorBoard that serves every run's logs (MODELS_DIR/_logs; `make run` and docker-compose
# start it); the admin links each run to it. Empty: no link, only the command.
TENSORBOARD_URL = env_str("TENSORBOARD_URL", "http://127.0.0.1:6006")
# Safe activation's margin rule (foodapp.training.activation_policy): per model name, "*" for the
# others, None for no rule. A version whose validation AUC is more than 0.01 below the active
# version's stays a candidate.
TRAINING_ACTIVATION_POLICIES: dict[str, dict[str, object] | None] = {
    "*": {"metric": "validation.auc", "margin": 0.01},
}

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Above the longest training run, so a running job is never redelivered to another worker.
        "visibility_timeout": TRAINING_TIME_LIMIT + 600,
        "socket_connect_timeout": 5,
    }
else:
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)

CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_CACHE_BACKEND = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"foodapp.training.tasks.train_model": {"queue": "training"}}
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "training-fail-stale-runs": {
        "task": "foodapp.training.tasks.fail_stale_runs",
        "schedule": 60,
        "options": {"expires": 50},
    },
}

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an API client without credentials is told 401 with WWW-Authenticate.
        "foodapp.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Deep nesting and lone surrogates are a 400 on every JSON API, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["foodapp.serving.parsers.CheckedJSONParser"],
    "EXCEPTION_HANDLER": "foodapp.core.api_errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Used by the /api/v1/ views (foodapp.api.throttling); "600/min", "20/s", ...
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Food recommender API",
    "DESCRIPTION": 'Dishes, suggestions, events and training records. Errors: {"error": "..."}.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["foodapp.api.schema.endpoints_api_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "foodapp.api.schema.error_responses_add",
    ],
}
# How long a served suggestion list is reused (foodapp.recommendations.cache).
SUGGESTIONS_CACHE_SECONDS = env_int("SUGGESTIONS_CACHE_SECONDS", 300)
# How long a web process trusts an API token it checked without asking the database again
# (foodapp.api.authentication); 0 checks every request.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 10)

# Most instances (rows) one predict request may carry.
SERVING_MAX_BATCH = env_int("SERVING_MAX_BATCH", 1000, minimum=1)

# --- Logging: one JSON object per line on stdout ----------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "foodapp.core.log_context.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "celery": {"level": LOG_LEVEL},
    },
}
