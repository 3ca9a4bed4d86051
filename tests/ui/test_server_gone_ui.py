"""The team server goes away while a coach types (issue 13, "Server gone"): the window says
"Teamserver nicht erreichbar", Speichern keeps her input and offers "Erneut versuchen" /
"Später", and once the server is back the same click saves and the list shows it; the
lists, the overview and the map say it without a dialog each and fill again when the
server is back. No traceback: pytest-qt fails a test on an exception that escapes a slot.

A real server that really stops (a private cluster of its own, ``tests/team_support.py``,
stopped and started again on the same port); the shared test server is never stopped.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from atlas.core import Atlas
from tests.team_support import Cluster
from tests.test_server_gone import coach, server, team  # noqa: F401  (fixtures)
from tests.ui.conftest import office_window
from ui.main_window import MainWindow
from ui.section import SectionWidget
from ui.workers import Workers

LEFT = Qt.MouseButton.LeftButton


# pytest-xdist (./dev test): its private cluster (a module fixture) is started once, on one worker.
pytestmark = pytest.mark.xdist_group("server_gone_ui")


def listed(section: SectionWidget) -> list[str]:
    model = section.model
    return [str(model.index(r, 0, QModelIndex()).data()) for r in range(model.rowCount())]


def go_to(qtbot, window: MainWindow, label: str) -> None:  # type: ignore[no-untyped-def]
    """Click a page in the navigation, as she does."""
    item = window.nav.findItems(label, Qt.MatchFlag.MatchStartsWith)[0]
    QTest.mouseClick(window.nav.viewport(), LEFT, pos=window.nav.visualItemRect(item).center())


def answer(press: str, look: Callable[[QMessageBox], None]) -> list[QMessageBox]:
    """When the next modal message box is open: ``look`` at it, then click ``press``."""
    seen: list[QMessageBox] = []

    def find() -> None:
        box = QApplication.activeModalWidget() or next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None
        )
        if not isinstance(box, QMessageBox) or not box.isVisible():
            QTimer.singleShot(20, find)
            return
        seen.append(box)
        look(box)
        button = next((b for b in box.buttons() if b.text() == press), None)
        if button is None:  # not the box expected: closed, so the test fails instead of hanging
            box.reject()
            return
        QTest.mouseClick(button, LEFT)

    QTimer.singleShot(0, find)
    return seen


def unreachable_label(window: MainWindow) -> QLabel:
    label = window.server_unreachable
    assert isinstance(label, QLabel)
    return label


def test_a_save_while_the_server_is_gone_keeps_the_input_and_saves_when_it_is_back(
    coach: Atlas,  # noqa: F811
    team: Cluster,  # noqa: F811
    qtbot,
    workers: Workers,
    settings,
) -> None:  # type: ignore[no-untyped-def]
    coach.institutions.save(None, {"name": "Kita Sonnenschein", "city": "Oberhausen"})
    window = office_window(qtbot, workers, coach, settings, name="Teamserver")
    label = unreachable_label(window)
    assert coach.live is not None
    state = workers.listen(coach.live)
    qtbot.waitUntil(lambda: state.last is True, timeout=10_000)
    assert not label.isVisible()

    go_to(qtbot, window, "Einrichtungen")
    section = window.section("institution")
    qtbot.waitUntil(lambda: listed(section) == ["Kita Sonnenschein"])
    window.new_record()  # Datei → Neu: the cursor is in the first field
    form = section.form
    name = form.editors["name"].focus_widget()
    assert window.focusWidget() is name
    QTest.keyClicks(name, "Stadtteilladen Tackenberg")  # (QTest types ASCII only)
    assert form.is_dirty()

    # the server goes away; the window says so within a few seconds
    team.stop("fast")
    qtbot.waitUntil(label.isVisible, timeout=10_000)
    assert label.text() == "Teamserver nicht erreichbar – neuer Versuch läuft …"

    # Speichern: the German message, "Erneut versuchen" / "Später"; later: nothing lost
    texts: list[tuple[str, str, list[str]]] = []

    def read(box: QMessageBox) -> None:
        texts.append((box.windowTitle(), box.text(), sorted(b.text() for b in box.buttons())))
        box.grab().save("/tmp/server_gone_box.png")

    seen = answer("Später", read)
    QTest.mouseClick(form.save_button, LEFT)
    assert len(seen) == 1
    assert texts == [
        (
            "Teamserver nicht erreichbar",
            "Der Teamserver ist gerade nicht erreichbar. Ihre Eingaben sind noch da – "
            "bitte gleich noch einmal versuchen.",
            ["Erneut versuchen", "Später"],
        )
    ]
    assert seen[0].textFormat() == Qt.TextFormat.PlainText
    assert form.is_dirty() and form.save_button.isEnabled()
    assert form.editors["name"].value() == "Stadtteilladen Tackenberg"
    assert form.record is None  # still a new record

    # Speichern again; meanwhile the server is back: "Erneut versuchen" saves
    def back(box: QMessageBox) -> None:
        team.start()

    seen = answer("Erneut versuchen", back)
    QTest.mouseClick(form.save_button, LEFT)
    assert len(seen) == 1
    assert not form.is_dirty() and form.record is not None
    assert coach.institutions.get(form.record.id).values["name"] == "Stadtteilladen Tackenberg"
    qtbot.waitUntil(lambda: "Stadtteilladen Tackenberg" in listed(section), timeout=5000)
    # and the status goes away again (the listener is connected anew)
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=10_000)
    window.grab().save("/tmp/server_gone_window.png")


class BoxWatch:
    """Every message box that opens meanwhile: its text noted, and closed (a modal box
    nobody closes would hang the test instead of failing it)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._look)
        self.timer.start(30)

    def _look(self) -> None:
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.isVisible():
                self.texts.append(box.text())
                box.reject()

    def stop(self) -> None:
        self.timer.stop()


