from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from foodapp.catalog.management.commands.load_catalogue import MESSAGE_NO_CATALOGUE
from foodapp.catalog.models import Dish

pytestmark = pytest.mark.django_db


def test_skips_with_a_message_when_there_is_no_catalogue(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("load_catalogue", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == MESSAGE_NO_CATALOGUE.format(
        path=tmp_path / "food" / "dishes.csv"
    )
    assert Dish.objects.count() == 0


def test_loads_the_catalogue_twice_without_duplicates(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    (tmp_path / "food").mkdir()
    (tmp_path / "food" / "dishes.csv").write_text(
        "item_id,name,cuisine,course\nx1,Soup,French,starter\nx2,Tart,French,dessert\n",
        encoding="utf-8",
    )
    call_command("load_catalogue", stdout=StringIO(), stderr=StringIO())
    call_command("load_catalogue", stdout=StringIO(), stderr=StringIO())
    assert sorted(Dish.objects.values_list("course", flat=True)) == ["dessert", "starter"]


def test_the_checked_in_catalogue_loads_without_bad_rows():
    from foodapp.catalog.management.commands.load_catalogue import catalogue_path

    path = catalogue_path()
    if not path.is_file():
        pytest.skip(f"{path} is not checked in yet")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    out, err = StringIO(), StringIO()
    call_command("load_catalogue", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert f"{rows} row(s) read, wrote {rows} new and 0 updated, 0 bad row(s)" in out.getvalue()
    assert Dish.objects.count() == rows
