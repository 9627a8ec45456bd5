"""Positions: WGS-84 as stored, and the GCJ-02 / BD-09 coordinates Chinese maps show.

A phone's geolocation gives WGS-84. AMap (高德) and Tencent maps show GCJ-02, Baidu BD-09;
their offsets are hundreds of metres, so a position copied from those maps is converted
before it is stored or compared. The conversions come from PRCoords (public domain), whose
inverses are iterative and precise to millimetres.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import prcoords
from flask_babel import lazy_gettext as _l
from geopy.distance import geodesic

from app.services.errors import ServiceError


class CoordinateSystem(enum.StrEnum):
    """Where a typed position was copied from."""

    WGS84 = "wgs84"  # GPS, phone geolocation, international maps
    GCJ02 = "gcj02"  # AMap (高德), Tencent (腾讯) maps
    BD09 = "bd09"  # Baidu (百度) maps


@dataclass(frozen=True)
class Position:
    """A WGS-84 latitude and longitude in degrees."""

    latitude: float
    longitude: float


#: Mainland China, roughly: where GCJ-02 and BD-09 are defined.
_LAT_RANGE = (3.0, 54.0)
_LON_RANGE = (73.0, 136.0)
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*[,，\s]\s*({_NUMBER})\s*$")


def in_china(latitude: float, longitude: float) -> bool:
    """Whether the point lies in the box where Chinese map offsets apply."""
    return _LAT_RANGE[0] <= latitude <= _LAT_RANGE[1] and _LON_RANGE[0] <= longitude <= _LON_RANGE[1]


def to_wgs84(latitude: float, longitude: float, system: CoordinateSystem) -> Position:
    """Convert a position given in ``system`` to WGS-84."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ServiceError(_l("Latitude must be within ±90 and longitude within ±180 degrees."),
                           field="position")
    if system is CoordinateSystem.WGS84:
        return Position(latitude, longitude)
    if not in_china(latitude, longitude):
        raise ServiceError(_l("GCJ-02 and BD-09 positions must lie in China."), field="position")
    source = prcoords.Coords(latitude, longitude)
    converted = (
        prcoords.gcj_wgs_bored(source) if system is CoordinateSystem.GCJ02
        else prcoords.bd_wgs_bored(source)
    )
    return Position(round(converted.lat, 7), round(converted.lon, 7))


def from_wgs84(position: Position, system: CoordinateSystem) -> Position:
    """Express a WGS-84 position in ``system`` (to show it on a Chinese map)."""
    if system is CoordinateSystem.WGS84 or not in_china(position.latitude, position.longitude):
        return position
    source = prcoords.Coords(position.latitude, position.longitude)
    converted = prcoords.wgs_gcj(source) if system is CoordinateSystem.GCJ02 else prcoords.wgs_bd(source)
    return Position(converted.lat, converted.lon)


def parse_pair(text: str) -> tuple[float, float]:
    """Read "lat, lon" or "lon, lat" (what AMap and Baidu copy) and return (lat, lon).

    In China the two orders cannot be confused: latitudes are below 54, longitudes above 73.
    """
    match = _PAIR.match(text or "")
    if not match:
        raise ServiceError(
            _l("Enter the position as two numbers separated by a comma, e.g. 25.1378, 115.4074."),
            field="position",
        )
    first, second = float(match.group(1)), float(match.group(2))
    if abs(first) > 90 >= abs(second):
        return second, first
    if in_china(second, first) and not in_china(first, second):
        return second, first
    return first, second


# --- Where a visit happened ---------------------------------------------------------------------

#: A phone position less precise than this (metres) is marked as poor.
POOR_ACCURACY_M = 200.0


def distance_m(a: Position, b: Position) -> float:
    """Geodesic (WGS-84 ellipsoid) distance in metres."""
    return geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).meters


@dataclass(frozen=True)
class PositionMarks:
    """What a leader should notice about where a visit was recorded. Marks, never refusals."""

    no_position: bool
    outside_radius: bool
    poor_accuracy: bool
    hall_position_unknown: bool
    distance_m: float | None

    @property
    def any(self) -> bool:
        return self.no_position or self.outside_radius or self.poor_accuracy or self.hall_position_unknown


def position_marks(
    position: Position | None, accuracy_m: float | None, hall: Position | None, radius_m: float,
    distance: float | None = None,
) -> PositionMarks:
    """Judge a visit's position against its hall: outside the radius, poor accuracy, none at all
    (``distance``: the distance already worked out and stored, if it was)."""
    if position is None:
        return PositionMarks(True, False, False, hall is None, None)
    if distance is None and hall is not None:
        distance = distance_m(position, hall)
    return PositionMarks(
        no_position=False,
        outside_radius=distance is not None and distance > radius_m,
        poor_accuracy=accuracy_m is None or accuracy_m > POOR_ACCURACY_M,
        hall_position_unknown=hall is None,
        distance_m=distance,
    )
