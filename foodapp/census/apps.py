from django.apps import AppConfig


class CensusConfig(AppConfig):
    name = "foodapp.census"
    label = "census"
