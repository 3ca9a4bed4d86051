"""The offline copy in the window (issue 14): taken through the menu, brought back through
the review dialog with clicks, undone with Strg+Z as one step; plain text; the title bar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QTreeWidgetItem

from atlas.core import Atlas
from atlas.text import format_date
from tests.travel_support import laptop, take
from tests.ui.conftest import office_window
from tests.ui.travel_ui_support import SHOTS, Scene, click, edit, radio, scene_fixture  # noqa: F401  (the fixture)
from ui.workers import Workers

HOSTILE = "<img src=x onerror=alert(1)>"


def test_take_change_both_sides_choose_the_office_and_undo_in_one_step(scene: Scene) -> None:
    qtbot, office, atlas = scene.qtbot, scene.office, scene.atlas
    copy = scene.tmp_path / "laptop.sqlite"
    scene.take_through_menu(copy)
    message = office.statusBar().currentMessage()
    assert "2 Einrichtungen" in message and "alles" in message and "selben Programm" in message
    inst = scene.network["inst"].id
    with laptop(copy) as lap:  # at the event
        edit(lap, inst, phone="0208 222", notes="Beim Fest getroffen")
        lap.institutions.save(None, {"name": "Neues Café"})
    edit(atlas, inst, phone="0208 111")  # meanwhile in the office

    dialog = scene.bring_back(copy)
    office.resize(1366, 768)
    assert dialog.width() <= 1366 and dialog.height() <= 768
    table = dialog.conflicts
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in range(1, 5)] == ["Telefon", "0208 111", "0208 222", "(leer)"]
    assert radio(dialog, 0, "Unterwegs").isChecked()  # the default
    assert "Einrichtungen: 1 neu, 1 geändert" in dialog.summary.text()
    dialog.grab().save(str(SHOTS / "travel_review.png"))
    click(radio(dialog, 0, "Büro"))
    assert radio(dialog, 0, "Büro").isChecked()
    click(dialog.apply_button)
    scene.status_says("zurückgeführt")
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
    scene.status_says("rückgängig")
    back = atlas.institutions.get(inst).values
    assert back["phone"] == "0208 111" and back["notes"] in (None, "")
    # and the same copy can be brought back again
    again = scene.bring_back(copy)
    assert again.conflicts.rowCount() == 1
    again.reject()


def test_a_copy_brought_back_twice_says_there_is_nothing(scene: Scene) -> None:
    dialog = scene.bring_back(scene.take("unverändert.sqlite"))
    assert "Keine Änderungen – die Kopie ist schon zurückgeführt." in dialog.intro.text()
    assert dialog.apply_button.text() == "Schließen" and not dialog.cancel_button.isVisible()
    dialog.grab().save(str(SHOTS / "travel_review_empty.png"))
    click(dialog.apply_button)
    assert not dialog.isVisible() and scene.office.undo_stack.count() == 0


def test_hostile_text_is_shown_literally_in_the_review(scene: Scene) -> None:
    copy = scene.take("feindlich.sqlite")
    inst = scene.network["inst"].id
    with laptop(copy) as lap:
        edit(lap, inst, notes=HOSTILE, carrier="<b>x</b>")
        lap.institutions.save(None, {"name": "<i>Kursiv</i>"})
    edit(scene.atlas, inst, notes="Im Büro")
    dialog = scene.bring_back(copy)
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


def test_deleted_at_the_event_and_changed_in_the_office_is_asked_and_can_be_deleted(scene: Scene) -> None:
    atlas = scene.atlas
    copy = scene.take("gelöscht.sqlite")
    offer = scene.network["other_offer"]
    with laptop(copy) as lap:
        lap.offers.delete(offer.id)
    record = atlas.offers.get(offer.id)
    atlas.offers.save(offer.id, {**record.values, "schedule": "montags"}, expected_version=record.version)
    dialog = scene.bring_back(copy)
    table = dialog.conflicts
    assert [table.item(0, c).text() for c in range(0, 4)] == [
        "Angebot „Bewerbungstraining“",
        "unterwegs gelöscht",
        "geändert: Zeiten",
        "gelöscht",
    ]
    assert radio(dialog, 0, "Behalten").isChecked()  # the default
    dialog.grab().save(str(SHOTS / "travel_review_deleted.png"))
    click(radio(dialog, 0, "Löschen"))
    click(dialog.apply_button)
    scene.status_says("zurückgeführt")
    assert offer.id not in atlas.offers.list_ids("")
