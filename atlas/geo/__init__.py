"""geo"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atlas.geo.geocoder import GeocoderSettings
from atlas.geo.geocoding import GeocodingService
from atlas.geo.mapdata import MapData, MapService, PlacesUpdate
from atlas.geo.mappage import WEB, cached_page, standalone_html, write_text_atomically
from atlas.geo.quarters import ImportReport, QuarterService, place_after_save
from atlas.geo.results import NEW_PLACE_DESCRIPTION, BatchReport, Outcome, eta_text, summary_lines

if TYPE_CHECKING:
    from atlas.geo.boundary_checks import check_boundary
    from atlas.geo.name_property import suggest_name_property

__all__ = [
    "NEW_PLACE_DESCRIPTION",
    "WEB",
    "BatchReport",
    "GeocoderSettings",
    "GeocodingService",
    "ImportReport",
    "MapData",
    "MapService",
    "Outcome",
    "PlacesUpdate",
    "QuarterService",
    "cached_page",
    "check_boundary",
    "eta_text",
    "place_after_save",
    "standalone_html",
    "suggest_name_property",
    "summary_lines",
    "write_text_atomically",
]


def __getattr__(name: str) -> object:
    """The boundary helpers load shapely (and numpy): only when one is used, not at start-up."""
    if name == "check_boundary":
        from atlas.geo.boundary_checks import check_boundary

        return check_boundary
    if name == "suggest_name_property":
        from atlas.geo.name_property import suggest_name_property

        return suggest_name_property
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
