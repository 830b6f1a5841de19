from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "foodapp.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # Connects the signals that forget checked tokens (deleted token, saved user).
        from foodapp.api import authentication  # noqa: F401
