"""Checks on the hand-written dish catalogue in data/food/dishes.csv.

The file is data, not code, so these tests are the only thing standing between a typo and a
recommender trained on nonsense: header, counts, controlled vocabularies, prices, diet flags and
the storyline dishes the product depends on.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "food"
CSV_PATH = DATA_DIR / "dishes.csv"
README_PATH = DATA_DIR / "README.md"

HEADER = [
    "item_id",
    "name",
    "cuisine",
    "course",
    "tags",
    "ingredients",
    "price",
    "description",
    "spice_level",
    "vegetarian",
    "vegan",
    "gluten_free",
]
COURSES = {"starter", "main", "side", "dessert", "drink", "breakfast", "snack"}
STORY_DISHES = [
    "Fried Chicken",
    "Chicken Fried Rice",
    "Chicken and Waffles",
    "Chicken Fried Steak",
    "Korean Fried Chicken",
    "Chicken Tenders",
    "Nashville Hot Chicken",
    "Popcorn Chicken",
    "Belgian Waffles",
    "Shrimp Fried Rice",
    "Pork Fried Rice",
    "Vegetable Fried Rice",
    "Kimchi Fried Rice",
    "Iced Decaf Latte with Nonfat Milk",
    "Hot Latte with Whole Milk",
    "Latte",
    "Iced Latte",
    "Decaf Latte",
    "Iced Decaf Latte",
    "Oat Milk Latte",
    "Iced Oat Milk Latte",
    "Cappuccino",
    "Flat White",
    "Americano",
    "Iced Americano",
    "Cold Brew",
    "Espresso",
    "Mocha",
    "Iced Mocha",
    "Chai Latte",
    "Matcha Latte",
    "Hot Chocolate",
]
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_ITEM_PATTERN = re.compile(r"^[a-z0-9][a-z0-9 '.\-]*[a-z0-9.]$|^[a-z0-9]$")
TAG_LINE = re.compile(r"^- `([^`]+)`")

# Ingredient words that mean a dish is not vegetarian (kimchi is listed because it is usually
# fermented with fish sauce or salted shrimp). Matched against whole words of each
# ingredient, so "eggplant" does not match "egg" and "chickpeas" does not match "chicken".
MEAT_WORDS = {
    "anchovies",
    "anchovy",
    "andouille",
    "bacon",
    "bass",
    "beef",
    "bonito",
    "bratwurst",
    "brisket",
    "capon",
    "catfish",
    "chashu",
    "chicken",
    "chorizo",
    "clams",
    "cod",
    "conch",
    "consomme",
    "crab",
    "crawfish",
    "cuttlefish",
    "dashi",
    "duck",
    "eel",
    "entrecote",
    "fish",
    "frankfurter",
    "gelatin",
    "goat",
    "guanciale",
    "haddock",
    "ham",
    "herring",
    "kimchi",
    "kingfish",
    "lamb",
    "lard",
    "lobster",
    "lox",
    "mackerel",
    "meat",
    "meatballs",
    "mortadella",
    "morcilla",
    "mussels",
    "mutton",
    "octopus",
    "oxtail",
    "oyster",
    "oysters",
    "pancetta",
    "pastrami",
    "pate",
    "pepperoni",
    "pollock",
    "pork",
    "prawn",
    "prawns",
    "prosciutto",
    "ribeye",
    "roe",
    "rockfish",
    "salami",
    "salmon",
    "sardines",
    "sausage",
    "sausages",
    "scallops",
    "shrimp",
    "snails",
    "snapper",
    "sole",
    "squid",
    "steak",
    "tilapia",
    "tuna",
    "turkey",
    "veal",
    "weisswurst",
    "worcestershire",
}
MEAT_PHRASES = {"serrano ham", "bone marrow", "tail fat", "beef dripping", "doner meat"}

# Animal products a vegan dish cannot contain (beyond the meat words above).
ANIMAL_WORDS = {
    "butter",
    "buttercream",
    "buttermilk",
    "camembert",
    "cheese",
    "comte",
    "cream",
    "custard",
    "egg",
    "eggs",
    "feta",
    "fontina",
    "gelato",
    "ghee",
    "gorgonzola",
    "gruyere",
    "honey",
    "ice cream",
    "mascarpone",
    "mayonnaise",
    "meringue",
    "milk",
    "mozzarella",
    "niter kibbeh",
    "paneer",
    "parmesan",
    "pecorino",
    "provolone",
    "ricotta",
    "roquefort",
    "whipped cream",
    "yogurt",
    "yolks",
}
# Plant-based look-alikes removed before the animal-product check.
PLANT_PHRASES = (
    "oat milk",
    "coconut milk",
    "coconut cream",
    "almond milk",
    "soy milk",
    "peanut butter",
    "cocoa butter",
    "vegan mayonnaise",
)

# Ingredients that contain gluten in their usual form.
# Oat milk counts: most oat milk is not certified gluten-free. Injera outside Ethiopia is
# often blended with wheat or barley.
GLUTEN_WORDS = {
    "ale",
    "bagel",
    "baguette",
    "barley",
    "batter",
    "bechamel",
    "beer",
    "biscuit",
    "biscuits",
    "bread",
    "breadcrumbs",
    "brioche",
    "bucatini",
    "bulgur",
    "bun",
    "buns",
    "cone",
    "couscous",
    "crackers",
    "crepes",
    "croutons",
    "crust",
    "doenjang",
    "dough",
    "fettuccine",
    "flatbread",
    "flour",
    "gingersnaps",
    "gnocchi",
    "gochujang",
    "injera",
    "kadayif",
    "ladyfingers",
    "lager",
    "lasagna",
    "linguine",
    "macaroni",
    "malt",
    "muffin",
    "naan",
    "noodles",
    "oat",
    "pancakes",
    "panko",
    "pasta",
    "pastry",
    "penne",
    "phyllo",
    "pita",
    "ramen",
    "ravioli",
    "roll",
    "roti",
    "rouille",
    "roux",
    "rye",
    "semolina",
    "shaoxing",
    "simit",
    "spaetzle",
    "spaghetti",
    "sponge",
    "tagliatelle",
    "toast",
    "tonnarelli",
    "tortellini",
    "udon",
    "wafer",
    "wafers",
    "waffle",
    "waffles",
    "wheat",
    "wrappers",
}
GLUTEN_PHRASES = (
    "soy sauce",
    "oyster sauce",
    "hoisin sauce",
    "eel sauce",
    "soybean sauce",
    "yorkshire pudding",
)
# Gluten-free look-alikes removed before the gluten check.
GLUTEN_FREE_PHRASES = (
    "glutinous rice flour",
    "rice flour",
    "corn flour",
    "chickpea flour",
    "almond flour",
    "teff flour",
    "tapioca",
    "rice noodles",
    "glass noodles",
    "rice vermicelli",
    "rice paper",
    "root beer",
    "buckwheat flour",
)


@cache
def read_rows() -> tuple[list[str], list[dict[str, str]]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, values, strict=True)) for values in reader]
    return header, rows


def rows() -> list[dict[str, str]]:
    return read_rows()[1]


@cache
def readme_vocabulary() -> frozenset[str]:
    text = README_PATH.read_text(encoding="utf-8")
    start = text.index("<!-- tag-vocabulary:start -->")
    end = text.index("<!-- tag-vocabulary:end -->")
    tags = set()
    for line in text[start:end].splitlines():
        match = TAG_LINE.match(line.strip())
        if match:
            tags.add(match.group(1))
    return frozenset(tags)


def split_list(value: str) -> list[str]:
    return value.split("|")


def words(ingredient: str) -> set[str]:
    return set(re.findall(r"[a-z]+", ingredient))


def has_meat(ingredient: str) -> bool:
    return bool(words(ingredient) & MEAT_WORDS) or any(p in ingredient for p in MEAT_PHRASES)


def has_animal_product(ingredient: str) -> bool:
    if has_meat(ingredient):
        return True
    for phrase in PLANT_PHRASES:
        ingredient = ingredient.replace(phrase, " ")
    multi_word = any(" " in word and word in ingredient for word in ANIMAL_WORDS)
    return bool(words(ingredient) & ANIMAL_WORDS) or multi_word


def has_gluten(ingredient: str) -> bool:
    if any(phrase in ingredient for phrase in GLUTEN_PHRASES):
        return True
    for phrase in GLUTEN_FREE_PHRASES:
        ingredient = ingredient.replace(phrase, " ")
    return bool(words(ingredient) & GLUTEN_WORDS)


def by_name() -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in rows()}


def test_header_is_exact() -> None:
    header, _ = read_rows()
    assert header == HEADER


def test_enough_rows_and_no_blank_fields() -> None:
    assert len(rows()) >= 600
    for row in rows():
        empty = [column for column in HEADER if not row[column].strip()]
        assert not empty, f"{row['item_id']}: empty {empty}"
        stripped = [column for column in HEADER if row[column] != row[column].strip()]
        assert not stripped, f"{row['item_id']}: stray whitespace in {stripped}"


def test_item_ids_are_unique_slugs() -> None:
    ids = [row["item_id"] for row in rows()]
    duplicates = [item for item, count in Counter(ids).items() if count > 1]
    assert not duplicates
    bad = [item for item in ids if not ID_PATTERN.match(item)]
    assert not bad


def test_names_are_unique() -> None:
    names = Counter(row["name"].casefold() for row in rows())
    assert not [name for name, count in names.items() if count > 1]


def test_courses_are_valid_and_each_has_enough_rows() -> None:
    courses = Counter(row["course"] for row in rows())
    assert set(courses) == COURSES
    thin = {course: count for course, count in courses.items() if count < 25}
    assert not thin


def test_at_least_15_cuisines_with_15_dishes() -> None:
    cuisines = Counter(row["cuisine"] for row in rows())
    big = [cuisine for cuisine, count in cuisines.items() if count >= 15]
    assert len(big) >= 15, cuisines
    assert "Seafood" not in cuisines


def test_tags_come_from_the_documented_vocabulary() -> None:
    vocabulary = readme_vocabulary()
    assert len(vocabulary) >= 30
    used: set[str] = set()
    for row in rows():
        tags = split_list(row["tags"])
        assert tags and len(tags) == len(set(tags)), row["item_id"]
        unknown = set(tags) - vocabulary
        assert not unknown, f"{row['item_id']}: {unknown}"
        used.update(tags)
    assert not vocabulary - used, f"documented but unused tags: {vocabulary - used}"


def test_diet_tags_mirror_the_flags() -> None:
    for row in rows():
        tags = set(split_list(row["tags"]))
        assert ("vegetarian-friendly" in tags) == (row["vegetarian"] == "true"), row["item_id"]
        assert ("vegan" in tags) == (row["vegan"] == "true"), row["item_id"]
        assert ("gluten-free-friendly" in tags) == (row["gluten_free"] == "true"), row["item_id"]


def test_ingredients_are_lowercase_lists() -> None:
    for row in rows():
        ingredients = split_list(row["ingredients"])
        assert 2 <= len(ingredients) <= 8, row["item_id"]
        if row["course"] in {"main", "breakfast"}:
            assert len(ingredients) >= 3, row["item_id"]
        for ingredient in ingredients:
            assert ingredient == ingredient.lower(), row["item_id"]
            assert ingredient == ingredient.strip() and ingredient, row["item_id"]
        assert len(ingredients) == len(set(ingredients)), row["item_id"]


def test_prices_parse_and_are_plausible() -> None:
    for row in rows():
        try:
            price = Decimal(row["price"])
        except InvalidOperation:
            pytest.fail(f"{row['item_id']}: bad price {row['price']!r}")
        assert re.fullmatch(r"\d+\.\d{2}", row["price"]), row["item_id"]
        assert Decimal("1.00") <= price <= Decimal("70.00"), row["item_id"]
        tags = set(split_list(row["tags"]))
        if row["course"] == "drink":
            top = Decimal("15.00") if "alcoholic" in tags else Decimal("7.00")
            assert Decimal("2.50") <= price <= top, row["item_id"]
        if row["course"] == "main" and "fast food" not in tags and "street food" not in tags:
            assert price >= Decimal("8.00"), row["item_id"]


def test_spice_levels_and_booleans() -> None:
    for row in rows():
        assert row["spice_level"] in {"0", "1", "2", "3"}, row["item_id"]
        for column in ("vegetarian", "vegan", "gluten_free"):
            assert row[column] in {"true", "false"}, f"{row['item_id']}: {column}"
        if row["vegan"] == "true":
            assert row["vegetarian"] == "true", row["item_id"]
        tags = set(split_list(row["tags"]))
        if "spicy" in tags:
            assert row["spice_level"] != "0", row["item_id"]
        if int(row["spice_level"]) >= 2:
            assert "spicy" in tags, row["item_id"]


def test_meat_and_fish_dishes_are_not_vegetarian() -> None:
    for row in rows():
        meaty = [i for i in split_list(row["ingredients"]) if has_meat(i)]
        tags = set(split_list(row["tags"]))
        animal_tags = tags & {"seafood", "fish", "shellfish", "chicken", "beef", "pork", "lamb"}
        if meaty or animal_tags - {"seafood"} or "seafood" in tags:
            assert row["vegetarian"] == "false", f"{row['item_id']}: {meaty or animal_tags}"


def test_vegan_dishes_have_no_animal_products() -> None:
    for row in rows():
        if row["vegan"] != "true":
            continue
        animal = [i for i in split_list(row["ingredients"]) if has_animal_product(i)]
        assert not animal, f"{row['item_id']}: {animal}"
        assert not set(split_list(row["tags"])) & {"dairy", "cheese", "egg"}, row["item_id"]


def test_gluten_free_dishes_have_no_obvious_gluten() -> None:
    for row in rows():
        if row["gluten_free"] != "true":
            continue
        gluten = [i for i in split_list(row["ingredients"]) if has_gluten(i)]
        assert not gluten, f"{row['item_id']}: {gluten}"
        assert not set(split_list(row["tags"])) & {"pasta", "beer", "pastry"}, row["item_id"]


def test_storyline_dishes_exist() -> None:
    names = by_name()
    missing = [name for name in STORY_DISHES if name not in names]
    assert not missing


def test_storyline_dishes_are_what_they_claim() -> None:
    names = by_name()
    assert names["Fried Chicken"]["course"] == "main"
    assert "chicken" in split_list(names["Fried Chicken"]["tags"])
    assert "rice" in split_list(names["Chicken Fried Rice"]["tags"])
    assert names["Chicken Fried Rice"]["cuisine"] == "Chinese"
    assert "beef" in split_list(names["Chicken Fried Steak"]["tags"])
    assert "waffles" in split_list(names["Chicken and Waffles"]["tags"])
    iced = set(split_list(names["Iced Decaf Latte with Nonfat Milk"]["tags"]))
    hot = set(split_list(names["Hot Latte with Whole Milk"]["tags"]))
    assert {"iced", "decaf", "nonfat milk", "coffee"} <= iced
    assert {"hot", "whole milk", "coffee"} <= hot
    assert not {"decaf", "iced", "nonfat milk"} & hot


def test_naive_matching_traps_are_present() -> None:
    """Several names share the words "fried" and "chicken", and several pair with waffles."""
    names = [row["name"].lower() for row in rows()]
    fried_chicken_words = [n for n in names if "fried" in n and "chicken" in n]
    assert len(fried_chicken_words) >= 5
    waffles = [row for row in rows() if "waffles" in split_list(row["tags"])]
    assert len(waffles) >= 8


def test_general_request_groups_are_large_enough() -> None:
    tag_counts = Counter(tag for row in rows() for tag in split_list(row["tags"]))
    cuisines = Counter(row["cuisine"] for row in rows())
    assert tag_counts["seafood"] >= 50
    assert tag_counts["fast food"] >= 40
    assert cuisines["Italian"] >= 50
    cafe = [row for row in rows() if row["cuisine"] == "Cafe"]
    assert len(cafe) >= 30
    assert all(row["course"] == "drink" for row in cafe)
    coffee = [row for row in cafe if "coffee" in split_list(row["tags"])]
    assert len(coffee) >= 25


def test_descriptions_are_single_plain_sentences() -> None:
    for row in rows():
        description = row["description"]
        assert description.endswith("."), row["item_id"]
        assert 20 <= len(description) <= 250, row["item_id"]
        assert "\n" not in description, row["item_id"]
