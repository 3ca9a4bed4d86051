"""Checking quarter boundaries: a GeoJSON file (:func:`parse`) or one pasted into the form
(:func:`check_boundary`).

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
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from atlas.errors import GeoJSONImportError
from atlas.geo.geojson_file import features_of, load_json, name_of, reject_constant, too_big_message
from atlas.geo.quarter_index import polygonal
from atlas.i18n import _
from atlas.limits import MAX_GEOJSON_BYTES as MAX_FILE_BYTES
from atlas.text import fold

#: A self-intersecting boundary is repaired only if the area changes by less than this.
REPAIR_AREA_TOLERANCE = 0.01
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>|<!--|javascript:", re.IGNORECASE)
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
    repaired = polygonal(shapely.make_valid(geom))
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
        raise ValueError(too_big_message(len(text.encode("utf-8"))))
    try:
        data = json.loads(text, parse_constant=reject_constant)
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
    features = features_of(load_json(source))
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
        name = name_of(properties, name_property)
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
