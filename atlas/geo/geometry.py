"""Quarter geometry with shapely: which quarter contains a point, and reading GeoJSON.

Kept apart from :mod:`atlas.geo.quarters` so that shapely (and numpy) load only when a
boundary is really needed, not at every program start.

This module is the one place to start; its names live in modules of one concern each:
the point-in-polygon index and stored boundaries in :mod:`atlas.geo.quarter_index`, reading
a GeoJSON file in :mod:`atlas.geo.geojson_file`, checking boundaries (a file or one pasted
into the form) in :mod:`atlas.geo.boundary_checks`, and the name property's suggestion in
:mod:`atlas.geo.name_property`.
"""

from __future__ import annotations

from atlas.geo.boundary_checks import (
    REPAIR_AREA_TOLERANCE,
    Candidate,
    boundary_json,
    check_boundary,
    overlaps,
    parse,
)
from atlas.geo.name_property import PropertyInfo, property_names, suggest_name_property
from atlas.geo.quarter_index import BOUNDARY_TOLERANCE_M, QuarterIndex, stored_geometry
from atlas.limits import MAX_GEOJSON_BYTES as MAX_FILE_BYTES

__all__ = [
    "BOUNDARY_TOLERANCE_M",
    "MAX_FILE_BYTES",
    "REPAIR_AREA_TOLERANCE",
    "Candidate",
    "PropertyInfo",
    "QuarterIndex",
    "boundary_json",
    "check_boundary",
    "overlaps",
    "parse",
    "property_names",
    "stored_geometry",
    "suggest_name_property",
]
