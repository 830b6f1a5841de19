from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "foodapp.people"
    label = "people"
