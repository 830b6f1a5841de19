from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "foodapp.core"
    label = "core"
    verbose_name = "Core"
