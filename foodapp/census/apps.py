from django.apps import AppConfig


class CensusConfig(AppConfig):
    name = "foodapp.census"
    label = "census"
    verbose_name = "Census income demo"

    def ready(self) -> None:
        from foodapp.census.trainer import CENSUS_TRAINER
        from foodapp.training.registry import register_trainer

        register_trainer(CENSUS_TRAINER)
