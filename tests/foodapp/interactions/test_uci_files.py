from __future__ import annotations

from datetime import UTC, datetime

import pytest

from foodapp.interactions.uci_files import UciDataError, pseudo_time, uci_ratings


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
