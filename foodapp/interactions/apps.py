from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "foodapp.interactions"
    label = "interactions"
