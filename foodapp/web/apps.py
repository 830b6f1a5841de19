from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "foodapp.web"
    label = "web"
    verbose_name = "Web pages"
