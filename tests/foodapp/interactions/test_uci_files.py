from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from foodapp.catalog.dish_input import DishInput
from foodapp.interactions.uci_files import (
    MAX_TAGS,
    UciDataError,
    place_name,
    pseudo_time,
    tag_value,
    uci_ratings,
    uci_restaurants,
)


def test_pseudo_times_are_fixed_and_in_2011():
    first = pseudo_time("U1077", "135085")
    assert first == pseudo_time("U1077", "135085")
    assert first != pseudo_time("U1077", "135038")
    assert datetime(2011, 1, 1, tzinfo=UTC) <= first < datetime(2012, 1, 1, tzinfo=UTC)


def test_a_bad_rating_names_file_and_line(tmp_path):
    (tmp_path / "rating_final.csv").write_text(
        "userID,placeID,rating,food_rating,service_rating\nU1,1,2,2,2\nU1,2,5,1,1\n",
        encoding="utf-8",
    )
    with pytest.raises(UciDataError, match=r"rating_final.csv:3: rating: '5' is not 0, 1 or 2"):
        list(uci_ratings(tmp_path))


GEOPLACES_HEADER = (
    "placeID,latitude,longitude,the_geom_meter,name,address,city,state,country,fax,zip,alcohol,"
    "smoking_area,dress_code,accessibility,price,url,Rambience,franchise,area,other_services\n"
)


def geoplace(place: str, lat: float, lon: float, city: str, state: str, **columns: str) -> str:
    """One geoplaces2.csv row; the attributes default to a plain restaurant's."""
    found = {
        "alcohol": "No_Alcohol_Served",
        "smoking_area": "none",
        "dress_code": "informal",
        "accessibility": "completely",
        "price": "low",
        "Rambience": "familiar",
        "area": "open",
        "other_services": "none",
        **columns,
    }
    return (
        f"{place},{lat},{lon},?,Place {place},?,{city},{state},Mexico,?,?,{found['alcohol']},"
        f"{found['smoking_area']},{found['dress_code']},{found['accessibility']},"
        f"{found['price']},?,{found['Rambience']},f,{found['area']},{found['other_services']}\n"
    )


def write_uci(directory: Path, rows: list[str], cuisines: str = "", profiles: str = "") -> None:
    """The UCI files of a tiny hand-built data set."""
    (directory / "geoplaces2.csv").write_text(GEOPLACES_HEADER + "".join(rows), encoding="utf-8")
    (directory / "chefmozcuisine.csv").write_text("placeID,Rcuisine\n" + cuisines, "utf-8")
    (directory / "userprofile.csv").write_text(
        "userID,latitude,longitude,smoker,budget\n" + profiles, encoding="utf-8"
    )
    (directory / "usercuisine.csv").write_text("userID,Rcuisine\n", encoding="utf-8")
    (directory / "userpayment.csv").write_text("userID,Upayment\n", encoding="utf-8")
    (directory / "rating_final.csv").write_text(
        "userID,placeID,rating,food_rating,service_rating\n", encoding="utf-8"
    )


def place_tags(items: list[DishInput]) -> dict[str, list[str]]:
    """external id -> its city: and state: tags."""
    return {
        item.external_id: [t for t in item.tags or () if t.startswith(("city:", "state:"))]
        for item in items
    }


def test_every_spelling_of_a_city_becomes_one_place_tag(tmp_path):
    write_uci(
        tmp_path,
        [
            geoplace("1", 22.15, -100.98, "San Luis Potosi", "SLP"),
            geoplace("2", 22.14, -100.97, "s.l.p.", "S.L.P."),
            geoplace("3", 22.16, -100.99, "slp", "san luis potosi "),
            geoplace("4", 22.15, -101.00, "san luis potos", "mexico"),
            geoplace("5", 23.73, -99.14, "Cd. Victoria", "Tamaulipas"),
            geoplace("6", 23.74, -99.15, "victoria ", "tamaulipas"),
            geoplace("7", 18.92, -99.23, "Cuernavaca", "Morelos"),
        ],
    )
    slp = ["city:san-luis-potosi", "state:san-luis-potosi"]
    victoria = ["city:ciudad-victoria", "state:tamaulipas"]
    assert place_tags(uci_restaurants(tmp_path)) == {
        "uci-1": slp,
        "uci-2": slp,
        "uci-3": slp,
        "uci-4": slp,  # "mexico" in the state column is the country: the nearest state instead
        "uci-5": victoria,
        "uci-6": victoria,
        "uci-7": ["city:cuernavaca", "state:morelos"],
    }


def test_a_missing_place_is_the_nearest_restaurants(tmp_path):
    write_uci(
        tmp_path,
        [
            geoplace("1", 22.15, -100.98, "San Luis Potosi", "SLP"),
            geoplace("2", 18.92, -99.23, "Cuernavaca", "Morelos"),
            geoplace("3", 18.94, -99.21, "?", "?"),
            geoplace("4", 22.14, -101.01, "?", "?"),
        ],
    )
    tags = place_tags(uci_restaurants(tmp_path))
    assert tags["uci-3"] == ["city:cuernavaca", "state:morelos"]
    assert tags["uci-4"] == ["city:san-luis-potosi", "state:san-luis-potosi"]


def test_attributes_become_prefixed_tags_within_the_models_bag(tmp_path):
    write_uci(
        tmp_path,
        [
            geoplace(
                "1",
                22.15,
                -100.98,
                "slp",
                "slp",
                alcohol="Wine-Beer",
                smoking_area="not permitted",
                price="high",
                other_services="Internet",
            ),
            geoplace("2", 22.15, -100.98, "slp", "slp"),
        ],
        cuisines="1,Mexican\n1,Bar_Pub_Brewery\n1,Seafood\n2,Cafeteria\n",
    )
    first, second = uci_restaurants(tmp_path)
    assert first.cuisine == "Mexican"
    assert first.tags == (
        "restaurant",
        "Mexican",
        "Bar Pub Brewery",
        "Seafood",
        "city:san-luis-potosi",
        "state:san-luis-potosi",
        "price:high",
        "alcohol:wine-beer",
        "smoking:not-permitted",
        "ambience:familiar",
        "accessibility:completely",
        "dress:informal",
    )  # three cuisines leave no room for area and services: the least useful go
    assert len(first.tags) == MAX_TAGS
    assert (second.tags or ())[2:] == (
        "city:san-luis-potosi",
        "state:san-luis-potosi",
        "price:low",
        "alcohol:no-alcohol-served",
        "smoking:none",
        "ambience:familiar",
        "accessibility:completely",
        "dress:informal",
        "area:open",
        "services:none",
    )


def test_place_names_are_spelled_one_way():
    assert place_name("  San Luis Potosí ") == "san-luis-potosi"
    assert place_name("Cd Victoria") == "ciudad-victoria"
    assert tag_value("No_Alcohol_Served") == "no-alcohol-served"
    assert tag_value("t") == "yes"
