"""Quarter geometry with shapely: which quarter contains a point, and reading GeoJSON.

Kept apart from :mod:`atlas.geo.quarters` so that shapely (and numpy) load only when a
boundary is really needed, not at every program start.

All geometry is done in metres: longitude and latitude are scaled by a local
equirectangular projection around the quarters' middle latitude (good to well under
a metre across a city), so a tolerance or a distance means the same in every
direction. A point on the boundary of several quarters (a shared border) goes to
one of them, always the same: a quarter that has the point in its interior first,
then the smaller quarter, then the name (folded), then the id.

A GeoJSON file is checked completely before anything is written (:func:`parse`):
size, encoding, JSON, structure, polygons only, coordinate ranges, latitude-first
order, projected coordinates, self-intersections (repaired with ``make_valid`` only
when the area stays practically the same), names (present, unique) and markup in
any property. Every problem found is listed in one :class:`GeoJSONImportError`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from atlas.errors import GeoJSONImportError
from atlas.i18n import _
from atlas.limits import MAX_GEOJSON_BYTES as MAX_FILE_BYTES
from atlas.limits import MAX_QUARTERS, check_json_shape, read_capped
from atlas.text import clean, fold

#: Points this close to a boundary (metres) count as on it: absorbs rounding, nothing more.
BOUNDARY_TOLERANCE_M = 0.01
#: A self-intersecting boundary is repaired only if the area changes by less than this.
REPAIR_AREA_TOLERANCE = 0.01
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>|<!--|javascript:", re.IGNORECASE)
# Property names that usually hold a quarter's name, best first (folded).
_NAME_HINTS = ("name", "stadtteil", "quartier", "bezeichnung", "bezirk", "stadtbezirk", "label", "titel")
_REASONS = {
    "Self-intersection": _("überschneidet sich selbst"),
    "Ring Self-intersection": _("ein Rand überschneidet sich selbst"),
    "Too few points": _("hat zu wenige Punkte"),
    "Hole lies outside shell": _("ein Loch liegt außerhalb der Fläche"),
    "Nested holes": _("Löcher liegen ineinander"),
    "Interior is disconnected": _("das Innere zerfällt in Teile"),
    "Nested shells": _("Teilflächen liegen ineinander"),
    "Duplicate Rings": _("ein Rand kommt doppelt vor"),
    "Invalid Coordinate": _("enthält ungültige Koordinaten"),
    "Ring is not closed": _("ein Rand ist nicht geschlossen"),
}


# -- the index -------------------------------------------------------------------------------


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
        geometry = _polygonal(shapely.make_valid(geometry))
    return None if geometry is None or geometry.is_empty else geometry


def _polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """The area part of a geometry (make_valid may add lines or points to it)."""
    if isinstance(geometry, (Polygon, MultiPolygon)):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, (Polygon, MultiPolygon))]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if isinstance(merged, (Polygon, MultiPolygon)) else None


@dataclass(frozen=True)
class PropertyInfo:
    """One property of the features of a GeoJSON file, for choosing the name property."""

    name: str
    examples: tuple[str, ...]
    complete: bool  # every feature has a non-empty value
    unique: bool  # no two features share a value


# -- reading and checking GeoJSON -------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(_("{name} ist keine Zahl").format(name=name))


def _load_json(source: str | Path | bytes) -> Any:
    if isinstance(source, bytes):
        raw = source
        if len(raw) > MAX_FILE_BYTES:
            raise GeoJSONImportError([_too_big(len(raw))])
    else:
        path = Path(source)
        raw = read_capped(path, MAX_FILE_BYTES, lambda message: GeoJSONImportError([message]))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GeoJSONImportError(
            [_("Die Datei ist nicht in UTF-8 geschrieben (GeoJSON verlangt UTF-8).")]
        ) from err
    del raw
    check_json_shape(text, _("Die Datei"), lambda message: GeoJSONImportError([message]))
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise GeoJSONImportError(
            [
                _("Die Datei ist kein gültiges JSON (Zeile {line}, Spalte {col}: {msg}).").format(
                    line=err.lineno, col=err.colno, msg=err.msg
                )
            ]
        ) from err
    except (ValueError, RecursionError) as err:
        raise GeoJSONImportError(
            [_("Die Datei ist kein gültiges JSON ({reason}).").format(reason=err)]
        ) from err


def _too_big(size: int) -> str:
    return _("Die Datei ist zu groß ({mb:.1f} MB; höchstens {limit} MB).").format(
        mb=size / 1024 / 1024, limit=MAX_FILE_BYTES // 1024 // 1024
    )


def _features(data: Any) -> list[Any]:
    if not isinstance(data, dict):
        raise GeoJSONImportError([_("Die Datei ist kein GeoJSON (erwartet wird eine FeatureCollection).")])
    kind = data.get("type")
    crs = data.get("crs")
    if isinstance(crs, dict):
        crs_name = str((crs.get("properties") or {}).get("name", ""))
        if crs_name and not re.search(r"(EPSG:+4326|CRS84)$", crs_name):
            raise GeoJSONImportError(
                [
                    _(
                        "Die Koordinaten sind im Bezugssystem {crs}. Bitte die Datei in WGS 84 "
                        "(EPSG:4326, Länge/Breite in Grad) exportieren."
                    ).format(crs=crs_name)
                ]
            )
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise GeoJSONImportError([_("Die FeatureCollection hat keine Liste „features“.")])
    elif kind == "Feature":
        features = [data]
    elif kind in ("Polygon", "MultiPolygon", "GeometryCollection"):
        raise GeoJSONImportError(
            [_("Die Datei enthält nur eine Geometrie ohne Eigenschaften – der Name des Quartiers fehlt.")]
        )
    else:
        raise GeoJSONImportError([_("Die Datei ist kein GeoJSON (erwartet wird eine FeatureCollection).")])
    if not features:
        raise GeoJSONImportError([_("Die Datei enthält keine Quartiere (keine Features).")])
    if len(features) > MAX_QUARTERS:
        raise GeoJSONImportError(
            [
                _("Die Datei enthält {n} Features; höchstens {limit} Quartiere.").format(
                    n=len(features), limit=MAX_QUARTERS
                )
            ]
        )
    return features


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _rings(geometry: Mapping[str, Any]) -> list[Any] | None:
    """The rings of a Polygon or MultiPolygon, or None if the nesting is wrong."""
    coords = geometry.get("coordinates")
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    if not isinstance(polygons, list) or not polygons:
        return None
    rings: list[Any] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return None
        for ring in polygon:
            if not isinstance(ring, list) or not ring:
                return None
            rings.append(ring)
    return rings


@dataclass
class Candidate:
    number: int  # 1-based position in the file
    name: str | None
    geometry: BaseGeometry | None = None
    repaired: str | None = None


def _inert(text: str) -> str:
    """Markup shown in a message, but never as markup (a Qt message box may render rich text)."""
    return text.replace("<", "‹").replace(">", "›")


def _label(number: int, name: str | None) -> str:
    if not name:
        return _("Objekt {n}").format(n=number)
    return _("Objekt {n} („{name}“)").format(n=number, name=_inert(name[:60]))


def _markup_in(value: Any) -> str | None:
    """The first piece of markup in a property value (nested lists and objects too)."""
    if isinstance(value, str):
        found = _MARKUP.search(value)
        return found.group()[:40] if found else None
    if isinstance(value, dict):
        values: Iterable[Any] = value.values()
    elif isinstance(value, list):
        values = value
    else:
        return None
    for item in values:
        hit = _markup_in(item)
        if hit:
            return hit
    return None


def _name_of(properties: Mapping[str, Any], name_property: str) -> str | None:
    value = properties.get(name_property)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    return clean(value) if isinstance(value, str) else None


def _check_positions(
    number: int, name: str | None, rings: list[Any], problems: list[str]
) -> list[tuple[float, float]]:
    positions: list[tuple[float, float]] = []
    label = _label(number, name)
    for ring in rings:
        for pos in ring:
            if not (isinstance(pos, list) and 2 <= len(pos) <= 3 and all(_is_number(v) for v in pos)):
                problems.append(
                    _("{label}: ungültige Koordinate {pos}.").format(label=label, pos=str(pos)[:60])
                )
                return []
            positions.append((float(pos[0]), float(pos[1])))
        if len(ring) < 4:
            problems.append(
                _("{label}: ein Rand hat nur {n} Punkte (mindestens 4).").format(label=label, n=len(ring))
            )
            return []
    bad = next(((x, y) for x, y in positions if not (-180 <= x <= 180 and -90 <= y <= 90)), None)
    if bad is not None:
        if abs(bad[0]) > 1000 or abs(bad[1]) > 1000:
            problems.append(
                _(
                    "{label}: Koordinate ({x}, {y}) ist keine Länge/Breite in Grad – vermutlich ein "
                    "projiziertes Bezugssystem (z. B. UTM, EPSG:25832). Bitte als WGS 84 (EPSG:4326) exportieren."
                ).format(label=label, x=bad[0], y=bad[1])
            )
        else:
            problems.append(
                _(
                    "{label}: Koordinate ({x}, {y}) liegt außerhalb des gültigen Bereichs "
                    "(Länge −180…180, Breite −90…90)."
                ).format(label=label, x=bad[0], y=bad[1])
            )
        return []
    return positions


def _check_geometry(cand: Candidate, geometry: Mapping[str, Any], problems: list[str]) -> None:
    label = _label(cand.number, cand.name)
    try:
        geom = shapely.force_2d(shape(geometry))
    except (ValueError, TypeError, AttributeError, IndexError, GEOSException) as err:
        problems.append(
            _("{label}: die Fläche lässt sich nicht lesen ({reason}).").format(label=label, reason=err)
        )
        return
    if geom.is_empty or (geom.area <= 0 and geom.is_valid):
        problems.append(_("{label}: die Fläche ist leer.").format(label=label))
        return
    if geom.is_valid:
        cand.geometry = geom
        return
    raw_reason = shapely.is_valid_reason(geom)
    kind, _sep, where = raw_reason.partition("[")
    reason = _REASONS.get(kind.strip(), kind.strip())
    spot = ""
    if where:
        try:
            x, y = (float(v) for v in where.rstrip("]").split()[:2])
            spot = _(" (bei Breite {lat:.5f}, Länge {lon:.5f})").format(lat=y, lon=x)
        except ValueError:
            spot = ""
    repaired = _polygonal(shapely.make_valid(geom))
    original_area = abs(geom.area)
    if (
        repaired is None
        or repaired.is_empty
        or original_area <= 0
        or abs(repaired.area - original_area) > REPAIR_AREA_TOLERANCE * original_area
    ):
        problems.append(
            _(
                "{label}: die Grenze {reason}{spot} und lässt sich nicht eindeutig reparieren. "
                "Bitte die Fläche im GIS-Programm korrigieren."
            ).format(label=label, reason=reason, spot=spot)
        )
        return
    cand.geometry = repaired
    cand.repaired = _("{label}: die Grenze {reason}{spot}; repariert (Fläche praktisch unverändert).").format(
        label=label, reason=reason, spot=spot
    )


def _looks_latitude_first(positions: Sequence[tuple[float, float]]) -> bool:
    """All positions read as (latitude, longitude) of a place in Germany."""
    return bool(positions) and all(47.0 <= x <= 55.5 and 5.5 <= y <= 15.5 for x, y in positions)


def check_boundary(text: str) -> tuple[str, str | None]:
    """A boundary typed or pasted into the quarter form, checked like an imported one
    (:func:`parse`): polygons only, coordinates in range and longitude first, a
    self-intersection repaired only when the area stays practically the same.

    Returns the boundary to store and, if it was repaired, a German note; raises
    ValueError with a German message otherwise.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ValueError(_too_big(len(text.encode("utf-8"))))
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        raise ValueError(_("Die Grenze ist kein gültiges GeoJSON.")) from err
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ValueError(_("Bitte genau eine Fläche eingeben (die Sammlung enthält mehrere oder keine)."))
        data = features[0]
    geometry = data.get("geometry") if isinstance(data, dict) and data.get("type") == "Feature" else data
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(_("Die Grenze muss ein Polygon oder MultiPolygon sein."))
    problems: list[str] = []
    rings = _rings(geometry)
    if rings is None:
        raise ValueError(_("Die Koordinaten der Grenze sind falsch verschachtelt."))
    positions = _check_positions(1, None, rings, problems)
    cand = Candidate(1, None)
    if positions:
        if _looks_latitude_first(positions):
            problems.append(
                _(
                    "Die Koordinaten stehen in der Reihenfolge Breite, Länge. GeoJSON verlangt Länge, "
                    "Breite – das Quartier läge sonst im Indischen Ozean."
                )
            )
        else:
            _check_geometry(cand, geometry, problems)
    if problems or cand.geometry is None:
        raise ValueError(" ".join(_unlabelled(p) for p in problems) or _("Die Grenze ist leer."))
    return boundary_json(cand.geometry), _unlabelled(cand.repaired) if cand.repaired else None


