"""Coordinate conversion: round trips within 1 m and known point pairs."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from app.services.errors import ServiceError
from app.services.geo import CoordinateSystem, Position, from_wgs84, parse_pair, to_wgs84

# (WGS-84 lat, lon, GCJ-02 lat, lon): the reference pairs of googollee/eviltransform's tests.
KNOWN_GCJ = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
#: Stated tolerance for the known pairs.
TOLERANCE_M = 0.5
POINTS = [Position(25.1378, 115.4074), Position(25.2842, 115.3605), Position(39.9, 116.4),
          Position(45.75, 126.65), Position(22.3, 114.17), Position(30.66, 104.06)]


def metres(a: Position, b: Position) -> float:
    return geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).m


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), KNOWN_GCJ)
def test_known_gcj_pairs(wlat, wlon, glat, glon) -> None:
    assert metres(from_wgs84(Position(wlat, wlon), CoordinateSystem.GCJ02), Position(glat, glon)) < TOLERANCE_M
    assert metres(to_wgs84(glat, glon, CoordinateSystem.GCJ02), Position(wlat, wlon)) < TOLERANCE_M


def test_known_baidu_pair() -> None:
    # Tiananmen as Baidu's coordinate picker shows it, and its GCJ-02 (AMap) position.
    gcj = Position(39.908692, 116.397477)
    bd = from_wgs84(to_wgs84(gcj.latitude, gcj.longitude, CoordinateSystem.GCJ02), CoordinateSystem.BD09)
    assert metres(bd, Position(39.915, 116.404)) < 25  # the picker rounds to 3 decimals (~100 m)


@pytest.mark.parametrize("system", [CoordinateSystem.GCJ02, CoordinateSystem.BD09])
@pytest.mark.parametrize("point", POINTS)
def test_round_trip_within_one_metre(point, system) -> None:
    shown = from_wgs84(point, system)
    assert metres(shown, point) > 50  # the offset is real
    back = to_wgs84(shown.latitude, shown.longitude, system)
    assert metres(back, point) < 1


def test_wgs84_is_stored_as_given() -> None:
    assert to_wgs84(25.1378, 115.4074, CoordinateSystem.WGS84) == Position(25.1378, 115.4074)


def test_offsets_only_inside_china() -> None:
    with pytest.raises(ServiceError):
        to_wgs84(48.85, 2.35, CoordinateSystem.GCJ02)  # Paris
    paris = Position(48.85, 2.35)
    assert from_wgs84(paris, CoordinateSystem.BD09) == paris


@pytest.mark.parametrize("bad", [(91, 10), (10, 181), (-91, 0)])
def test_out_of_range(bad) -> None:
    with pytest.raises(ServiceError):
        to_wgs84(*bad, CoordinateSystem.WGS84)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("25.1378, 115.4074", (25.1378, 115.4074)),
     ("115.4074,25.1378", (25.1378, 115.4074)),  # AMap and Baidu copy longitude first
     ("25.1378，115.4074", (25.1378, 115.4074)),  # full-width comma
     ("25.1378 115.4074", (25.1378, 115.4074)),
     ("-33.86, 151.2", (-33.86, 151.2))],
)
def test_parse_pair(text, expected) -> None:
    assert parse_pair(text) == expected


@pytest.mark.parametrize("text", ["", "25.1", "abc, def", "25.1;115.4;3"])
def test_parse_pair_refuses_garbage(text) -> None:
    with pytest.raises(ServiceError):
        parse_pair(text)
