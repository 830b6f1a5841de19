"""Latitude and longitude as people and dishes store them: both or neither, in range."""

from __future__ import annotations

import math

ERROR_COORDINATES = (
    "latitude and longitude: give both or neither, latitude in [-90, 90] and longitude in "
    "[-180, 180], got {latitude!r}, {longitude!r}."
)


def coordinates_error(*, latitude: float | None, longitude: float | None) -> str | None:
    """The ERROR_COORDINATES message for a bad pair, None for a good one (or none given)."""
    if latitude is None and longitude is None:
        return None
    good = (
        latitude is not None
        and longitude is not None
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90.0 <= latitude <= 90.0
        and -180.0 <= longitude <= 180.0
    )
    return None if good else ERROR_COORDINATES.format(latitude=latitude, longitude=longitude)
