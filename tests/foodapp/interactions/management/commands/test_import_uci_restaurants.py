from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from foodapp.catalog.models import Dish
from foodapp.interactions.models import Event
from foodapp.people.models import Profile

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_uci_restaurants", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_loads_the_uci_counts_and_re_import_changes_nothing():
    out = run()
    assert "130 items, 138 people, 1161 ratings (1161 new)" in out
    counts = (
        Dish.objects.filter(external_id__startswith="uci-").count(),
        Profile.objects.filter(external_id__startswith="uci-").count(),
        Event.objects.filter(event_type="rating", external_id__startswith="uci-").count(),
    )
    assert counts == (130, 138, 1161)
    values = sorted(Event.objects.order_by().values_list("value", flat=True).distinct())
    assert values == [0.0, 1.0, 2.0]
    # Rating counters agree with the log.
    assert sum(Dish.objects.values_list("rating_count", flat=True)) == 1161
    profile = Profile.objects.get(external_id="uci-U1001")
    assert profile.attributes["budget"] == "medium"
    assert [c.name for c in profile.favourite_cuisines.all()] == ["American"]

    assert "(0 new)" in run()
    assert Event.objects.count() == 1161
    assert Dish.objects.count() == 130
    assert Profile.objects.count() == 138


def test_dry_run_writes_nothing():
    assert "checked: 130 items, 138 people, 1161 ratings" in run("--dry-run")
    assert (Dish.objects.count(), Profile.objects.count(), Event.objects.count()) == (0, 0, 0)


def test_a_missing_folder_is_a_command_error(tmp_path: Path):
    with pytest.raises(CommandError, match="missing UCI file"):
        run("--dir", str(tmp_path))
