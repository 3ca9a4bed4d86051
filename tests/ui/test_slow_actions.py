"""The slow actions run on a worker: list export, Open Referral export and import, the map's
HTML export, quarter import (ui.progress.run_with_progress).

Each test drives the window's flow and checks that its result arrives, that the database
work of the action ran on another thread than the GUI thread (recorded by a real SQLAlchemy
event on the engine, not a mock), and that the GUI thread kept ticking meanwhile (a 10 ms
heartbeat QTimer; the worker is held until the heartbeat has beaten a few more times, so a
GUI thread blocked by the action could never let it go). A cancel through the progress
dialog's "Abbrechen" button leaves the database and the target file unchanged.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from sqlalchemy import event

from atlas.core import Atlas
from atlas.files import TMP_MARK
from atlas.geo.mapdata import MapService
from atlas.geo.quarters import QuarterService
from atlas.io import exporting, hsds, hsds_export, hsds_import
from atlas.progress import CANCELLED_MESSAGE
from tests.ui.conftest import Answers
from ui.geo_dialogs import QuarterImportDialog
from ui.main_window import MainWindow
from ui.progress import ProgressDialog

GUI = threading.get_ident()


class Heartbeat:
    """A 10 ms timer on the GUI thread; lets ``gate`` go after ``beats`` more beats."""

    def __init__(self) -> None:
        self.beats = 0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self._gates: list[tuple[int, threading.Event]] = []

    def _beat(self) -> None:
        self.beats += 1
        for at, gate in self._gates:
            if self.beats >= at:
                gate.set()

    def gate(self, beats: int) -> threading.Event:
        gate = threading.Event()
        self._gates.append((self.beats + beats, gate))
        return gate


@pytest.fixture
def heartbeat() -> Iterator[Heartbeat]:
    beat = Heartbeat()
    beat.timer.start()
    yield beat
    beat.timer.stop()


def hold(runner: Any, gate: threading.Event) -> dict[str, bool]:
    """Occupy the runner's worker until ``gate`` is set (at most 20 s)."""
    seen: dict[str, bool] = {}

    def wait() -> None:
        seen["released"] = gate.wait(20)

    runner.run(wait, lambda _result: None, owner=None)
    return seen


class QueryThreads:
    """The threads on which ``core`` (a core function) sent SQL to the database: a real
    SQLAlchemy event on the engine; a statement counts when ``core`` is on its call stack."""

    def __init__(self, atlas: Atlas, core: Callable[..., Any]) -> None:
        self.engine = atlas.sessions.kw["bind"]
        self.code = core.__code__
        self.threads: list[int] = []
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, *_args: Any) -> None:
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code is self.code:
                self.threads.append(threading.get_ident())
                return
            frame = frame.f_back  # type: ignore[assignment]

    def clear(self) -> None:
        self.threads.clear()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@contextlib.contextmanager
def sql_threads(atlas: Atlas, core: Callable[..., Any]) -> Iterator[QueryThreads]:
    watch = QueryThreads(atlas, core)
    try:
        yield watch
    finally:
        watch.close()


def when(condition: Callable[[], bool], action: Callable[[], None]) -> QTimer:
    """Run ``action`` on the GUI thread as soon as ``condition()`` holds — also while a flow
    waits for its worker in a nested event loop (polled every 20 ms; keep the timer)."""
    timer = QTimer()
    timer.setInterval(20)

    def poll() -> None:
        if condition():
            timer.stop()
            action()

    timer.timeout.connect(poll)
    timer.start()
    return timer


def progress_dialog(parent: QWidget) -> ProgressDialog | None:
    shown = [d for d in parent.findChildren(ProgressDialog) if d.isVisible()]
    return shown[0] if shown else None


def click_cancel(parent: QWidget, then: Callable[[], None] = lambda: None) -> QTimer:
    """Press "Abbrechen" in the progress dialog once it shows, then ``then()``."""

    def press() -> None:
        dialog = progress_dialog(parent)
        assert dialog is not None
        QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert dialog.label.text() == "Wird abgebrochen …" and not dialog.cancel_button.isEnabled()
        then()

    return when(lambda: progress_dialog(parent) is not None, press)


def institutions(atlas: Atlas, n: int) -> None:
    for i in range(n):
        atlas.institutions.save(
            None,
            {
                "name": f"Kita {i:03d}",
                "street": f"Weg {i}",
                "postcode": "46049",
                "lat": 51.47,
                "lon": 6.801 + i / 4000,
            },
        )


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TMP_MARK in p.name]


def quarters_file(tmp_path: Path, n: int = 6) -> Path:
    def square(lon1: float, lon2: float) -> dict[str, Any]:
        ring = [[lon1, 51.45], [lon2, 51.45], [lon2, 51.50], [lon1, 51.50], [lon1, 51.45]]
        return {"type": "Polygon", "coordinates": [ring]}

    features = [
        {
            "type": "Feature",
            "properties": {"name": f"Viertel {k}"},
            "geometry": square(6.80 + k / 100, 6.81 + k / 100),
        }
        for k in range(n)
    ]
    path = tmp_path / "viertel.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


