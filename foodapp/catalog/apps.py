from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "foodapp.catalog"
    label = "catalog"
