"""Distances between map points (store to delivery address)."""

from __future__ import annotations

import math
from decimal import Decimal

# Mean Earth radius (IUGG). Straight-line distance; a road route is longer, which the delivery
# radius a merchant chooses already allows for.
EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: Decimal, lng1: Decimal, lat2: Decimal, lng2: Decimal) -> int:
    """Great-circle (haversine) distance in whole metres between two WGS-84/GCJ-02 points given in
    degrees. Floats are used only for the trigonometry; the result is an int."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    d_phi = phi2 - phi1
    d_lambda = math.radians(float(lng2) - float(lng1))
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))))
