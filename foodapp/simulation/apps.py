from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "foodapp.simulation"
    label = "simulation"
