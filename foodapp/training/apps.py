from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "foodapp.training"
    label = "training"
    verbose_name = "Training and model versions"

    def ready(self) -> None:
        from foodapp.core.metrics import collector_register
        from foodapp.training.metrics import TRAINING_RUNS

        collector_register(TRAINING_RUNS)
