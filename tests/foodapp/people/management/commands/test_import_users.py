from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from foodapp.people.models import Profile

pytestmark = pytest.mark.django_db


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_users", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_users_keeping_extra_columns_and_updates_on_re_import(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "user_id,name,diet,favourite_cuisines,budget,smoker\n"
        "U1,Ana,vegan|gluten-free,Thai|Italian,low,false\n"
        "U2,,,,,\n"
        ",Nobody,,,,\n"
        "U3,Cy,keto,,,\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert err.splitlines() == [
        f"{path}:4: user_id: is required",
        f"{path}:5: diet: 'keto' is not one of: vegetarian, vegan, gluten_free",
    ]
    assert "wrote 2 new and 0 updated, 2 bad row(s)" in out
    ana = Profile.objects.select_related("user").get(external_id="U1")
    assert ana.user.first_name == "Ana"
    assert ana.diet_restrictions == ["vegan", "gluten_free"]
    assert ana.attributes == {"budget": "low", "smoker": "false"}
    assert sorted(c.name for c in ana.favourite_cuisines.all()) == ["Italian", "Thai"]

    path.write_text("user_id,name,budget\nU1,Ana B,high\n", encoding="utf-8")
    out, _ = run(path)
    assert "wrote 0 new and 1 updated" in out
    assert Profile.objects.count() == 2
    ana.refresh_from_db()
    assert ana.attributes == {"budget": "high", "smoker": "false"}


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("user_id\nU1\nU2\n", encoding="utf-8")
    out, _ = run(path, "--dry-run")
    assert "would write 2 new" in out
    assert Profile.objects.count() == 0
