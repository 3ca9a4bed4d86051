"""Which quarter contains a point (shapely, loaded only when a boundary is needed).

All geometry is done in metres: longitude and latitude are scaled by a local
equirectangular projection around the quarters' middle latitude (good to well under
a metre across a city), so a tolerance or a distance means the same in every
direction. A point on the boundary of several quarters (a shared border) goes to
one of them, always the same: a quarter that has the point in its interior first,
then the smaller quarter, then the name (folded), then the id.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from atlas.text import fold

#: Points this close to a boundary (metres) count as on it: absorbs rounding, nothing more.
BOUNDARY_TOLERANCE_M = 0.01
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


class QuarterIndex:
    """Which quarter contains a point; built from (id, name, geometry in lon/lat)."""

    def __init__(self, quarters: Sequence[tuple[int, str, BaseGeometry]]) -> None:
        lat0 = 51.0
        if quarters:
            bounds = shapely.total_bounds([g for _i, _n, g in quarters])
            lat0 = (bounds[1] + bounds[3]) / 2
        self._kx = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
        self._ky = _M_PER_DEG_LAT
        self.ids: tuple[int, ...] = tuple(i for i, _n, _g in quarters)
        self.names: dict[int, str] = {i: n for i, n, _g in quarters}
        self._geoms = [self._project(g) for _i, _n, g in quarters]
        shapely.prepare(self._geoms)
        self._tree = shapely.STRtree(self._geoms)
        # Tie-break among boundary hits: smaller area, then name, then id.
        self._rank = {
            k: (self._geoms[k].area, fold(quarters[k][1]), quarters[k][0]) for k in range(len(quarters))
        }

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, str, str | None]]) -> QuarterIndex:
        """From (id, name, boundary GeoJSON) rows; quarters without a usable boundary are left out."""
        quarters = []
        for quarter_id, name, boundary in rows:
            geometry = stored_geometry(boundary)
            if geometry is not None:
                quarters.append((quarter_id, name, geometry))
        return cls(quarters)

    def __len__(self) -> int:
        return len(self.ids)

    def _project(self, geometry: BaseGeometry) -> BaseGeometry:
        kx, ky = self._kx, self._ky
        return shapely.transform(geometry, lambda xy: xy * (kx, ky))

    def _points(self, points: Sequence[tuple[float, float]]) -> Any:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        return shapely.points([lon * self._kx for lon in lons], [lat * self._ky for lat in lats])

    def quarter_at(self, lat: float, lon: float) -> int | None:
        """The id of the quarter containing the point (boundary included), or None."""
        return self.assign([(lat, lon)])[0]

    def assign(self, points: Sequence[tuple[float, float]]) -> list[int | None]:
        """``quarter_at`` for many (lat, lon) points at once (vectorised)."""
        result: list[int | None] = [None] * len(points)
        if not points or not self.ids:
            return result
        geoms = self._points(points)
        hits: dict[int, list[int]] = {}
        point_idx, tree_idx = self._tree.query(geoms, predicate="intersects")
        for p, t in zip(point_idx.tolist(), tree_idx.tolist(), strict=True):
            hits.setdefault(p, []).append(t)
        missing = [p for p in range(len(points)) if p not in hits]
        if missing:
            near_idx, near_tree = self._tree.query(
                geoms[missing], predicate="dwithin", distance=BOUNDARY_TOLERANCE_M
            )
            for p, t in zip(near_idx.tolist(), near_tree.tolist(), strict=True):
                hits.setdefault(missing[p], []).append(t)
        for p, found in hits.items():
            if len(found) == 1:
                result[p] = self.ids[found[0]]
                continue
            inner = [t for t in found if shapely.contains_properly(self._geoms[t], geoms[p])]
            best = min(inner or found, key=self._rank.__getitem__)
            result[p] = self.ids[best]
        return result

    def distance_m(self, lat: float, lon: float) -> float | None:
        """Metres from the point to the nearest quarter (0 inside one); None without quarters."""
        if not self.ids:
            return None
        point = self._points([(lat, lon)])[0]
        _idx, dist = self._tree.query_nearest(point, return_distance=True)
        return float(dist[0])


def stored_geometry(boundary: str | None) -> BaseGeometry | None:
    """A stored boundary as a valid (Multi)Polygon, or None if there is none to use."""
    if not boundary:
        return None
    try:
        data = json.loads(boundary)
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        geometry = shapely.force_2d(shape(data))
    except (ValueError, TypeError, AttributeError, KeyError, GEOSException):
        return None
    if not isinstance(geometry, (Polygon, MultiPolygon)):
        return None
    if not geometry.is_valid:
        geometry = polygonal(shapely.make_valid(geometry))
    return None if geometry is None or geometry.is_empty else geometry


def polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """The area part of a geometry (make_valid may add lines or points to it)."""
    if isinstance(geometry, (Polygon, MultiPolygon)):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, (Polygon, MultiPolygon))]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, (Polygon, MultiPolygon)) else None
