"""Great-circle distance in miles, and the latitude/longitude box around a radius.

The database prefilters with the box (indexed columns, cheap); ``haversine_miles`` then
checks the exact distance. The box is a true superset of the circle (the formulas of
J. P. Matuschek, "Finding points within a distance of a latitude/longitude"), so the
prefilter never drops a provider the exact check would keep.
"""

import math
from dataclasses import dataclass

EARTH_RADIUS_MILES = 3958.8  # mean radius (IUGG), as used for US distances
RADIANS_PER_DEGREE = math.pi / 180  # the factor of math.radians
DIAMETER_MILES = 2 * EARTH_RADIUS_MILES


def haversine_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (latitude, longitude) points in degrees, in statute miles.

    Written as plain IEEE double operations in a fixed order (products, not ``** 2``), the
    order ``referrals.selectors`` repeats in SQL so the database computes the same double
    for the same pair of points (both call the C library's sin, cos, asin and sqrt).
    """
    lat1, lon1 = a[0] * RADIANS_PER_DEGREE, a[1] * RADIANS_PER_DEGREE
    lat2, lon2 = b[0] * RADIANS_PER_DEGREE, b[1] * RADIANS_PER_DEGREE
    half_lat = math.sin((lat2 - lat1) / 2)
    half_lon = math.sin((lon2 - lon1) / 2)
    h = half_lat * half_lat + math.cos(lat1) * math.cos(lat2) * (half_lon * half_lon)
    return DIAMETER_MILES * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    # None when the circle crosses the antimeridian or reaches a pole: no longitude bound.
    min_lon: float | None
    max_lon: float | None

    def contains(self, point: tuple[float, float]) -> bool:
        lat, lon = point
        if not self.min_lat <= lat <= self.max_lat:
            return False
        return self.min_lon is None or self.min_lon <= lon <= self.max_lon


# Floating-point slack so a point exactly on the circle is never cut off by rounding.
_SLACK_DEGREES = 1e-9


def bounding_box(center: tuple[float, float], miles: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within ``miles`` of center."""
    lat, lon = math.radians(center[0]), math.radians(center[1])
    angular = miles / EARTH_RADIUS_MILES
    min_lat, max_lat = lat - angular, lat + angular
    if min_lat <= -math.pi / 2 or max_lat >= math.pi / 2:
        return BoundingBox(
            max(-90.0, math.degrees(min_lat)), min(90.0, math.degrees(max_lat)), None, None
        )
    delta_lon = math.asin(min(1.0, math.sin(angular) / math.cos(lat)))
    min_lon, max_lon = lon - delta_lon, lon + delta_lon
    box_lat = (math.degrees(min_lat) - _SLACK_DEGREES, math.degrees(max_lat) + _SLACK_DEGREES)
    if min_lon < -math.pi or max_lon > math.pi:
        return BoundingBox(*box_lat, None, None)
    return BoundingBox(
        *box_lat, math.degrees(min_lon) - _SLACK_DEGREES, math.degrees(max_lon) + _SLACK_DEGREES
    )
