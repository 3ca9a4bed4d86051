"""Art. 17 in the window: the dialog shows where the person is named, and afterwards no
Strg+Z brings her back (issue 11 §5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from atlas.core import Atlas
from atlas.records.mentions import Matcher, Person
from tests.ui.conftest import Answers, office_window
from tests.ui.privacy_support import ErasureAnswer
from tests.ui.test_gestures import click_record, shown

AYLIN = Person(None, "Aylin", "Müller", "aylin.mueller@example.org", "0208 / 12 34-56")


def _dump(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def test_erasure_dialog_lists_mentions_and_undo_cannot_bring_her_back(
    qtbot, workers, atlas: Atlas, settings, answers: Answers, db_path: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inst = atlas.institutions.save(
        None, {"name": "Familienzentrum", "notes": "Ansprechpartnerin Aylin Müller, sonst Bernd Müller"}
    ).id
    aylin = atlas.contacts.save(
        None,
        {"first_name": "Aylin", "last_name": "Müller", "institution_id": inst,
         "email": "aylin.mueller@example.org", "phone": "0208 / 12 34-56"},
    ).id  # fmt: skip
    meeting = (
        atlas.records["meeting"]
        .save(
            None,
            {
                "title": "Runder Tisch März",
                "kind": "runder_tisch",
                "starts_at": "10.03.2026 10:00",
                "minutes": "A. Müller berichtet",
            },
        )
        .id
    )
    atlas.network.add_follow_up(meeting, "Rückruf unter 0208 / 12 34-56", "Müller, Aylin")
    atlas.network.add_follow_up(meeting, "Raum buchen", "Bernd Müller")

    window = office_window(qtbot, workers, atlas, settings)
    # 1. the meeting (with her follow-up) is deleted: Strg+Z could bring it back
    window.open_record("meeting", meeting)
    meetings = window.section("meeting")
    qtbot.waitUntil(lambda: shown(meetings) == meeting)
    answers.next = [QMessageBox.StandardButton.Yes]
    window.actions_by_name["delete"].trigger()
    assert atlas.records["meeting"].count() == 0 and window.undo_stack.canUndo()

    # 2. she is erased: the dialog names her and lists where she is mentioned
    window.show_section(2)
    contacts = window.section("contact")
    qtbot.waitUntil(lambda: contacts.model.rowCount() == 1)
    click_record(contacts, aylin)
    assert shown(contacts) == aylin
    seen = ErasureAnswer(erase=True, picture=str(tmp_path / "erasure_dialog.png"))
    summary = window.privacy_erase()
    assert seen.seen and "„Aylin Müller“" in seen.question and "an einer Stelle" in seen.question
    assert seen.rows == [
        ("Einrichtung", "Familienzentrum", "Notizen", "Ansprechpartnerin Aylin Müller, sonst Bernd Müller")
    ]
    assert summary and "der Verlauf wurde bereinigt" in summary

    # 3. Strg+Z from the list: the meeting comes back, its follow-up without her
    window.activateWindow()  # the dialogs are closed: the window has the keys again
    qtbot.waitUntil(window.isActiveWindow)
    contacts.table.setFocus()
    QTest.keyClick(contacts.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: atlas.records["meeting"].count() == 1)
    follow_ups = atlas.network.follow_ups(meeting)
    assert [(f[1], f[2]) for f in follow_ups] == [
        ("Rückruf unter [gelöscht]", "[gelöscht]"),
        ("Raum buchen", "Bernd Müller"),
    ]
    assert atlas.records["meeting"].get(meeting).values["minutes"] == "[gelöscht] berichtet"
    assert atlas.contacts.count() == 0
    dump = _dump(db_path)
    assert Matcher(AYLIN).spans(dump) == [] and "aylin" not in dump.lower()
    assert "Bernd Müller" in dump


def test_the_erasure_dialog_reads_well(qtbot, workers, atlas: Atlas, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from atlas.records.mentions import Mention
    from ui.privacy_dialog import ErasureDialog

    window = office_window(qtbot, workers, atlas, settings)
    rows = [
        Mention("meeting", 1, "minutes", "Treffen", "Runder Tisch März", "Protokoll",
                "…Tagesordnung: Bericht <b>A. Müller</b> zur Kita-Anmeldung, danach Rückfragen…", ""),
        Mention("follow_up", 2, "who", "Aufgabe aus Treffen", "Treffen „Runder Tisch März“", "Wer",
                "Müller, Aylin", ""),
    ]  # fmt: skip
    dialog = ErasureDialog(window, "Aylin <i>Müller</i>", rows)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(tmp_path / "dialog.png"))
    assert "<i>" in dialog.question.text() and dialog.question.textFormat() == Qt.TextFormat.PlainText
    assert dialog.table.item(0, 3).text().startswith("…Tagesordnung: Bericht <b>")
    assert dialog.cancel_button.isDefault() and not dialog.erase_button.isDefault()
    assert dialog.table.columnWidth(3) > 300  # the excerpt gets the room
    dialog.reject()
