"""Reading a GeoJSON file of quarters: size, encoding, JSON, structure and the features.

Every problem is raised as a :class:`GeoJSONImportError` with a German message; the
features' boundaries and names are checked in :mod:`atlas.geo.boundary_checks`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from atlas.errors import GeoJSONImportError
from atlas.i18n import _
from atlas.limits import MAX_GEOJSON_BYTES as MAX_FILE_BYTES
from atlas.limits import MAX_QUARTERS, check_json_shape, read_capped
from atlas.text import clean


def reject_constant(name: str) -> Any:
    raise ValueError(_("{name} ist keine Zahl").format(name=name))


def load_json(source: str | Path | bytes) -> Any:
    if isinstance(source, bytes):
        raw = source
        if len(raw) > MAX_FILE_BYTES:
            raise GeoJSONImportError([too_big_message(len(raw))])
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
        return json.loads(text, parse_constant=reject_constant)
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


def too_big_message(size: int) -> str:
    return _("Die Datei ist zu groß ({mb:.1f} MB; höchstens {limit} MB).").format(
        mb=size / 1024 / 1024, limit=MAX_FILE_BYTES // 1024 // 1024
    )


def features_of(data: Any) -> list[Any]:
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


def name_of(properties: Mapping[str, Any], name_property: str) -> str | None:
    value = properties.get(name_property)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    return clean(value) if isinstance(value, str) else None
