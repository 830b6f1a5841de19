from __future__ import annotations

import pytest

from foodapp.catalog.models import Dish
from foodapp.interactions.example_features import (
    dish_features_by_id,
    user_features_by_id,
    user_home,
)
from foodapp.interactions.uci_import import uci_restaurants_load
from foodapp.people.models import Profile
from tests.foodapp.interactions.test_uci_files import geoplace, write_uci

pytestmark = pytest.mark.django_db


def test_place_and_attributes_reach_the_models_features_and_a_re_import_keeps_them(tmp_path):
    write_uci(
        tmp_path,
        [
            geoplace("1", 22.15, -100.98, "s.l.p.", "S.L.P.", price="medium"),
            geoplace("2", 18.92, -99.23, "?", "?", alcohol="Full_Bar"),
            geoplace("3", 18.93, -99.22, "Cuernavaca", "Morelos"),
        ],
        cuisines="1,Mexican\n",
        profiles="U1,18.90,-99.20,false,low\n",
    )
    (tmp_path / "rating_final.csv").write_text(
        "userID,placeID,rating,food_rating,service_rating\nU1,2,2,2,2\n", encoding="utf-8"
    )
    uci_restaurants_load(directory=tmp_path)
    uci_restaurants_load(directory=tmp_path)

    dishes = {d.external_id: d.pk for d in Dish.objects.all()}
    features = dish_features_by_id(dish_ids=dishes.values())
    tags = {key: features[pk]["dish_tags"].split("|") for key, pk in dishes.items()}
    assert "city:san-luis-potosi" in tags["uci-1"]
    assert "price:medium" in tags["uci-1"]
    assert "Mexican" in tags["uci-1"]
    assert {"city:cuernavaca", "state:morelos", "alcohol:full-bar"} <= set(tags["uci-2"])
    assert features[dishes["uci-1"]]["dish_course"] == ""


def test_the_import_stores_where_restaurants_and_consumers_are(tmp_path):
    write_uci(
        tmp_path,
        [geoplace("1", 22.15, -100.98, "s.l.p.", "S.L.P."), geoplace("2", 18.92, -99.23, "?", "?")],
        profiles="U1,18.90,-99.20,false,low\nU2,?,?,false,low\n",
    )
    (tmp_path / "rating_final.csv").write_text(
        "userID,placeID,rating,food_rating,service_rating\nU1,2,2,2,2\nU2,1,1,1,1\n",
        encoding="utf-8",
    )
    uci_restaurants_load(directory=tmp_path)

    places = {d.external_id: (d.latitude, d.longitude) for d in Dish.objects.all()}
    assert places == {"uci-1": (22.15, -100.98), "uci-2": (18.92, -99.23)}
    homes = {p.external_id: (p.latitude, p.longitude) for p in Profile.objects.all()}
    assert homes == {"uci-U1": (18.90, -99.20), "uci-U2": (None, None)}
    users = {p.external_id: p.user_id for p in Profile.objects.all()}
    found = user_features_by_id(user_ids=users.values())
    assert user_home(found[users["uci-U1"]]) == (18.90, -99.20)
    assert user_home(found[users["uci-U2"]]) is None
    dish = dish_features_by_id(dish_ids=[Dish.objects.get(external_id="uci-2").pk])
    assert next(iter(dish.values()))["dish_latitude"] == pytest.approx(18.92)
