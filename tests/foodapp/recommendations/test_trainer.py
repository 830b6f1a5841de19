import pytest

from foodapp.recommendations.trainer import FOOD_GROUP
from foodapp.training.registry import (
    UnknownModelError,
    group_members,
    registered_model_names,
    trainer_for,
)


def test_three_food_models_are_registered_each_with_its_own_type():
    for model_type, name in (("wide", "food_wide"), ("deep", "food_deep"),
                             ("wide_deep", "food_wide_deep")):  # fmt: skip
        assert name in registered_model_names()
        assert trainer_for(name).model_types == (model_type,)


def test_the_food_group_stands_for_all_three_or_one():
    assert group_members(FOOD_GROUP, None) == ["food_wide", "food_deep", "food_wide_deep"]
    assert group_members(FOOD_GROUP, "all") == ["food_wide", "food_deep", "food_wide_deep"]
    assert group_members(FOOD_GROUP, "deep") == ["food_deep"]
    assert group_members("census", "wide") is None


def test_an_unknown_type_in_the_group_names_model_type():
    with pytest.raises(UnknownModelError, match="model_type"):
        group_members(FOOD_GROUP, "linear")
