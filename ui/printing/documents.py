"""Documents from plain options: which report function a kind of document calls, and the
map page's offline tiles as the directory's background. Runs on a worker; no widgets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings

from atlas import reports
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.reports import ReportDocument, TileSource
from ui import settings as prefs

if TYPE_CHECKING:
    from atlas.core import Atlas


def tile_source(settings: QSettings) -> tuple[TileSource | None, Callable[[], None]]:
    """The map page's offline tile file as the directory's map background, if one is chosen."""
    if prefs.MAP_BASE.get(settings) != "mbtiles":
        return None, lambda: None
    path = prefs.MAP_MBTILES.get(settings)
    if not path or not Path(path).is_file():
        return None, lambda: None
    from ui.map.scheme import MBTiles, TileError

    try:
        tiles = MBTiles(Path(path))
    except TileError:
        return None, lambda: None
    source = TileSource(
        fetch=tiles.tile,
        mime=tiles.mime.decode("ascii"),
        attribution=tiles.attribution,
        min_zoom=tiles.min_zoom,
        max_zoom=tiles.max_zoom,
    )
    return source, tiles.close


def build_document(kind: str, atlas: Atlas, options: Mapping[str, Any]) -> ReportDocument:
    """The document of ``kind`` from plain options (runs on a worker thread; no widgets)."""
    logo_path = str(options.get("logo") or "")
    logo = reports.load_logo(logo_path) if logo_path else None
    today = options.get("today")
    if kind == "contact-list":
        return reports.contact_list(
            atlas,
            round_table_id=options.get("round_table_id"),
            quarter_id=options.get("quarter_id"),
            category_id=options.get("category_id"),
            contact_ids=options.get("contact_ids"),
            selection_label=str(options.get("selection_label") or ""),
            columns=options.get("columns") or reports.DEFAULT_CONTACT_COLUMNS,
            sort=str(options.get("sort") or "name"),
            group=bool(options.get("group")),
            logo=logo,
            today=today,
        )
    if kind == "sign-in":
        return reports.sign_in_sheet(
            atlas,
            options.get("meeting_id"),
            funding=str(options.get("funding") or ""),
            blank_rows=int(options.get("blank_rows", 8)),
            consent=bool(options.get("consent", True)),
            logo=logo,
            today=today,
        )
    if kind == "directory":
        return reports.directory(
            atlas,
            quarter_id=options.get("quarter_id"),
            category_id=options.get("category_id"),
            logo=logo,
            tiles=options.get("tiles"),
            today=today,
        )
    if kind == "network":
        start, end = reports.default_period(today or atlas.clock.today())
        return reports.network_report(
            atlas, start=options.get("start") or start, end=options.get("end") or end, logo=logo, today=today
        )
    raise ValidationError({"kind": _("Unbekanntes Dokument: {kind}").format(kind=kind)})
