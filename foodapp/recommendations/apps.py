from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "foodapp.recommendations"
    label = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from foodapp.recommendations.trainer import FOOD_GROUP, FOOD_TRAINERS
        from foodapp.training.registry import register_group, register_trainer
        from recommender.datasets.food import MODEL_NAMES

        for trainer in FOOD_TRAINERS:
            register_trainer(trainer)
        register_group(FOOD_GROUP, MODEL_NAMES)
