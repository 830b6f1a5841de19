from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from foodapp.catalog.models import Dish

pytestmark = pytest.mark.django_db

HEADER = (
    "item_id,name,cuisine,course,tags,ingredients,price,description,"
    "spice_level,vegetarian,vegan,gluten_free\n"
)
GOOD = (
    HEADER
    + "d1,Pad Thai,Thai,main,noodles|street food,rice noodles|peanut,11.50,"
    + '"Sweet, sour",2,false,false,true\n'
    + "d2,Mango Lassi,Indian,drink,,mango|yoghurt,4,,0,true,false,true\n"
)


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_dishes", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_a_good_file(tmp_path):
    path = tmp_path / "dishes.csv"
    path.write_text(GOOD, encoding="utf-8")
    out, _ = run(path)
    assert "2 row(s) read, wrote 2 new and 0 updated, 0 bad row(s)" in out
    pad = Dish.objects.get(external_id="d1")
    assert (pad.name, pad.cuisine.name, pad.course, pad.price) == (
        "Pad Thai",
        "Thai",
        "main",
        Decimal("11.50"),
    )
    assert (pad.spice_level, pad.is_vegetarian, pad.is_gluten_free) == (2, False, True)
    assert pad.description == "Sweet, sour"
    assert sorted(t.name for t in pad.tags.all()) == ["noodles", "street food"]


def test_re_import_updates_instead_of_duplicating(tmp_path):
    path = tmp_path / "dishes.csv"
    path.write_text(GOOD, encoding="utf-8")
    run(path)
    path.write_text(HEADER + "d1,Pad Thai Gai,Thai,main,,,12.00,,,,,\n", encoding="utf-8")
    out, _ = run(path)
    assert "wrote 0 new and 1 updated" in out
    assert Dish.objects.count() == 2
    pad = Dish.objects.get(external_id="d1")
    assert (pad.name, pad.price, pad.spice_level) == ("Pad Thai Gai", Decimal("12.00"), 2)


def test_bad_rows_are_reported_with_file_line_and_field_and_skipped(tmp_path):
    path = tmp_path / "dishes.csv"
    path.write_text(
        HEADER
        + ",No Id,,,,,,,,,,\n"
        + "d3,Cheap,,,,,-1,,,,,\n"
        + "d4,Dear,,,,,lots,,,,,\n"
        + "d5,Brunchy,,brunch,,,,,,,,\n"
        + "d6,Hot,,,,,,,5,,,\n"
        + "d7,Veg,,,,,,,,perhaps,,\n"
        + "d8,Fine,,,,,,,,,,\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert err.splitlines() == [
        f"{path}:2: item_id: is required",
        f"{path}:3: price: -1 is negative",
        f"{path}:4: price: 'lots' is not a number",
        f"{path}:5: course: 'brunch' is not one of: starter, main, side, dessert, drink, "
        "breakfast, snack",
        f"{path}:6: spice_level: 5 is not between 0 and 3",
        f"{path}:7: vegetarian: 'perhaps' is not a boolean (true/false, yes/no, 1/0)",
    ]
    assert "7 row(s) read, wrote 1 new and 0 updated, 6 bad row(s) skipped" in out
    assert list(Dish.objects.values_list("external_id", flat=True)) == ["d8"]


def test_dry_run_and_strict_write_nothing(tmp_path):
    path = tmp_path / "dishes.csv"
    path.write_text(GOOD + "d9,,,,,,,,,,,\n", encoding="utf-8")
    out, _ = run(path, "--dry-run")
    assert "would write 2 new" in out
    with pytest.raises(CommandError, match="1 bad row"):
        run(path, "--strict")
    assert Dish.objects.count() == 0


def test_missing_file_and_missing_columns_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.csv")
    path = tmp_path / "dishes.csv"
    path.write_text("id,title\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing required column"):
        run(path)


def test_batch_size_must_be_positive(tmp_path):
    path = tmp_path / "dishes.csv"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run(path, "--batch-size", "0")
    out, _ = run(path, "--batch-size", "1")
    assert "wrote 2 new" in out
