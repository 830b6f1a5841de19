from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from foodapp.interactions.models import Event
from foodapp.people.models import Profile
from tests.foodapp.catalog.factories import DishFactory
from tests.foodapp.people.factories import ProfileFactory

pytestmark = pytest.mark.django_db

HEADER = "user_id,item_id,event,value,timestamp,query,session_id\n"


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_interactions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def dish():
    return DishFactory(external_id="d1")


def test_imports_events_creating_unknown_users(tmp_path, dish):
    known = ProfileFactory(external_id="U1")
    path = tmp_path / "log.csv"
    path.write_text(
        HEADER
        + "U1,,search,,2026-01-01T10:00:00Z,Pad Thai,s1\n"
        + "U1,d1,order,,2026-01-01T10:01:00Z,Pad Thai,s1\n"
        + "U2,d1,rating,2,1767261600,,\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert err == ""
    assert "3 row(s) read, wrote 3 new" in out
    order = Event.objects.get(event_type="order")
    assert (order.user_id, order.dish_id, order.session_id) == (known.user_id, dish.pk, "s1")
    assert order.occurred_at == datetime(2026, 1, 1, 10, 1, tzinfo=UTC)
    assert order.normalized_query.text == "pad thai"
    rating = Event.objects.get(event_type="rating")
    assert Profile.objects.get(user_id=rating.user_id).external_id == "U2"
    assert rating.occurred_at == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    dish.refresh_from_db()
    assert (dish.order_count, dish.rating_count, dish.rating_average) == (1, 1, 2.0)


def test_re_import_updates_values_instead_of_duplicating(tmp_path, dish):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "U1,d1,rating,1,2026-01-01T10:00:00Z,,\n", encoding="utf-8")
    run(path)
    path.write_text(HEADER + "U1,d1,rating,2,2026-01-01T10:00:00+00:00,,\n", encoding="utf-8")
    out, _ = run(path)
    assert "wrote 0 new and 1 updated" in out
    assert list(Event.objects.values_list("value", flat=True)) == [2.0]
    dish.refresh_from_db()
    assert (dish.rating_count, dish.rating_average) == (1, 2.0)


def test_each_kind_of_bad_row_is_reported_and_skipped(tmp_path, dish):
    path = tmp_path / "log.csv"
    path.write_text(
        HEADER
        + ",d1,order,,,,\n"
        + "U1,d1,purchase,,,,\n"
        + "U1,d1,rating,lots,,,\n"
        + "U1,d1,rating,,,,\n"
        + "U1,d1,order,,last tuesday,,\n"
        + "U1,zz,order,,,,\n"
        + "U1,,click,,,,\n"
        + "U1,d1,order,,,,\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert err.splitlines() == [
        f"{path}:2: user_id: is required",
        f"{path}:3: event: 'purchase' is not one of: search, impression, click, order, rating",
        f"{path}:4: value: 'lots' is not a number",
        f"{path}:5: value: is required for a rating event",
        f"{path}:6: timestamp: 'last tuesday' is not an ISO 8601 date-time or Unix seconds",
        f"{path}:7: item_id: 'zz' is not a known item (import the dishes first)",
        f"{path}:8: item_id: is required for a click event",
    ]
    assert "8 row(s) read, wrote 1 new and 0 updated, 7 bad row(s) skipped" in out
    assert Event.objects.count() == 1


def test_dry_run_and_strict_write_nothing(tmp_path, dish):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "U1,d1,order,,,,\nU1,zz,order,,,,\n", encoding="utf-8")
    out, _ = run(path, "--dry-run")
    assert "would write 1 new and 0 updated, 1 bad row(s)" in out
    with pytest.raises(CommandError, match="nothing was written"):
        run(path, "--strict")
    assert Event.objects.count() == 0
    assert Profile.objects.count() == 0
