"""The offline copy in the window (issue 14): taken through the menu, brought back through
the review dialog with clicks, undone with Strg+Z as one step; plain text; the title bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QLabel, QRadioButton, QTreeWidgetItem, QWidget

from atlas.core import Atlas
from atlas.text import format_date
from db.travel import make_copy, open_copy
from tests.travel_support import laptop, take
from tests.ui.conftest import office_window
from ui.flows.travel import TravelFiles
from ui.main_window import MainWindow
from ui.travel_dialog import TakeDialog
from ui.travel_review import ReviewDialog
from ui.workers import Workers

SHOTS = Path("/tmp")
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def office(qtbot, atlas: Atlas, settings: QSettings, workers: Workers, db_url: str) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    window = office_window(qtbot, workers, atlas, settings)
    window.travel_files = TravelFiles(make_copy, open_copy, source=db_url)
    yield window


def _click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def _dialog(qtbot, window: MainWindow, kind: type[Any]) -> Any:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(kind)), timeout=15000)
    return next(d for d in window.findChildren(kind) if d.isVisible())


def _take_through_menu(qtbot, window: MainWindow, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.actions_by_name["travel_take"].trigger()
    dialog: TakeDialog = _dialog(qtbot, window, TakeDialog)
    assert dialog.everything.isChecked()  # "alles" by default
    assert dialog.target.text().endswith("Unterwegs-Kopie-2026-11-16.sqlite")
    _click(dialog.choose)  # the operating system's save dialog (answered above)
    assert dialog.target.text() == str(target)
    dialog.grab().save(str(SHOTS / "travel_take.png"))
    _click(dialog.ok)
    qtbot.waitUntil(lambda: "gespeichert" in window.statusBar().currentMessage(), timeout=30000)
    assert target.is_file()


def _bring_back_through_menu(
    qtbot, window: MainWindow, path: Path, monkeypatch: pytest.MonkeyPatch
) -> ReviewDialog:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.actions_by_name["travel_bring_back"].trigger()
    return _dialog(qtbot, window, ReviewDialog)  # type: ignore[no-any-return]


def _radio(dialog: ReviewDialog, row: int, text: str) -> QRadioButton:
    holder = dialog.conflicts.cellWidget(row, 5)
    return next(b for b in holder.findChildren(QRadioButton) if b.text() == text)


def _edit(atlas: Atlas, inst_id: int, **values: Any) -> None:
    record = atlas.institutions.get(inst_id)
    atlas.institutions.save(inst_id, {**record.values, **values}, expected_version=record.version)


def test_take_change_both_sides_choose_the_office_and_undo_in_one_step(
    qtbot,
    office: MainWindow,
    atlas: Atlas,
    network: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "laptop.sqlite"
    _take_through_menu(qtbot, office, copy, monkeypatch)
    message = office.statusBar().currentMessage()
    assert "2 Einrichtungen" in message and "alles" in message and "selben Programm" in message
    inst = network["inst"].id
    with laptop(copy) as lap:  # at the event
        _edit(lap, inst, phone="0208 222", notes="Beim Fest getroffen")
        lap.institutions.save(None, {"name": "Neues Café"})
    _edit(atlas, inst, phone="0208 111")  # meanwhile in the office

    dialog = _bring_back_through_menu(qtbot, office, copy, monkeypatch)
    office.resize(1366, 768)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    table = dialog.conflicts
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(1, 5)] == ["Telefon", "0208 111", "0208 222", "(leer)"]
    assert _radio(dialog, 0, "Unterwegs").isChecked()  # the default
    assert "Einrichtungen: 1 neu, 1 geändert" in dialog.summary.text()
    dialog.grab().save(str(SHOTS / "travel_review.png"))
    _click(_radio(dialog, 0, "Büro"))
    assert _radio(dialog, 0, "Büro").isChecked()
    _click(dialog.apply_button)
    qtbot.waitUntil(lambda: "zurückgeführt" in office.statusBar().currentMessage(), timeout=15000)
    now = atlas.institutions.get(inst).values
    assert now["phone"] == "0208 111" and now["notes"] == "Beim Fest getroffen"
    assert atlas.institutions.list_ids("Neues Café")
    assert office.undo_stack.count() == 1

    section = office.section("institution")
    office.activateWindow()  # the review dialog has gone: the window has the keys again
    qtbot.waitUntil(office.isActiveWindow)
    section.table.setFocus()
    QTest.keyClick(section.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not atlas.institutions.list_ids("Neues Café"), timeout=15000)
    qtbot.waitUntil(lambda: "rückgängig" in office.statusBar().currentMessage(), timeout=15000)
    back = atlas.institutions.get(inst).values
    assert back["phone"] == "0208 111" and back["notes"] in (None, "")
    # and the same copy can be brought back again
    again = _bring_back_through_menu(qtbot, office, copy, monkeypatch)
    assert again.conflicts.rowCount() == 1
    again.reject()


def test_a_copy_brought_back_twice_says_there_is_nothing(
    qtbot,
    office: MainWindow,
    atlas: Atlas,
    network: dict[str, Any],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "unverändert.sqlite"
    take(atlas, db_url, copy)
    dialog = _bring_back_through_menu(qtbot, office, copy, monkeypatch)
    assert "Keine Änderungen – die Kopie ist schon zurückgeführt." in dialog.intro.text()
    assert dialog.apply_button.text() == "Schließen" and not dialog.cancel_button.isVisible()
    dialog.grab().save(str(SHOTS / "travel_review_empty.png"))
    _click(dialog.apply_button)
    assert not dialog.isVisible() and office.undo_stack.count() == 0


def test_hostile_text_is_shown_literally_in_the_review(
    qtbot,
    office: MainWindow,
    atlas: Atlas,
    network: dict[str, Any],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "feindlich.sqlite"
    take(atlas, db_url, copy)
    inst = network["inst"].id
    with laptop(copy) as lap:
        _edit(lap, inst, notes=HOSTILE, carrier="<b>x</b>")
        lap.institutions.save(None, {"name": "<i>Kursiv</i>"})
    _edit(atlas, inst, notes="Im Büro")
    dialog = _bring_back_through_menu(qtbot, office, copy, monkeypatch)
    assert dialog.conflicts.item(0, 3).text() == HOSTILE
    texts: list[str] = []

    def walk(item: QTreeWidgetItem) -> None:
        texts.append(item.text(0))
        for i in range(item.childCount()):
            walk(item.child(i))

    for i in range(dialog.tree.topLevelItemCount()):
        walk(dialog.tree.topLevelItem(i))
    assert "Einrichtung „<i>Kursiv</i>“" in texts
    assert any("<b>x</b>" in t for t in texts)
    for label in dialog.findChildren(QLabel):
        if label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    dialog.grab().save(str(SHOTS / "travel_review_hostile.png"))
    dialog.reject()


def test_a_copy_says_so_in_the_title_bar(
    qtbot, atlas: Atlas, db_url: str, tmp_path: Path, settings: QSettings, workers: Workers
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "laptop.sqlite"
    info = take(atlas, db_url, copy)
    office = office_window(qtbot, workers, atlas, settings)
    day = format_date(info.taken_at.replace(tzinfo=dt.UTC).astimezone().date())
    with laptop(copy) as lap:
        window = office_window(qtbot, workers, lap, settings, name=str(copy))
        expected = f"Unterwegs-Kopie vom {day}"
        qtbot.waitUntil(lambda: expected in window.windowTitle(), timeout=10000)
        assert window.windowTitle() == f"Stadtteil-Atlas – {expected}"
        workers.database.wait()
        assert "Unterwegs" not in office.windowTitle()
        window.close()
        workers.database.wait()


def test_deleted_at_the_event_and_changed_in_the_office_is_asked_and_can_be_deleted(
    qtbot,
    office: MainWindow,
    atlas: Atlas,
    network: dict[str, Any],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "gelöscht.sqlite"
    take(atlas, db_url, copy)
    offer = network["other_offer"]
    with laptop(copy) as lap:
        lap.offers.delete(offer.id)
    record = atlas.offers.get(offer.id)
    atlas.offers.save(offer.id, {**record.values, "schedule": "montags"}, expected_version=record.version)
    dialog = _bring_back_through_menu(qtbot, office, copy, monkeypatch)
    table = dialog.conflicts
    assert [table.item(0, c).text() for c in range(0, 4)] == [
        "Angebot „Bewerbungstraining“",
        "unterwegs gelöscht",
        "geändert: Zeiten",
        "gelöscht",
    ]
    assert _radio(dialog, 0, "Behalten").isChecked()  # the default
    dialog.grab().save(str(SHOTS / "travel_review_deleted.png"))
    _click(_radio(dialog, 0, "Löschen"))
    _click(dialog.apply_button)
    qtbot.waitUntil(lambda: "zurückgeführt" in office.statusBar().currentMessage(), timeout=15000)
    assert offer.id not in atlas.offers.list_ids("")