def _unlabelled(message: str) -> str:
    """A message of the file checks without "Objekt 1: " (the form has one boundary)."""
    prefix = _label(1, None) + ": "
    if message.startswith(prefix):
        message = message[len(prefix) :]
        message = message[:1].upper() + message[1:]
    return message


def parse(source: str | Path | bytes, name_property: str) -> tuple[list[Candidate], list[str]]:
    """Every check of the file; raises GeoJSONImportError with all problems found."""
    features = _features(_load_json(source))
    problems: list[str] = []
    candidates: list[Candidate] = []
    all_positions: list[tuple[float, float]] = []
    non_areas: dict[str, int] = {}
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(_("Objekt {n} ist kein GeoJSON-Feature.").format(n=number))
            continue
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        name = _name_of(properties, name_property)
        label = _label(number, name)
        for key, value in properties.items():
            markup = _markup_in(value) or _markup_in(str(key))
            if markup:
                problems.append(
                    _(
                        "{label}: die Eigenschaft „{key}“ enthält HTML ({markup}). Bitte die Datei ohne "
                        "HTML-Auszeichnung exportieren."
                    ).format(label=label, key=_inert(str(key)[:40]), markup=_inert(markup))
                )
                break
        if name is None:
            problems.append(
                _("{label}: die Eigenschaft „{prop}“ (Name des Quartiers) fehlt oder ist leer.").format(
                    label=label, prop=name_property
                )
            )
        elif len(name) > 120:
            problems.append(_("{label}: der Name ist zu lang (höchstens 120 Zeichen).").format(label=label))
        elif fold(name) in seen:
            problems.append(
                _("{label}: der Name kommt schon in Objekt {other} vor; Namen müssen eindeutig sein.").format(
                    label=label, other=seen[fold(name)]
                )
            )
        else:
            seen[fold(name)] = number
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            non_areas[str(kind or _("keine Geometrie"))] = (
                non_areas.get(str(kind or _("keine Geometrie")), 0) + 1
            )
            problems.append(
                _("{label} ist keine Fläche (Polygon), sondern: {kind}.").format(
                    label=label, kind=kind or _("keine Geometrie")
                )
            )
            continue
        assert isinstance(geometry, dict)
        rings = _rings(geometry)
        if rings is None:
            problems.append(
                _("{label}: die Koordinaten der Fläche sind falsch verschachtelt.").format(label=label)
            )
            continue
        positions = _check_positions(number, name, rings, problems)
        if not positions:
            continue
        all_positions.extend(positions)
        cand = Candidate(number, name)
        candidates.append(cand)
        _check_geometry(cand, geometry, problems)
    if non_areas and not all_positions:
        found = ", ".join(f"{k} × {n}" for k, n in sorted(non_areas.items()))
        problems.insert(
            0,
            _("Die Datei enthält keine Flächen (Polygon oder MultiPolygon), nur: {found}.").format(
                found=found
            ),
        )
    if _looks_latitude_first(all_positions):
        problems.insert(
            0,
            _(
                "Die Koordinaten stehen in der Reihenfolge Breite, Länge. GeoJSON verlangt Länge, Breite "
                "(RFC 7946) – die Quartiere lägen sonst im Indischen Ozean. Bitte die Datei mit Länge/Breite "
                "exportieren."
            ),
        )
    if problems:
        raise GeoJSONImportError(problems)
    return candidates, problems


