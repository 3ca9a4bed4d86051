"""The map's data is built on the database worker; changes that come faster than it is
built (a geocoding batch applies an answer every few hundred ms) must not pile up reloads
there, where each would hold up every later query (a report's, a list's)."""

from __future__ import annotations

import json
import threading

from PySide6.QtCore import QSettings

from atlas.core import Atlas
from tests.ui.test_map import open_window, state
from ui.map import view as view_module


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


def test_long_data_reaches_the_page_in_parts_and_in_order(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings, monkeypatch
) -> None:
    """The data of 10,000 places is 4 MB: the web channel copies and escapes it on the GUI
    thread, so it goes in parts, one per turn of the event loop; a command sent meanwhile
    (a filter) runs after the data, as sent."""
    settings.setValue("map/base", "none")
    window = open_window(qtbot, workers, demo, settings)
    pane = window.map
    assert pane is not None
    qtbot.waitUntil(lambda: pane.shown_data is not None and not pane.view.sending, timeout=20000)
    data = pane.shown_data
    assert len(data.places) > 20
    monkeypatch.setattr(view_module, "MESSAGE_PART", 2000)
    sent: list[str] = []
    pane.view.bridge.command.connect(sent.append)
    first = data.places[0]["id"]
    pane.view.set_data(data.to_json(), fit=False)
    pane.view.show_only([first])
    assert pane.view.sending and len(sent) <= 1  # the rest follows turn by turn
    qtbot.waitUntil(lambda: not pane.view.sending, timeout=20000)
    assert len(sent) > 10 and sent[-2] == '{"op":"joined"}'
    assert json.loads(sent[-1])["op"] == "filter"
    shown = state(qtbot, pane.view)
    assert shown["places"] == len(data.places) and shown["markers"] == 1
