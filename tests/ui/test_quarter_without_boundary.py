"""A quarter made from a name in a list has no boundary until one is imported: the map's
legend and the quarter's form say so (plain text)."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from atlas.core import Atlas
from tests.ui.test_map import js, offline_settings, open_window, state  # noqa: F401  (fixture)

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[6.8, 51.4], [6.9, 51.4], [6.9, 51.5], [6.8, 51.5], [6.8, 51.4]]],
}


def test_the_map_and_the_form_say_a_quarter_has_no_boundary_yet(
    qtbot,
    workers,
    atlas: Atlas,
    offline_settings: QSettings,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    lirich = atlas.quarters.save(None, {"name": "Lirich"}).id
    atlas.quarters.save(None, {"name": "Mitte", "boundary_geojson": json.dumps(SQUARE)})
    window = open_window(qtbot, workers, atlas, offline_settings)
    window.resize(1366, 768)
    view = window.map.view  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: state(qtbot, view)["quarters"] == 1, timeout=15000)
    legend = state(qtbot, view)["legend"]
    assert "Quartier Lirich: noch keine Grenze – Orte → Quartiersgrenzen importieren" in legend
    assert "Mitte" not in legend
    # For the picture: the map shown (an empty database opens on the first steps) and two
    # animation frames later the quarter and the legend are on screen.
    window.map_dock.show()
    qtbot.waitUntil(view.isVisible)
    framed = "window.framed = false; requestAnimationFrame(() => requestAnimationFrame(() => { window.framed = true; }))"
    js(qtbot, view, framed)
    qtbot.waitUntil(lambda: js(qtbot, view, "window.framed") is True)
    window.map.export_png("/tmp/map-legend-note.png")  # type: ignore[union-attr]

    # The quarter list, a click on Lirich: the form says it; Mitte's does not.
    window.show_section(window._index_of("quarter"))
    section = window.section("quarter")
    table = section.table
    qtbot.waitUntil(lambda: section.model.rowCount() == 2, timeout=5000)
    for name, expected in (("Lirich", True), ("Mitte", False)):
        row = next(r for r in range(section.model.rowCount()) if section.model.index(r, 0).data() == name)
        index = section.model.index(row, 0)
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
        qtbot.waitUntil(lambda n=name: section.form.record is not None and section.form.record.title == n)
        hint = section.form.boundary_hint
        assert hint is not None and hint.isVisible() is expected
        assert hint.textFormat() == Qt.TextFormat.PlainText
        assert "Orte → Quartiersgrenzen importieren" in hint.text()
        section.form.grab().save(f"/tmp/quarter-form-{name}.png")
    assert lirich
