"""Every QSettings key the program uses, declared once: key, type, default, meaning.

The program reads and writes its settings only through these declarations
(``from ui import settings as prefs``; ``prefs.WINDOW_SECTION.get(settings)``,
``prefs.MAP_BASE.set(settings, "osm")``);
``tests/test_architecture.py`` fails when another module calls ``.value("…")`` or
``.setValue("…")`` with a key of its own. A stored value of the wrong type or outside its
choices (a hand-edited ini file, an older version) reads as the default.

A key with ``{section}`` in it is one per section: pass ``section=spec.key``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")

#: The tile server of the map's online base layer (the user may point it elsewhere).
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def _text(choices: tuple[str, ...] = ()) -> Callable[[object], str | None]:
    def parse(stored: object) -> str | None:
        if not isinstance(stored, str) or not stored:
            return None
        return stored if not choices or stored in choices else None

    return parse


def _number(stored: object) -> int | None:
    if isinstance(stored, bool):
        return None
    if isinstance(stored, int):
        return stored
    if isinstance(stored, str):
        try:
            return int(stored.strip())
        except ValueError:
            return None
    return None


def _flag(stored: object) -> bool | None:
    if isinstance(stored, bool):
        return stored
    if isinstance(stored, str):  # an ini file stores "true"/"false"
        return {"true": True, "1": True, "false": False, "0": False}.get(stored.strip().lower())
    if isinstance(stored, int):
        return {1: True, 0: False}.get(stored)
    return None


def _blob(stored: object) -> QByteArray | None:
    return stored if isinstance(stored, QByteArray) and not stored.isEmpty() else None


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One key: what it means, what type it has and what it reads as when unset or broken."""

    key: str
    default: T
    meaning: str
    parse: Callable[[object], T | None] = field(repr=False, compare=False)

    def name(self, **parts: str) -> str:
        return self.key.format(**parts) if parts else self.key

    def get(self, settings: QSettings, **parts: str) -> T:
        """The stored value, or the default when it is missing or not of this key's type."""
        try:
            stored = settings.value(self.name(**parts))
        except Exception:  # PySide unpickles a stored Python object: a damaged one raises anything
            return self.default
        if stored is None:
            return self.default
        parsed = self.parse(stored)
        return self.default if parsed is None else parsed

    def set(self, settings: QSettings, value: T, **parts: str) -> None:
        settings.setValue(self.name(**parts), value)


#: The map's base layers, in the order the map pane offers them.
MAP_BASES = ("osm", "mbtiles", "none")

WINDOW_GEOMETRY: Setting[QByteArray | None] = Setting(
    "window/geometry", None, "the main window's size and place (saveGeometry)", _blob
)
WINDOW_STATE: Setting[QByteArray | None] = Setting(
    "window/state", None, "the main window's docks and toolbars (saveState)", _blob
)
WINDOW_SPLITTER: Setting[QByteArray | None] = Setting(
    "window/splitter", None, "the split between navigation and sections", _blob
)
WINDOW_SECTION: Setting[int] = Setting(
    "window/section", 0, "the section shown when the window closed (row in the navigation)", _number
)
SECTION_SPLITTER: Setting[QByteArray | None] = Setting(
    "section/{section}/splitter", None, "a section's split between list and form", _blob
)
SECTION_HEADER: Setting[QByteArray | None] = Setting(
    "section/{section}/header", None, "a section's list columns: widths, order, sorting", _blob
)
MAP_VISIBLE: Setting[bool | None] = Setting(
    "map/visible/{section}", None, "the map shown beside a section (unset: the section's default)", _flag
)
MAP_BASE: Setting[str] = Setting(
    "map/base", "osm", "the map's base layer: osm (online), mbtiles (offline file) or none", _text(MAP_BASES)
)
MAP_MBTILES: Setting[str] = Setting("map/mbtiles", "", "path of the offline tile file (MBTiles)", _text())
MAP_TILE_URL: Setting[str] = Setting(
    "map/tile_url", OSM_URL, "tile server of the online base layer, {z}/{x}/{y} template", _text()
)
USER_NAME: Setting[str] = Setting(
    "user/name", "", "the coach's name, recorded with every status override (asked once)", _text()
)
GEOCODER_URL: Setting[str] = Setting(
    "geocoder/url", "", "the geocoder's address (empty: the built-in default)", _text()
)
GEOCODER_USER_AGENT: Setting[str] = Setting(
    "geocoder/user_agent", "", "the User-Agent sent to the geocoder (empty: the built-in default)", _text()
)
GEOCODER_PROVIDER: Setting[str] = Setting(
    "geocoder/provider", "", "the geocoder's kind (empty: the built-in default)", _text()
)
TEAM_HOST: Setting[str] = Setting("team/host", "", "the team server's host name (never a password)", _text())
TEAM_PORT: Setting[int] = Setting("team/port", 5432, "the team server's port", _number)
TEAM_DATABASE: Setting[str] = Setting("team/database", "", "the team's database on the server", _text())
TEAM_USER: Setting[str] = Setting("team/user", "", "the coach's login on the team server", _text())
TEAM_TLS: Setting[bool] = Setting("team/tls", True, "connect to the team server only encrypted (TLS)", _flag)
TEAM_KEEP_PASSWORD: Setting[bool] = Setting(
    "team/keep_password", True, "keep the password in the system's keyring (never in settings)", _flag
)
REPORTS_LOGO: Setting[str] = Setting("reports/logo", "", "path of the logo printed on reports", _text())
REPORTS_FUNDING: Setting[str] = Setting(
    "reports/funding", "", "the funding line printed on reports (last one typed)", _text()
)
REPORTS_FOLDER: Setting[str] = Setting(
    "reports/folder", "", "the folder reports were last saved to (empty: the home folder)", _text()
)

#: Every declared key, for the tests and for anyone looking.
ALL: tuple[Setting[Any], ...] = (
    WINDOW_GEOMETRY,
    WINDOW_STATE,
    WINDOW_SPLITTER,
    WINDOW_SECTION,
    SECTION_SPLITTER,
    SECTION_HEADER,
    MAP_VISIBLE,
    MAP_BASE,
    MAP_MBTILES,
    MAP_TILE_URL,
    USER_NAME,
    GEOCODER_URL,
    GEOCODER_USER_AGENT,
    GEOCODER_PROVIDER,
    REPORTS_LOGO,
    REPORTS_FUNDING,
    REPORTS_FOLDER,
)
