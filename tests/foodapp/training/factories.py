from __future__ import annotations

import factory

from foodapp.training.models import ModelVersion, TrainingRun


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion

    model_name = "toy"
    version = factory.Sequence(lambda n: n + 1)
    path = factory.LazyAttribute(lambda o: f"/nonexistent/{o.model_name}/{o.version}")


class TrainingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRun

    model_name = "toy"
    params = factory.LazyFunction(lambda: {"model_type": "wide_deep"})
