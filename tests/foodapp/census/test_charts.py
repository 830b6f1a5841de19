from __future__ import annotations

import re

from foodapp.census.charts import calibration_svg, roc_svg


def test_roc_svg_draws_one_vertex_per_point_inside_the_plot() -> None:
    svg = roc_svg([[0.0, 0.0], [0.1, 0.6], [0.5, 0.9], [1.0, 1.0]], 0.875)
    points = re.search(r'<polyline points="([^"]+)"', svg)
    assert points is not None
    vertices = [tuple(map(float, pair.split(","))) for pair in points.group(1).split()]
    assert len(vertices) == 4
    assert vertices[0] == (36.0, 224.0) and vertices[-1] == (224.0, 36.0)
    assert "AUC 0.875" in svg


def test_calibration_svg_skips_empty_bins() -> None:
    bins = [
        {"mean_predicted": 0.05, "fraction_positive": 0.04, "count": 10},
        {"mean_predicted": 0.0, "fraction_positive": 0.0, "count": 0},
        {"mean_predicted": 0.8, "fraction_positive": 0.7, "count": 5},
    ]
    svg = calibration_svg(bins, 0.03)
    assert svg.count("<circle") == 2
    assert "ECE 0.030" in svg
