"""The food models, one per learned ranker, registered with the training app.

"food_wide" (v2), "food_deep" (v3) and "food_wide_deep" (v4) train from the same examples of the
interaction log, each into a model of its own, so all three can be served side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from foodapp.recommendations.rankers import RANKERS
from foodapp.recommendations.scoring import predictor_warm_up
from foodapp.training.params import STANDARD_PARAMETERS, Param
from foodapp.training.registry import ExportedVersion, Trainer, TrainingRequest
from foodapp.training.strategy import training_strategy
from recommender.datasets.food import MODEL_NAMES

FOOD_GROUP = "food"


WARM_START = Param(
    "warm_start",
    bool,
    help="start from the active version's weights when its feature spec allows it",
)


def warm_start_folder(model_name: str) -> Path | None:
    """The folder of the model's active version, which a new version may start from."""
    from foodapp.training.selectors import model_version_active

    active = model_version_active(model_name=model_name)
    if active is None or not Path(active.path).is_dir():
        return None
    return Path(active.path)


def _train(model_type: str) -> Callable[[TrainingRequest], ExportedVersion]:
    """The training function of one food model type."""

    def train(request: TrainingRequest) -> ExportedVersion:
        from foodapp.recommendations.training_data import food_data_load
        from recommender.datasets import food

        params = request.params
        seed = int(params.get("seed", 42))
        data = food_data_load(
            seed=seed,
            max_rows=params.get("max_rows"),
            data_from=request.data_from,
            data_until=request.data_until,
        )
        warm = params.get("warm_start", True)
        return food.train_and_export(
            models_dir=request.models_dir,
            model_type=model_type,
            train=data.train,
            validation=data.validation,
            test=data.test,
            pool=data.pool,
            epochs=params.get("epochs"),
            seed=seed,
            data_summary={"dataset": "interaction log", **data.summary()},
            progress=request.progress,
            log_dir=request.log_dir,
            warm_start=warm_start_folder(MODEL_NAMES[model_type]) if warm else None,
            strategy=training_strategy(),
        )

    return train


def newest_example_event_at() -> datetime | None:
    """When the newest event that makes training examples occurred (None: the log is empty)."""
    from django.db.models import Max

    from foodapp.interactions.models import Event
    from foodapp.interactions.training_examples import EXAMPLE_EVENT_TYPES

    events = Event.objects.of_people().filter(
        event_type__in=EXAMPLE_EVENT_TYPES, dish__isnull=False
    )
    return events.aggregate(newest=Max("occurred_at"))["newest"]


FOOD_TRAINERS: tuple[Trainer, ...] = tuple(
    Trainer(
        model_name=name,
        train=_train(model_type),
        description=f"Food recommender, {model_type.replace('_', ' & ')}: P(order | person, "
        "query, dish, context) from the interaction log.",
        model_types=(model_type,),
        default_params={"model_type": model_type, "warm_start": True},
        parameters=(*STANDARD_PARAMETERS, WARM_START),
        newest_data_at=newest_example_event_at,
        warm_up=predictor_warm_up,
        evaluation_ranker=next(k for k, info in RANKERS.items() if info.model_type == model_type),
    )
    for model_type, name in MODEL_NAMES.items()
)
