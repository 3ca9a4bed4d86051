"""Quarters as areas: which quarter a point lies in, re-assignment, GeoJSON import.

Point-in-polygon runs on shapely geometries in an STRtree. All geometry is done in
metres: longitude and latitude are scaled by a local equirectangular projection
around the quarters' middle latitude (good to well under a metre across a city), so
a tolerance or a distance means the same in every direction.

A point that lies on the boundary of several quarters (a shared border) goes to one
of them, always the same: a quarter that has the point in its interior first, then
the smaller quarter, then the name (folded), then the id.

Importing a GeoJSON file is all or nothing: every check runs before the first row
is written, and the writes (quarters, then the re-assignment of the institutions)
are one transaction.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.text import address_line, clean, fold

#: Files above this size are refused before they are read.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_QUARTERS = 1000
#: Points this close to a boundary (metres) count as on it: absorbs rounding, nothing more.
BOUNDARY_TOLERANCE_M = 0.01
#: A self-intersecting boundary is repaired only if the area changes by less than this.
REPAIR_AREA_TOLERANCE = 0.01
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>|<!--|javascript:", re.IGNORECASE)
_PALETTE = (
    "#1f78b4",
    "#33a02c",
    "#ff7f00",
    "#6a3d9a",
    "#e31a1c",
    "#b15928",
    "#a6cee3",
    "#b2df8a",
    "#fb9a99",
    "#fdbf6f",
    "#cab2d6",
    "#8dd3c7",
)
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
            geometry = _stored_geometry(boundary)
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


def _stored_geometry(boundary: str | None) -> BaseGeometry | None:
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


# -- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReassignReport:
    """What re-assigning the institutions to the quarters changed."""

    moved: int  # quarter changed (to another quarter, or to none because outside all)
    unchanged: int
    outside: int  # with coordinates, but inside no quarter (after the re-assignment)
    manual: int  # quarter chosen by hand: left alone
    without_coordinates: int  # cannot be assigned
    moved_ids: tuple[int, ...] = ()

    def summary(self) -> str:
        return _(
            "{moved} Einrichtungen neu zugeordnet, {unchanged} unverändert, {outside} außerhalb aller "
            "Quartiere, {manual} von Hand zugeordnet, {without} ohne Koordinaten."
        ).format(
            moved=self.moved,
            unchanged=self.unchanged,
            outside=self.outside,
            manual=self.manual,
            without=self.without_coordinates,
        )


@dataclass(frozen=True)
class PropertyInfo:
    """One property of the features of a GeoJSON file, for choosing the name property."""

    name: str
    examples: tuple[str, ...]
    complete: bool  # every feature has a non-empty value
    unique: bool  # no two features share a value


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    deleted: tuple[str, ...]
    repaired: tuple[str, ...]  # German lines: which boundary was repaired and why
    warnings: tuple[str, ...]  # German lines, e.g. overlapping quarters
    reassigned: ReassignReport

    def summary(self) -> str:
        return _("Quartiere importiert: {c} neu, {u} aktualisiert, {d} gelöscht. {r}").format(
            c=len(self.created), u=len(self.updated), d=len(self.deleted), r=self.reassigned.summary()
        )


class GeoJSONImportError(AtlasError):
    """A GeoJSON file was refused; nothing of it was imported. ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:8])
        if len(problems) > len(shown):
            shown.append(_("… und {n} weitere Probleme.").format(n=len(problems) - len(shown)))
        super().__init__(
            _("Die Datei wurde nicht importiert (nichts wurde übernommen):") + "\n" + "\n".join(shown)
        )
        self.problems = tuple(problems)


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
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise GeoJSONImportError([_too_big(size)])
            raw = path.read_bytes()
        except OSError as err:
            raise GeoJSONImportError(
                [
                    _("Die Datei {path} kann nicht gelesen werden: {reason}").format(
                        path=path, reason=err.strerror
                    )
                ]
            ) from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GeoJSONImportError(
            [_("Die Datei ist nicht in UTF-8 geschrieben (GeoJSON verlangt UTF-8).")]
        ) from err
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
class _Candidate:
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


def _check_geometry(cand: _Candidate, geometry: Mapping[str, Any], problems: list[str]) -> None:
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


def _parse(source: str | Path | bytes, name_property: str) -> tuple[list[_Candidate], list[str]]:
    """Every check of the file; raises GeoJSONImportError with all problems found."""
    features = _features(_load_json(source))
    problems: list[str] = []
    candidates: list[_Candidate] = []
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
        cand = _Candidate(number, name)
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


