from django.apps import AppConfig


class CensusConfig(AppConfig):
    name = "foodapp.census"
    label = "census"
    verbose_name = "Census income demo"

    def ready(self) -> None:
        from foodapp.census.trainer import CENSUS_TRAINER, MODEL_NAME, census_input_ranges
        from foodapp.serving.input_ranges import input_ranges_register
        from foodapp.training.registry import register_trainer

        register_trainer(CENSUS_TRAINER)
        input_ranges_register(model_name=MODEL_NAME, source=census_input_ranges)
