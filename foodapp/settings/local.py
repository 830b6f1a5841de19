"""Local development: the embedded default (SQLite, disk broker) unless the environment says."""

from foodapp.settings.base import *  # noqa: F403
from foodapp.settings.environment import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
