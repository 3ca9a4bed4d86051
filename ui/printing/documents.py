"""Documents from plain options: which report function a kind of document calls, and the
map page's offline tiles as the directory's background. Runs on a worker; no widgets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings

from atlas.reports import TileSource, build_document
from ui import settings as prefs


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


__all__ = ["build_document", "tile_source"]  # the document itself is built by the core