def _overlaps(candidates: Sequence[_Candidate]) -> list[str]:
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


def _boundary_json(geometry: BaseGeometry) -> str:
    return json.dumps(mapping(geometry), ensure_ascii=False, separators=(",", ":"))


# -- the service ----------------------------------------------------------------------------


class QuarterService:
    """Quarter boundaries: the index, re-assignment and GeoJSON import."""

    def __init__(self, sessions: sessionmaker[Session], changes: ChangeBus) -> None:
        self._sessions = sessions
        self._changes = changes
        self._cached: tuple[tuple[Any, ...], QuarterIndex] | None = None

    def index(self, session: Session | None = None) -> QuarterIndex:
        """The quarters as they are stored now (rebuilt only when a quarter changed)."""
        if session is None:
            with self._sessions() as own:
                return self.index(own)
        rows = session.execute(
            select(m.Quarter.id, m.Quarter.version, m.Quarter.updated_at).order_by(m.Quarter.id)
        ).all()
        key = tuple(tuple(r) for r in rows)
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        built = QuarterIndex.from_rows(_boundary_rows(session))
        self._cached = (key, built)
        return built

    def quarter_at(self, lat: float, lon: float) -> int | None:
        return self.index().quarter_at(lat, lon)

    # -- re-assignment -------------------------------------------------------------------------
    def reassign_all(self) -> ReassignReport:
        """Put every institution with coordinates into the quarter containing it, except where
        the quarter was chosen by hand. One transaction."""
        with self._sessions() as session:
            report = _reassign(session, self.index(session))
            session.commit()
        if report.moved:
            self._changes.emit({"institution", "offer", "quarter"}, report.moved_ids)
        return report

    # -- the save hook for institutions --------------------------------------------------------
    def institution_saved(
        self, session: Session, obj: m.Record, values: Mapping[str, Any], before: Mapping[str, Any]
    ) -> None:
        """Runs inside ``RecordService.save`` for institutions, before the flush."""
        if not isinstance(obj, m.Institution):
            return
        place_after_save(obj, values, before, lambda lat, lon: self.index(session).quarter_at(lat, lon))

    # -- import ---------------------------------------------------------------------------------
    def import_geojson(
        self, source: str | Path | bytes, name_property: str, replace: bool = False
    ) -> ImportReport:
        """Import quarter boundaries: each feature a quarter named by ``name_property``.

        A quarter whose name exists already (case and umlauts ignored) gets the new
        boundary and keeps its id, colour and notes. With ``replace``, quarters not in the
        file are deleted (their institutions and round tables lose the link). Afterwards
        every institution is re-assigned. All or nothing: raises GeoJSONImportError
        listing every problem, and then nothing was changed.
        """
        candidates, _problems = _parse(source, name_property)
        warnings = _overlaps(candidates)
        created: list[str] = []
        updated: list[str] = []
        deleted: list[str] = []
        with self._sessions() as session:
            existing = {fold(q.name): q for q in session.scalars(select(m.Quarter))}
            used_colors = {q.color for q in existing.values()}
            palette = [c for c in _PALETTE if c not in used_colors] or list(_PALETTE)
            in_file: set[str] = set()
            for cand in candidates:
                assert cand.name is not None and cand.geometry is not None
                key = fold(cand.name)
                in_file.add(key)
                boundary = _boundary_json(cand.geometry)
                quarter = existing.get(key)
                if quarter is None:
                    color = palette[len(created) % len(palette)]
                    session.add(m.Quarter(name=cand.name, boundary_geojson=boundary, color=color))
                    created.append(cand.name)
                else:
                    if quarter.boundary_geojson != boundary:
                        quarter.boundary_geojson = boundary
                    updated.append(quarter.name)
            if replace:
                for key, quarter in existing.items():
                    if key not in in_file:
                        deleted.append(quarter.name)
                        session.delete(quarter)
            session.flush()
            index = QuarterIndex.from_rows(_boundary_rows(session))
            reassigned = _reassign(session, index)
            session.commit()
        self._changes.emit({"quarter", "institution", "offer", "round_table"}, reassigned.moved_ids)
        return ImportReport(
            created=tuple(created),
            updated=tuple(updated),
            deleted=tuple(deleted),
            repaired=tuple(c.repaired for c in candidates if c.repaired),
            warnings=tuple(warnings),
            reassigned=reassigned,
        )

    def property_names(self, source: str | Path | bytes) -> list[PropertyInfo]:
        return property_names(source)