def property_names(source: str | Path | bytes) -> list[PropertyInfo]:
    """The properties of the file's features, best name candidates first.

    Raises GeoJSONImportError if the file cannot be read as GeoJSON at all.
    """
    features = [f for f in _features(_load_json(source)) if isinstance(f, dict)]
    order: list[str] = []
    values: dict[str, list[str]] = {}
    for feature in features:
        properties = feature.get("properties")
        if not isinstance(properties, dict):
            continue
        for key in properties:
            key_text = str(key)
            if key_text not in values:
                order.append(key_text)
                values[key_text] = []
            name = _name_of(properties, key_text)
            if name is not None:
                values[key_text].append(name)
    infos = []
    for key in order:
        found = values[key]
        folded = [fold(v) for v in found]
        examples = tuple(dict.fromkeys(found))[:3]
        infos.append(
            PropertyInfo(
                name=key,
                examples=examples,
                complete=len(found) == len(features),
                unique=len(set(folded)) == len(folded),
            )
        )

    def score(info: PropertyInfo) -> tuple[int, int, int]:
        hint = next((i for i, h in enumerate(_NAME_HINTS) if h in fold(info.name)), len(_NAME_HINTS))
        return (0 if info.complete and info.unique else 1, hint, order.index(info.name))

    return sorted(infos, key=score)


def suggest_name_property(infos: Sequence[PropertyInfo]) -> str | None:
    """The property to offer first: complete, unique, and named like a name."""
    for info in infos:
        if info.complete and info.unique:
            return info.name
    return None


def overlaps(candidates: Sequence[Candidate]) -> list[str]:
    geoms = [c.geometry for c in candidates if c.geometry is not None]
    named = [c for c in candidates if c.geometry is not None]
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    warnings = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        shared = geoms[a].intersection(geoms[b]).area
        if shared > 0.01 * min(geoms[a].area, geoms[b].area):
            warnings.append(
                _(
                    "„{a}“ und „{b}“ überlappen sich; Einrichtungen im gemeinsamen Teil kommen zum kleineren."
                ).format(a=named[a].name, b=named[b].name)
            )
    return warnings


def boundary_json(geometry: BaseGeometry) -> str:
    return json.dumps(mapping(geometry), ensure_ascii=False, separators=(",", ":"))
