"""Haversine distance and the prefilter's bounding box (pure)."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from referrals.matching.distance import bounding_box, haversine_miles
from tests.referrals.builders import HARLEM, JERSEY_CITY


def test_known_distances():
    assert haversine_miles(HARLEM, HARLEM) == 0
    assert haversine_miles(HARLEM, JERSEY_CITY) == pytest.approx(7.83, abs=0.05)
    # Los Angeles to New York, about 2,445 miles great-circle.
    assert haversine_miles((34.0522, -118.2437), (40.7128, -74.0060)) == pytest.approx(
        2445, rel=0.01
    )
    # One degree of latitude is about 69.1 miles.
    assert haversine_miles((40, -74), (41, -74)) == pytest.approx(69.09, abs=0.05)


def test_symmetric():
    assert haversine_miles(HARLEM, JERSEY_CITY) == haversine_miles(JERSEY_CITY, HARLEM)


latitudes = st.floats(min_value=-89, max_value=89, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


@given(
    latitudes,
    longitudes,
    st.floats(min_value=0.5, max_value=500),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=2 * math.pi),
)
def test_the_box_holds_every_point_within_the_radius(lat, lon, miles, fraction, bearing):
    """Walk ``fraction`` of the radius in any direction: the point is inside the box."""
    angular = miles * fraction / 3958.8
    lat1, lon1 = math.radians(lat), math.radians(lon)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(lat1),
        math.cos(angular) - math.sin(lat1) * math.sin(lat2),
    )
    point = (math.degrees(lat2), (math.degrees(lon2) + 540) % 360 - 180)
    assume(haversine_miles((lat, lon), point) <= miles)
    assert bounding_box((lat, lon), miles).contains(point)


def test_the_box_is_tight_enough_to_help():
    box = bounding_box(HARLEM, 30)
    assert box.max_lat - box.min_lat == pytest.approx(2 * 30 / 69.09, rel=0.01)
    # 30 miles east and west at 40.8° N: 60 / (69.17 x cos 40.8°) ≈ 1.15 degrees.
    assert box.max_lon - box.min_lon == pytest.approx(1.147, abs=0.005)


def test_near_the_antimeridian_the_box_drops_its_longitude_bound():
    adak = (51.8549, -177.0888)  # Aleutians, Alaska (ZIP 99546)
    box = bounding_box(adak, 300)
    assert box.min_lon is None
    assert box.contains((52.0, 179.5))