def _boundary_rows(session: Session) -> list[tuple[int, str, str | None]]:
    stmt = select(m.Quarter.id, m.Quarter.name, m.Quarter.boundary_geojson)
    return [(i, n, b) for i, n, b in session.execute(stmt)]


def _reassign(session: Session, index: QuarterIndex) -> ReassignReport:
    inst = m.Institution
    rows = session.execute(select(inst.id, inst.lat, inst.lon, inst.quarter_id, inst.quarter_manual)).all()
    manual = 0
    without = 0
    todo: list[tuple[int, float, float, int | None]] = []
    stale_manual: list[int] = []
    for inst_id, lat, lon, quarter_id, quarter_manual in rows:
        if quarter_manual and quarter_id is not None:
            manual += 1
            continue
        if quarter_manual:
            stale_manual.append(inst_id)  # its quarter was deleted: assign it again
        if lat is None or lon is None:
            without += 1
            continue
        todo.append((inst_id, lat, lon, quarter_id))
    targets = index.assign([(lat, lon) for _i, lat, lon, _q in todo])
    changes = {i: new for (i, _lat, _lon, old), new in zip(todo, targets, strict=True) if new != old}
    outside = sum(1 for t in targets if t is None)
    touched = sorted(set(changes) | set(stale_manual))
    for start in range(0, len(touched), 500):
        chunk = touched[start : start + 500]
        for obj in session.scalars(select(inst).where(inst.id.in_(chunk))):
            if obj.id in changes:
                obj.quarter_id = changes[obj.id]
            obj.quarter_manual = False
    session.flush()
    return ReassignReport(
        moved=len(changes),
        unchanged=len(todo) - len(changes),
        outside=outside,
        manual=manual,
        without_coordinates=without,
        moved_ids=tuple(sorted(changes)),
    )


# -- what a save of an institution means for its place ----------------------------------------

_ADDRESS = ("street", "postcode", "city")
#: Coordinates closer than this (degrees, ~0.1 m) are the same: the form shows six decimals.
COORD_EPSILON = 1e-6


def has_address(obj: m.Institution) -> bool:
    """Whether the institution has an address the geocoder can look up."""
    return address_line(obj.street, obj.postcode, obj.city) is not None


def place_after_save(
    obj: m.Institution,
    values: Mapping[str, Any],
    before: Mapping[str, Any],
    quarter_at: Callable[[float, float], int | None],
) -> None:
    """Keep pin, quarter and geocoding state consistent after the user saved ``values``.

    - A quarter chosen (changed) by the user is kept (``quarter_manual``); clearing it
      hands the choice back to the coordinates.
    - Coordinates changed by the user are a pin set by hand (``manual``); cleared ones
      wait for the geocoder if there is an address.
    - A changed address without new coordinates waits for the geocoder (``pending``).
    - When the coordinates changed and the quarter is not chosen by hand, the quarter
      follows the coordinates.
    """
    new = before.get("id") is None
    if "quarter_id" in values and values["quarter_id"] != before.get("quarter_id"):
        obj.quarter_manual = values["quarter_id"] is not None
    elif obj.quarter_manual and obj.quarter_id is None:
        obj.quarter_manual = False
    old_lat, old_lon = before.get("lat"), before.get("lon")
    if (
        obj.lat is not None
        and obj.lon is not None
        and old_lat is not None
        and old_lon is not None
        and abs(obj.lat - old_lat) <= COORD_EPSILON
        and abs(obj.lon - old_lon) <= COORD_EPSILON
    ):
        obj.lat, obj.lon = old_lat, old_lon  # the form's rounding is no move
    coords_changed = (obj.lat, obj.lon) != (old_lat, old_lon)
    address_changed = any(getattr(obj, f) != before.get(f) for f in _ADDRESS)
    placed = obj.lat is not None and obj.lon is not None
    if coords_changed:
        if placed:
            obj.geocode_status = m.GeocodeState.MANUAL.value
            obj.geocoded_at = None
        else:
            obj.geocode_status = m.GeocodeState.PENDING.value if has_address(obj) else None
    elif address_changed or new:
        if has_address(obj):
            obj.geocode_status = m.GeocodeState.PENDING.value
        elif not placed:
            obj.geocode_status = None
    quarter_released = "quarter_id" in values and values["quarter_id"] is None and not obj.quarter_manual
    if placed and not obj.quarter_manual and (coords_changed or quarter_released):
        assert obj.lat is not None and obj.lon is not None
        obj.quarter_id = quarter_at(obj.lat, obj.lon)
