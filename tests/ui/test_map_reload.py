"""The map's data is built on the database worker; changes that come faster than it is
built (a geocoding batch applies an answer every few hundred ms) must not pile up reloads
there, where each would hold up every later query (a report's, a list's)."""

from __future__ import annotations

import json
import threading

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from sqlalchemy import func, select

from atlas import models as m
from atlas.core import Atlas
from tests.ui.test_map import js, open_window, state
from ui.map import view as view_module


def map_with_data(qtbot, workers, atlas: Atlas, settings: QSettings, idle: bool = False):  # type: ignore[no-untyped-def]
    """The window on ``atlas`` with no base map, once its map shows the data (sent whole to
    the page; with ``idle``, also nothing left on the database worker)."""
    settings.setValue("map/base", "none")
    window = open_window(qtbot, workers, atlas, settings)
    pane = window.map
    assert pane is not None

    def done() -> bool:
        settled = workers.database.pending() == 0 if idle else not pane.view.sending
        return pane.shown_data is not None and settled

    qtbot.waitUntil(done, timeout=20000)
    return window, pane


def test_reloads_asked_while_one_is_built_wait_for_it_as_one(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:
    _window, pane = map_with_data(qtbot, workers, demo, settings, idle=True)
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
    _window, pane = map_with_data(qtbot, workers, demo, settings, idle=True)
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
    window, pane = map_with_data(qtbot, workers, demo, settings)
    # the map follows the list 400 ms after it settles: that filter first, not among the parts
    qtbot.waitUntil(lambda: not window.map_follower.is_following(), timeout=10000)
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


def without_coordinates(atlas: Atlas) -> int:
    with atlas.sessions() as session:
        stmt = select(func.count()).select_from(m.Institution).where(m.Institution.lat.is_(None))
        return session.scalar(stmt) or 0


def page_place(qtbot, pane, place_id: int) -> dict | None:  # type: ignore[no-untyped-def]
    return json.loads(js(qtbot, pane.view, f"JSON.stringify(AtlasMap.place({int(place_id)}))"))


def test_a_change_naming_a_few_institutions_sends_only_their_places(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:
    """A geocoding batch applies an answer a second; each reload of the whole data cost
    the worker ~0.5 s at 10,000 institutions. A saved institution or a geocoding answer
    names its institution: the page gets that one place, the others stay."""
    _window, pane = map_with_data(qtbot, workers, demo, settings)
    places = pane.shown_data.places
    before = state(qtbot, pane.view)
    loads = pane._generation
    first, second = places[0], places[1]
    record = demo.institutions.get(first["id"])
    moved = {**record.values, "name": "Verschoben <b>&</b>", "lat": first["lat"] + 0.001}
    demo.institutions.save(record.id, moved, expected_version=record.version)
    qtbot.waitUntil(
        lambda: (page_place(qtbot, pane, first["id"]) or {}).get("name") == moved["name"], timeout=10000
    )
    shown = page_place(qtbot, pane, first["id"])
    assert shown == {"name": moved["name"], "lat": round(moved["lat"], 6), "lon": first["lon"], "shown": True}
    assert pane._generation == loads  # no reload of the whole data
    assert state(qtbot, pane.view)["places"] == before["places"]

    # an institution that loses its pin leaves the map, and the count under it grows
    record = demo.institutions.get(second["id"])
    demo.institutions.save(
        record.id, {**record.values, "lat": None, "lon": None}, expected_version=record.version
    )
    qtbot.waitUntil(lambda: page_place(qtbot, pane, second["id"]) is None, timeout=10000)
    assert pane._generation == loads
    assert state(qtbot, pane.view)["places"] == before["places"] - 1
    qtbot.waitUntil(lambda: pane.missing.isVisibleTo(pane), timeout=5000)
    assert f"{without_coordinates(demo)} Einrichtungen noch nicht auf der Karte" in pane.missing.text()


def test_a_place_sent_alone_keeps_the_list_filter(  # type: ignore[no-untyped-def]
    qtbot, workers, demo: Atlas, settings: QSettings
) -> None:
    """The map shows what the list shows: a place sent alone that the list does not show
    stays off the map."""
    window, pane = map_with_data(qtbot, workers, demo, settings)
    first = pane.shown_data.places[0]
    word = first["name"].split()[-1]
    section = window.current_section()
    assert section is not None and section.spec.key == "institution"
    section.search.setFocus()
    QTest.keyClicks(section.search, word)  # the person searches the list
    qtbot.waitUntil(
        lambda: not window.map_follower.is_following() and not section.is_searching(), timeout=10000
    )
    qtbot.waitUntil(lambda: state(qtbot, pane.view)["markers"] < len(pane.shown_data.places), timeout=10000)
    markers = state(qtbot, pane.view)["markers"]
    listed = set(section.model.ids())
    other = next(p for p in pane.shown_data.places if p["id"] not in listed)
    loads = pane._generation
    record = demo.institutions.get(other["id"])
    demo.institutions.save(record.id, {**record.values, "name": "Außerhalb"}, expected_version=record.version)
    qtbot.waitUntil(
        lambda: (page_place(qtbot, pane, other["id"]) or {}).get("name") == "Außerhalb", timeout=10000
    )
    qtbot.waitUntil(
        lambda: not window.map_follower.is_following() and not section.is_searching(), timeout=10000
    )
    assert page_place(qtbot, pane, other["id"])["shown"] is False  # not in the list: not on the map
    assert state(qtbot, pane.view)["markers"] == markers
    assert pane._generation == loads
