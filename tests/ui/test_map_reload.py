"""The map's data is built on the database worker; changes that come faster than it is
built (a geocoding batch applies an answer every few hundred ms) must not pile up reloads
there, where each would hold up every later query (a report's, a list's)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QSettings

from atlas.core import Atlas
from tests.ui.test_map import open_window


def test_reloads_asked_while_one_is_built_wait_for_it_as_one(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:
    settings.setValue("map/base", "none")
    window = open_window(qtbot, workers, demo, settings)
    pane = window.map
    assert pane is not None
    qtbot.waitUntil(lambda: pane.shown_data is not None and workers.database.pending() == 0, timeout=20000)
    gate = threading.Event()
    workers.database.run(lambda: gate.wait(20), lambda _result: None, owner=None)  # the worker is busy
    pane.reload()
    assert pane.loading and workers.database.pending() == 2
    for _ in range(5):
        pane.reload()
    assert workers.database.pending() == 2  # the five wait as one for the reload on the worker
    assert pane.reload_waiting and pane.shown_data is None  # what is on its way is already stale
    gate.set()
    qtbot.waitUntil(lambda: pane.shown_data is not None and workers.database.pending() == 0, timeout=20000)
    assert not pane.loading
    assert len(pane.shown_data.places) > 0


def test_a_change_while_the_data_is_built_is_shown_after_it(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:
    settings.setValue("map/base", "none")
    window = open_window(qtbot, workers, demo, settings)
    pane = window.map
    assert pane is not None
    qtbot.waitUntil(lambda: pane.shown_data is not None and workers.database.pending() == 0, timeout=20000)
    place = pane.shown_data.places[0]
    gate = threading.Event()
    workers.database.run(lambda: gate.wait(20), lambda _result: None, owner=None)
    pane.reload()
    record = demo.institutions.get(place["id"])
    demo.institutions.save(
        record.id, {**record.values, "name": "Neu benannt"}, expected_version=record.version
    )
    # the window hears the change; its reload waits for the one on the worker
    qtbot.waitUntil(lambda: pane.reload_waiting, timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: pane.shown_data is not None and workers.database.pending() == 0, timeout=20000)
    shown = {p["id"]: p["name"] for p in pane.shown_data.places}
    assert shown[place["id"]] == "Neu benannt"
