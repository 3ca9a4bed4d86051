"""Settings declared once (ui/settings.py): a broken stored value reads as the default,
and the window starts as on a fresh install from an ini file full of garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from atlas.core import Atlas
from ui import settings as prefs
from ui.main_window import MainWindow
from ui.map.pane import BASES
from ui.printing.documents import tile_source


def ini(tmp_path: Path, text: str) -> QSettings:
    path = tmp_path / "hand-edited.ini"
    path.write_text(text, encoding="utf-8")
    return QSettings(str(path), QSettings.Format.IniFormat)


GARBAGE = """\
[window]
geometry=kaputt
state=42
splitter=
section=drei

[section]
actor\\splitter=@Invalid()
actor\\header=nonsense

[map]
base=satellite
mbtiles=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper\\0\\0\\0\\0\\x1f)
visible\\institution=vielleicht
tile_url=

[user]
name=@Invalid()

[reports]
funding=
"""


def test_every_key_is_declared_once_with_a_meaning() -> None:
    names = [setting.key for setting in prefs.ALL]
    assert len(names) == len(set(names))
    assert all(setting.meaning for setting in prefs.ALL)
    assert {key for key, _label in BASES} == set(prefs.MAP_BASES)


def test_garbage_in_the_ini_file_reads_as_the_defaults(tmp_path: Path) -> None:
    settings = ini(tmp_path, GARBAGE)
    assert prefs.WINDOW_GEOMETRY.get(settings) is None
    assert prefs.WINDOW_STATE.get(settings) is None
    assert prefs.WINDOW_SPLITTER.get(settings) is None
    assert prefs.WINDOW_SECTION.get(settings) == 0
    assert prefs.SECTION_SPLITTER.get(settings, section="actor") is None
    assert prefs.SECTION_HEADER.get(settings, section="actor") is None
    assert prefs.MAP_BASE.get(settings) == "osm"  # not one of the layers
    assert prefs.MAP_MBTILES.get(settings) == ""
    assert prefs.MAP_VISIBLE.get(settings, section="institution") is None
    assert prefs.MAP_TILE_URL.get(settings) == prefs.OSM_URL
    assert prefs.USER_NAME.get(settings) == ""
    assert prefs.REPORTS_FUNDING.get(settings) == ""
    assert tile_source(settings)[0] is None


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        (prefs.WINDOW_SECTION, 3),
        (prefs.MAP_BASE, "mbtiles"),
        (prefs.USER_NAME, "Petra Koch"),
        (prefs.WINDOW_GEOMETRY, QByteArray(b"\x01\x02")),
    ],
)
def test_a_value_written_is_read_back(tmp_path: Path, setting: prefs.Setting[object], value: object) -> None:
    first = ini(tmp_path, "")
    setting.set(first, value)
    first.sync()
    assert setting.get(QSettings(first.fileName(), QSettings.Format.IniFormat)) == value


def test_flags_and_numbers_as_an_ini_file_stores_them(tmp_path: Path) -> None:
    settings = ini(tmp_path, "[map]\nvisible\\actor=false\nvisible\\contact=true\n[window]\nsection= 4\n")
    assert prefs.MAP_VISIBLE.get(settings, section="actor") is False
    assert prefs.MAP_VISIBLE.get(settings, section="contact") is True
    assert prefs.WINDOW_SECTION.get(settings) == 4


def test_the_window_opens_on_an_ini_file_full_of_garbage(
    qtbot, workers, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    atlas.institutions.save(None, {"name": "Stadtteilbüro"})  # not the first-steps page
    settings = ini(tmp_path, GARBAGE + "\n[geocoder]\nurl=http://127.0.0.1:9\n")
    settings.setValue("map/base", "none")  # no tile server from a test
    window = MainWindow(atlas, "test.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.show()
    assert window.nav.currentRow() == 0
    assert window.current_section() is not None
