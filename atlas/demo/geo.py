"""The demo city's quarters: invented polygons around Oberhausen's centre, and the
small geometry the demo builder needs (point in polygon, random point inside).

No shapely here on purpose: the builder must stay fast and dependency-light.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

Point = tuple[float, float]  # (lon, lat), the GeoJSON order

# --------------------------------------------------------------------------
# Quarters: invented polygons around Oberhausen's centre. The boundary chains
# below are shared by the neighbouring quarters, so the five polygons tile one
# area without gaps or overlaps. Coordinates are (lon, lat).
# --------------------------------------------------------------------------

# West-east line between the southern row (Styrum, Alt-Oberhausen, Marienkirche)
# and the northern row (Lirich, Osterfeld-Mitte).
_MID = [
    (6.8210, 51.4858),
    (6.8290, 51.4841),
    (6.8385, 51.4866),
    (6.8478, 51.4872),  # Styrum | Alt-Oberhausen
    (6.8580, 51.4853),  # Lirich | Osterfeld-Mitte
    (6.8660, 51.4879),
    (6.8722, 51.4884),  # Alt-Oberhausen | Marienkirche
    (6.8810, 51.4862),
    (6.8905, 51.4871),
    (6.8990, 51.4859),
]
# North-south borders.
_STY_ALT = [(6.8478, 51.4872), (6.8452, 51.4790), (6.8496, 51.4705), (6.8461, 51.4632), (6.8474, 51.4600)]
_ALT_MAR = [(6.8722, 51.4884), (6.8748, 51.4801), (6.8703, 51.4712), (6.8741, 51.4648), (6.8726, 51.4600)]
_LIR_OST = [(6.8580, 51.4853), (6.8553, 51.4960), (6.8612, 51.5075), (6.8567, 51.5180), (6.8590, 51.5300)]
# Outer edges.
_SOUTH = [
    (6.8215, 51.4608),
    (6.8330, 51.4607),
    (6.8474, 51.4600),
    (6.8600, 51.4603),
    (6.8726, 51.4600),
    (6.8860, 51.4612),
    (6.8985, 51.4603),
]
_WEST_SOUTH = [(6.8210, 51.4858), (6.8203, 51.4730), (6.8215, 51.4608)]  # north to south
_WEST_NORTH = [(6.8260, 51.5290), (6.8205, 51.5150), (6.8230, 51.5010), (6.8210, 51.4858)]
_NORTH = [(6.8590, 51.5300), (6.8420, 51.5296), (6.8260, 51.5290)]  # east to west, Lirich part
_NORTH_EAST = [(6.8940, 51.5296), (6.8760, 51.5285), (6.8590, 51.5300)]
_EAST_NORTH = [(6.8990, 51.4859), (6.8975, 51.4980), (6.8992, 51.5120), (6.8940, 51.5296)]
_EAST_SOUTH = [(6.8985, 51.4603), (6.8995, 51.4740), (6.8990, 51.4859)]


def _chain(*parts: Sequence[Point]) -> list[Point]:
    """Join boundary chains into a closed ring (shared end points once)."""
    ring: list[Point] = []
    for part in parts:
        for p in part:
            if not ring or ring[-1] != p:
                ring.append(p)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def _rev(chain: Sequence[Point]) -> list[Point]:
    return list(reversed(chain))


# Rings run counter-clockwise (RFC 7946).
QUARTER_RINGS: dict[str, list[Point]] = {
    "Alt-Oberhausen": _chain(_SOUTH[2:5], _rev(_ALT_MAR), _rev(_MID[3:7]), _STY_ALT),
    "Lirich": _chain(_MID[0:5], _LIR_OST, _NORTH, _WEST_NORTH),
    "Styrum": _chain(_SOUTH[0:3], _rev(_STY_ALT), _rev(_MID[0:4]), _WEST_SOUTH),
    "Marienkirche": _chain(_SOUTH[4:7], _EAST_SOUTH, _rev(_MID[6:10]), _ALT_MAR),
    "Osterfeld-Mitte": _chain(_MID[4:10], _EAST_NORTH, _NORTH_EAST, _rev(_LIR_OST)),
}


def point_in_ring(lon: float, lat: float, ring: Sequence[Point]) -> bool:
    """Even-odd ray casting; ``ring`` is a closed or open list of (lon, lat)."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def quarter_geometry(name: str) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in QUARTER_RINGS[name]]]}


def random_point_in(rng: random.Random, ring: Sequence[Point]) -> Point:
    """A point strictly inside ``ring`` (rejection sampling; rounded to 6 decimals)."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    while True:
        lon = round(rng.uniform(min(lons), max(lons)), 6)
        lat = round(rng.uniform(min(lats), max(lats)), 6)
        if point_in_ring(lon, lat, ring):
            return lon, lat