class WriteLock:
    """Another program holds the database's write lock (``BEGIN IMMEDIATE``) until ``release``."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

        self.open = True

    def release(self) -> None:
        if self.open:
            self.open = False
            self.conn.execute("ROLLBACK")
            self.conn.close()


# -- each action on the worker, the window ticking ---------------------------------------------


def test_list_export_runs_on_the_worker_while_the_window_ticks(
    qtbot, window: MainWindow, atlas: Atlas, tmp_path: Path, heartbeat: Heartbeat
) -> None:  # type: ignore[no-untyped-def]
    institutions(atlas, 120)
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 120)
    target = tmp_path / "liste.xlsx"
    with sql_threads(atlas, exporting.export) as queries:
        held = hold(window.tasks, heartbeat.gate(5))
        summary = window.export_list(str(target))
    assert summary and "120 Einträge" in summary and target.stat().st_size > 0
    assert held == {"released": True}  # the heartbeat beat while the flow waited
    assert queries.threads and GUI not in queries.threads
    assert window.statusBar().currentMessage() == summary


def test_open_referral_export_and_import_run_on_the_worker(
    qtbot,
    workers,
    demo: Atlas,
    atlas: Atlas,
    settings,
    tmp_path: Path,
    answers: Answers,
    heartbeat: Heartbeat,
) -> None:  # type: ignore[no-untyped-def]
    source = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(source)
    package = tmp_path / "verzeichnis.zip"
    with sql_threads(demo, hsds_export.export_package) as queries:
        held = hold(source.tasks, heartbeat.gate(5))
        assert source.export_hsds(str(package)) is not None
    assert held == {"released": True}
    assert queries.threads and GUI not in queries.threads
    assert "Open-Referral-Paket (HSDS" in answers.warnings[-1]  # the summary, as a message

    target = MainWindow(atlas, "leer.sqlite", settings, workers=workers)
    qtbot.addWidget(target)
    heard: list[int] = []
    atlas.changes.subscribe(lambda _change: heard.append(threading.get_ident()))
    with sql_threads(atlas, hsds_import.import_package) as queries:
        held = hold(target.tasks, heartbeat.gate(5))
        message = target.import_hsds(str(package))
    assert message and "Open-Referral-Paket importiert" in message
    assert held == {"released": True}
    assert queries.threads and GUI not in queries.threads
    assert heard and GUI not in heard  # announced by the worker, heard by the window
    public = sum(1 for i in demo.institutions.list_ids() if demo.institutions.get(i).values["is_public"])
    assert atlas.institutions.count() == public
    section = target.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == public)  # the window heard the change


def test_the_map_export_reuses_the_data_the_pane_built_on_its_worker(
    qtbot, window: MainWindow, atlas: Atlas, tmp_path: Path, heartbeat: Heartbeat
) -> None:  # type: ignore[no-untyped-def]
    institutions(atlas, 30)
    pane = window.start_map()
    qtbot.waitUntil(lambda: pane.shown_data is not None and len(pane.shown_data.places) == 30, timeout=10000)
    # what the map shows is current: the export builds nothing again
    with sql_threads(atlas, MapService.data) as queries:
        held = hold(pane.tasks, heartbeat.gate(5))
        first = pane.export_html(str(tmp_path / "karte.html"))
    assert first is not None and "Kita 029" in first.read_text(encoding="utf-8")
    assert held == {"released": True}
    assert queries.threads == []
    # a change since: the data is built afresh, on the pane's worker
    atlas.institutions.save(None, {"name": "Neu am Markt", "lat": 51.48, "lon": 6.83})
    qtbot.waitUntil(lambda: pane.shown_data is None)  # the window heard the change: stale
    with sql_threads(atlas, MapService.data) as queries:
        second = pane.export_html(str(tmp_path / "karte2.html"))
    assert second is not None and "Neu am Markt" in second.read_text(encoding="utf-8")
    assert queries.threads and GUI not in queries.threads


def test_quarter_import_runs_on_the_worker(
    qtbot, window: MainWindow, atlas: Atlas, tmp_path: Path, answers: Answers, heartbeat: Heartbeat
) -> None:  # type: ignore[no-untyped-def]
    institutions(atlas, 40)
    path = quarters_file(tmp_path)
    state: dict[str, Any] = {}

    def import_it() -> None:
        dialog = next(d for d in window.findChildren(QuarterImportDialog) if d.isVisible())
        assert dialog.load(str(path))
        state["held"] = hold(window.tasks, heartbeat.gate(5))
        QTest.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        state["message"] = dialog.message.text()

    timer = when(lambda: any(d.isVisible() for d in window.findChildren(QuarterImportDialog)), import_it)
    with sql_threads(atlas, QuarterService.import_geojson) as queries:
        window.import_quarters()  # the modal dialog, until the import closes it
    timer.stop()
    assert state["held"] == {"released": True}
    assert state["message"].startswith("Quartiere importiert: 6 neu")
    assert answers.warnings[-1] == state["message"]
    assert queries.threads and GUI not in queries.threads
    assert atlas.quarters.count() == 6
    assert all(atlas.institutions.get(i).values["quarter_id"] for i in atlas.institutions.list_ids())


# -- cancel through the dialog's button --------------------------------------------------------


def test_a_cancelled_list_export_leaves_the_old_file(
    qtbot, window: MainWindow, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    institutions(atlas, 50)
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 50)
    target = tmp_path / "liste.csv"
    target.write_bytes(b"die alte Liste")
    fresh = tmp_path / "neu.csv"
    for path in (target, fresh):
        release = threading.Event()
        held = hold(window.tasks, release)  # the export waits behind this until "Abbrechen"
        timer = click_cancel(window, release.set)
        assert window.export_list(str(path)) is None
        timer.stop()
        assert held == {"released": True}
        assert window.statusBar().currentMessage() == CANCELLED_MESSAGE
    assert target.read_bytes() == b"die alte Liste"
    assert not fresh.exists() and leftovers(tmp_path) == []
    assert progress_dialog(window) is None


def test_a_cancelled_open_referral_export_writes_no_package(
    qtbot, workers, demo: Atlas, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(source)
    source.show()
    release = threading.Event()
    hold(source.tasks, release)
    timer = click_cancel(source, release.set)
    assert source.export_hsds(str(tmp_path / "verzeichnis.zip")) is None
    timer.stop()
    assert source.statusBar().currentMessage() == CANCELLED_MESSAGE
    assert list(tmp_path.glob("verzeichnis*")) == [] and leftovers(tmp_path) == []


def test_an_open_referral_import_cancelled_half_way_changes_nothing(
    qtbot, workers, demo: Atlas, atlas: Atlas, db_path: Path, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "verzeichnis.zip"
    hsds.export_package(demo, package)
    target = MainWindow(atlas, "leer.sqlite", settings, workers=workers)
    qtbot.addWidget(target)
    target.show()
    before = (atlas.institutions.count(), atlas.offers.count(), atlas.quarters.count())
    heard: list[object] = []
    atlas.changes.subscribe(heard.append)
    # Another program holds the write lock: the import reads the package and stops at its
    # first write, half-way (its progress shows), until the lock is let go after "Abbrechen".
    lock = WriteLock(db_path)
    try:
        shown: dict[str, int] = {}

        def half_way() -> bool:
            dialog = progress_dialog(target)
            if dialog is not None and dialog.bar.value() > 0:
                shown["value"] = dialog.bar.value()
                return True
            return False

        def press() -> None:
            dialog = progress_dialog(target)
            assert dialog is not None
            QTest.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
            lock.release()

        timer = when(half_way, press)
        assert target.import_hsds(str(package)) is None
        timer.stop()
    finally:
        lock.release()
    assert shown["value"] > 0
    assert target.statusBar().currentMessage() == CANCELLED_MESSAGE
    assert (atlas.institutions.count(), atlas.offers.count(), atlas.quarters.count()) == before
    assert heard == []


def test_a_quarter_import_cancelled_half_way_changes_nothing(
    qtbot, window: MainWindow, atlas: Atlas, db_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    institutions(atlas, 20)
    path = quarters_file(tmp_path)
    dialog = QuarterImportDialog(atlas, window, str(path), runner=window.tasks)
    dialog.show()
    lock = WriteLock(db_path)
    try:

        def press() -> None:
            shown = progress_dialog(dialog)
            assert shown is not None
            QTest.mouseClick(shown.cancel_button, Qt.MouseButton.LeftButton)
            lock.release()

        timer = when(lambda: (d := progress_dialog(dialog)) is not None and d.bar.value() > 0, press)
        assert dialog.run_import() is False
        timer.stop()
    finally:
        lock.release()
    assert dialog.message.text() == CANCELLED_MESSAGE
    assert dialog.isVisible()  # the person may try again
    assert atlas.quarters.count() == 0
    assert {atlas.institutions.get(i).values["quarter_id"] for i in atlas.institutions.list_ids()} == {None}
    dialog.close()


def test_the_progress_dialog_shows_what_is_going_on(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Title, the label as plain text, a bar that follows the worker's progress."""
    from ui.progress import run_with_progress

    release = threading.Event()
    seen: dict[str, Any] = {}

    def work(ticket: Any) -> str:
        ticket.progress(0, 10)
        for n in range(1, 4):
            ticket.progress(n, 10)
        release.wait(20)
        return "fertig"

    def look() -> None:
        dialog = progress_dialog(window)
        assert dialog is not None
        seen["title"] = dialog.windowTitle()
        seen["bar"] = (dialog.bar.value(), dialog.bar.maximum())
        seen["label"] = dialog.label.text()
        release.set()

    timer = when(
        lambda: (d := progress_dialog(window)) is not None and d.bar.value() == 3,
        look,
    )
    result = run_with_progress(
        window.tasks, work, window, "Exportieren", "<b>150 Einträge</b> nach „a.csv“ …"
    )
    timer.stop()
    assert result == "fertig"
    assert seen == {"title": "Exportieren", "bar": (3, 10), "label": "<b>150 Einträge</b> nach „a.csv“ …"}
    qtbot.waitUntil(lambda: progress_dialog(window) is None)
