import pytest

from foodapp.simulation.dishes import (
    SLOT_BREAKFAST,
    SLOT_COFFEE,
    SLOT_DESSERT,
    SLOT_FAST_FOOD,
    SLOT_MAIN,
    SimDish,
    dish_table_build,
    meal_slot,
    text_tokens,
)
from tests.foodapp.simulation.catalogue import small_catalogue


def by_name(name: str) -> SimDish:
    return next(d for d in small_catalogue() if d.name == name)


def test_text_tokens_drop_stopwords_and_punctuation():
    assert text_tokens("Chicken and Waffles!") == ("chicken", "waffles")


@pytest.mark.parametrize(
    ("name", "slot"),
    [
        ("Pancakes", SLOT_BREAKFAST),
        ("Iced Decaf Latte with Nonfat Milk", SLOT_COFFEE),
        ("Cheeseburger", SLOT_FAST_FOOD),
        ("Chocolate Cake", SLOT_DESSERT),
        ("Lasagna", SLOT_MAIN),
    ],
)
def test_meal_slot_follows_course_and_tags(name, slot):
    assert meal_slot(by_name(name)) == slot


def test_dish_table_aligns_columns_with_dishes():
    table = dish_table_build(dishes=small_catalogue())
    salmon = [d.name for d in table.dishes].index("Grilled Salmon")
    assert table.ids[salmon] == table.dishes[salmon].dish_id
    assert table.cuisines[table.cuisine_index[salmon]] == "Seafood"
    assert not table.vegetarian[salmon]
    assert table.gluten_free[salmon]


def test_vegan_dishes_count_as_vegetarian():
    dish = SimDish(dish_id=1, name="Salad", cuisine="X", course="main", is_vegan=True)
    assert dish_table_build(dishes=[dish]).vegetarian[0]


def test_dish_table_rejects_empty_and_duplicate_catalogues():
    with pytest.raises(ValueError, match="empty"):
        dish_table_build(dishes=[])
    dish = small_catalogue()[0]
    with pytest.raises(ValueError, match="unique"):
        dish_table_build(dishes=[dish, dish])