def test_lists_overview_and_map_say_it_without_a_dialog_each_and_fill_again_when_it_is_back(
    coach: Atlas,  # noqa: F811
    team: Cluster,  # noqa: F811
    qtbot,
    workers: Workers,
    settings,
) -> None:  # type: ignore[no-untyped-def]
    coach.institutions.save(None, {"name": "Kita Sonnenschein", "city": "Oberhausen"})
    window = office_window(qtbot, workers, coach, settings, name="Teamserver")
    label = unreachable_label(window)
    assert coach.live is not None
    state = workers.listen(coach.live)
    qtbot.waitUntil(lambda: state.last is True, timeout=10_000)
    pane = window.start_map()
    qtbot.waitUntil(lambda: pane.shown_data is not None, timeout=30_000)
    go_to(qtbot, window, "Einrichtungen")
    section = window.section("institution")
    qtbot.waitUntil(lambda: listed(section) == ["Kita Sonnenschein"])

    team.stop("immediate")  # cut: no goodbye to the connections
    qtbot.waitUntil(label.isVisible, timeout=10_000)
    watch = BoxWatch()
    try:
        # a typed search (on the worker) meets the lost server: said under the list, no dialog
        section.search_later()
        qtbot.waitUntil(lambda: not section.is_searching(), timeout=10_000)
        assert section.count_label.text() == "Liste nicht aktuell – Teamserver nicht erreichbar"
        assert listed(section) == ["Kita Sonnenschein"]  # the rows stay
        # a refresh on the GUI thread (a short list) says the same
        section.refresh()
        assert section.count_label.text() == "Liste nicht aktuell – Teamserver nicht erreichbar"
        # the map's data: said under the map
        pane.reload()
        qtbot.waitUntil(lambda: not pane.loading, timeout=10_000)
        assert pane.missing.text() == "Karte nicht aktuell – Teamserver nicht erreichbar"
        window.grab().save("/tmp/server_gone_lists.png")
        # the overview (computed on the worker) says it on its page
        go_to(qtbot, window, "Netzwerk-Übersicht")
        dashboard = window.dashboard
        assert dashboard is not None
        qtbot.waitUntil(lambda: not dashboard.busy, timeout=10_000)
        assert dashboard.status.text() == "Übersicht nicht aktuell – Teamserver nicht erreichbar"
        assert watch.texts == []  # not one dialog so far
        # a page never opened before cannot be built: this click is answered once
        go_to(qtbot, window, "Kontakte")
        qtbot.waitUntil(lambda: bool(watch.texts))
        assert watch.texts == [
            "Der Teamserver ist gerade nicht erreichbar. Ihre Eingaben sind noch da – "
            "bitte gleich noch einmal versuchen."
        ]
        assert window.current_section() is None and window.stack.currentWidget() is dashboard
        assert window.nav.currentItem().text() == "Netzwerk-Übersicht"
        assert [i.text() for i in window.nav.selectedItems()] == ["Netzwerk-Übersicht"]
    finally:
        watch.stop()

    # back: right after the restart the record is renamed without any notification (the
    # listener's reconnect is the only news): the window reads everything again
    team.start()
    team.admin("UPDATE institution SET name = 'Kita Sonnenschein gGmbH'", database=team.database)
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: dashboard.status.text() == "", timeout=10_000)  # shown: recomputed
    qtbot.waitUntil(lambda: pane.missing.text() != "Karte nicht aktuell – Teamserver nicht erreichbar")
    go_to(qtbot, window, "Einrichtungen")
    qtbot.waitUntil(lambda: listed(section) == ["Kita Sonnenschein gGmbH"], timeout=5000)
    assert section.count_label.text() == "1 Einrichtung"
    go_to(qtbot, window, "Kontakte")  # opens now
    assert window.current_section() is window.section("contact")
