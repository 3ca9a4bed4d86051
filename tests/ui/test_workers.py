"""The one worker layer (ui.workers.Workers): jobs announce their changes on ``atlas.changes``
from the thread that wrote, and the window's lists, map and open form follow; a job whose
widget is gone is dropped; the program waits for its runners at the end."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QWidget

from atlas.core import Atlas
from tests.fake_nominatim import found, running
from tests.import_support import HEADER, write_csv
from tests.ui.test_geo_ui import AGENT, use
from tests.ui.test_import_wizard import check, run_import
from tests.ui.test_map import open_window, state, wait_markers, with_coordinates
from ui.import_wizard import ImportWizard
from ui.workers import Workers

QUARTER_COLUMN = 2  # Name, Kategorie, Quartier, …


@pytest.fixture
def offline_settings(settings: QSettings) -> QSettings:
    settings.setValue("map/base", "none")
    return settings


def test_a_wizard_import_reloads_the_list_the_map_and_the_open_form(
    qtbot,
    workers: Workers,
    atlas: Atlas,
    offline_settings: QSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_config_path", lambda *a, **k: tmp_path / "config")
    kita = atlas.institutions.save(
        None,
        {"name": "Kita Sonnenschein", "street": "Lange Straße 3", "postcode": "01067", "city": "Dresden"},
    ).id
    window = open_window(qtbot, workers, atlas, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    wait_markers(qtbot, view, 0)
    window.open_record("institution", kita)
    section = window.section("institution")
    form = section.form
    assert form.editors["carrier"].edit.text() == ""
    heard: list[str] = []
    atlas.changes.subscribe(lambda _change: heard.append(threading.current_thread().name))
    path = write_csv(
        tmp_path / "liste.csv",
        [
            [
                "Kita Sonnenschein",
                "Neuer Träger",
                "Lange Straße",
                "3",
                "01067",
                "Dresden",
                "",
                "",
                "",
                "",
                "",
            ],
            ["Stadtteilbüro", "", "Marktstraße", "1", "46045", "Oberhausen", "", "", "", "51,4712", "6,8523"],
        ],
        header=[*HEADER, "Breitengrad", "Längengrad"],
    )
    wizard = window.import_list(str(path))
    assert isinstance(wizard, ImportWizard)
    qtbot.waitUntil(lambda: wizard.table is not None, timeout=10000)
    plan = check(qtbot, wizard)
    assert len(plan.duplicates) == 1
    wizard.set_default_choice("merge")
    result = run_import(qtbot, wizard)
    assert (result.created, result.merged) == (1, 1)
    # announced by the core on the database worker, not held back for the GUI thread
    assert heard and threading.main_thread().name not in heard
    qtbot.waitUntil(lambda: section.model.rowCount() == 2, timeout=5000)  # the list
    qtbot.waitUntil(lambda: form.editors["carrier"].edit.text() == "Neuer Träger", timeout=5000)  # the form
    wait_markers(qtbot, view, 1)  # the map: the new place with its pin
    assert view.bridge.errors == []


def test_a_geocoding_batch_reloads_the_list_the_map_and_the_open_form(
    qtbot, workers: Workers, demo: Atlas, offline_settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    with running() as server:
        server.default = found((51.4801, 6.8605))
        offline_settings.setValue("geocoder/url", server.url)
        offline_settings.setValue("geocoder/user_agent", AGENT)
        window = open_window(qtbot, workers, demo, offline_settings)
        use(demo, server.url)
        view = window.map.view  # type: ignore[union-attr]
        before = with_coordinates(demo)
        wait_markers(qtbot, view, before)
        missing = [i for i, _n, address in demo.geocoding.selection() if address]
        pending = next(i for i in missing if demo.institutions.get(i).values.get("quarter_id") is None)
        window.open_record("institution", pending)
        section = window.section("institution")
        row = section.model.row_of(pending)
        assert row is not None
        assert section.model.index(row, QUARTER_COLUMN).data() in ("", None)
        assert section.form.place is not None
        assert section.form.place.text().startswith("noch nicht verortet")
        announced_on: set[int] = set()
        demo.changes.subscribe(lambda _change: announced_on.add(threading.get_ident()))
        dialog = window.geocode_missing()
        with qtbot.waitSignal(dialog.finished_report, timeout=30000):
            dialog.start()
        assert dialog.report is not None and pending in dialog.report.changed_ids
        # the answers were written (and announced) on the database worker, in its order
        database_thread: list[int] = []
        workers.database.run(threading.get_ident, database_thread.append, owner=None)
        qtbot.waitUntil(lambda: bool(database_thread), timeout=5000)
        assert announced_on == set(database_thread)
        # the service announced each answer itself; nobody calls "announce" any more
        qtbot.waitUntil(lambda: section.form.place.text() == "verortet (aus der Adresse)", timeout=5000)  # type: ignore[union-attr]
        row = section.model.row_of(pending)
        assert row is not None
        qtbot.waitUntil(lambda: bool(section.model.index(row, QUARTER_COLUMN).data()), timeout=5000)
        after = with_coordinates(demo)
        assert after > before
        wait_markers(qtbot, view, after)
        assert state(qtbot, view)["markers"] == after


def test_a_job_whose_widget_is_gone_is_dropped_and_its_progress_too(qtbot, workers: Workers) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    owner = QWidget()
    steps: list[int] = []
    outcomes: list[object] = []
    report = workers.background.reporter(steps.append, owner=owner)

    def job() -> str:
        report(1)
        gate.wait(10)
        report(2)  # the owner is gone by now: the runner's own signal carries it, to nobody
        return "fertig"

    workers.background.run(job, outcomes.append, outcomes.append, owner=owner)
    qtbot.waitUntil(lambda: steps == [1], timeout=5000)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner), timeout=5000)
    gate.set()
    # the second step was queued before the outcome, on the same signal's object: in order
    qtbot.waitUntil(lambda: workers.background.pending() == 0, timeout=5000)
    assert steps == [1] and outcomes == []
    # a living owner hears both
    alive = QObject()
    workers.background.run(lambda: 42, outcomes.append, owner=alive)
    qtbot.waitUntil(lambda: outcomes == [42], timeout=5000)


def test_a_job_can_hand_a_write_to_the_database_worker_and_wait_for_it(qtbot, workers: Workers) -> None:  # type: ignore[no-untyped-def]
    """``call`` runs a function on another runner and waits for its result: the geocoding
    batch waits for the network on the background worker and writes on the database worker."""
    seen: list[object] = []

    def fails() -> None:
        raise ValueError("kaputt")

    def job() -> tuple[int, int, int, str]:
        here = threading.get_ident()
        there = workers.database.call(threading.get_ident)
        try:
            workers.database.call(fails)
        except ValueError as err:  # raised again on the caller's thread
            return here, there, workers.database.call(lambda: 6 * 7), str(err)
        raise AssertionError("the error was lost")

    workers.background.run(job, seen.append, seen.append, owner=None)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    here, there, answer, error = seen[0]  # type: ignore[misc]
    assert here != there and answer == 42 and error == "kaputt"
    with pytest.raises(AssertionError, match="GUI thread"):
        workers.database.call(lambda: None)  # the GUI thread never waits for a worker


def test_shutdown_stops_long_jobs_and_waits_for_them(qtbot, workers: Workers) -> None:  # type: ignore[no-untyped-def]
    event = threading.Event()
    cancelled = workers.cancelled(event)
    ended: list[bool] = []

    def long_job() -> None:
        while not cancelled():
            threading.Event().wait(0.01)
        ended.append(True)

    workers.background.run(long_job, lambda _r: None, owner=None)
    assert not cancelled()
    assert workers.shutdown(5000)
    assert ended == [True]


def test_the_map_page_is_built_on_the_background_worker(
    qtbot, workers: Workers, atlas: Atlas, offline_settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from ui.map import pane, view

    built_on: list[str] = []
    real = view.map_page_html

    def building() -> bytes:
        built_on.append(threading.current_thread().name)
        return real()

    monkeypatch.setattr(pane, "map_page_html", building)
    handler, _guard = view.profile_parts()
    monkeypatch.setattr(handler, "page_html", b"")  # as on the program's first start
    window = open_window(qtbot, workers, atlas, offline_settings)  # waits for the page's ready()
    assert len(built_on) == 1 and built_on[0] != threading.main_thread().name
    wait_markers(qtbot, window.map.view, 0)  # type: ignore[union-attr]
    assert window.map.view.bridge.errors == []  # type: ignore[union-attr]
