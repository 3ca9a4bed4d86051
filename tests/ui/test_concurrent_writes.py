"""Two coaches at once, seen in the window (issue 11 §3, §4): a second program on the
same file saves meanwhile, or holds the write lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from atlas.core import Atlas
from atlas.errors import BUSY_MESSAGE
from atlas.records.schema import MEETING_KIND_CHOICES
from tests.concurrency_support import use_new_connections, write_lock
from tests.ui.conftest import office_window
from ui.meeting_panel import MeetingPanel


def make_meeting(atlas: Atlas, people: int = 5) -> tuple[int, list[tuple[int, int]]]:
    pairs = []
    for n in range(people):
        inst = atlas.institutions.save(None, {"name": f"Einrichtung {n}"})
        person = atlas.contacts.save(None, {"last_name": f"Person{n}", "institution_id": inst.id})
        actor = atlas.actors.save(
            None,
            {"name": f"Akteur {n}", "status": "aktiv", "institution_id": inst.id, "contact_id": person.id},
        )
        pairs.append((actor.id, person.id))
    rt = atlas.records["round_table"].save(None, {"name": "Runder Tisch", "members": [a for a, _c in pairs]})
    met = atlas.records["meeting"].save(
        None,
        {
            "title": "Runder Tisch November",
            "kind": MEETING_KIND_CHOICES[0][0],
            "round_table_id": rt.id,
            "starts_at": "10.11.2026 17:00",
        },
    )
    return met.id, pairs


def ticked_rows(panel: MeetingPanel) -> set[tuple[int, int]]:
    return {
        panel.sheet.item(r, 0).data(Qt.ItemDataRole.UserRole)
        for r in range(panel.sheet.rowCount())
        if panel.sheet.item(r, 0).checkState() == Qt.CheckState.Checked
    }


def test_ticks_of_two_coaches_both_stay(qtbot, workers, atlas: Atlas, other: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    meeting_id, pairs = make_meeting(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    window.open_record("meeting", meeting_id)
    panel = window.panels["meeting"]
    assert isinstance(panel, MeetingPanel)
    qtbot.waitUntil(lambda: panel.meeting_id == meeting_id and panel.sheet.rowCount() == 5)
    # she ticks three people by clicking their boxes ...
    for actor_id, contact_id in pairs[:3]:
        row = next(
            r
            for r in range(5)
            if panel.sheet.item(r, 0).data(Qt.ItemDataRole.UserRole) == (actor_id, contact_id)
        )
        panel.sheet.item(row, 0).setCheckState(Qt.CheckState.Checked)
    # ... while a colleague, on the same file, saves two others
    other.network.save_attendance(meeting_id, pairs[3:], loaded=set())
    assert panel.save_button.isEnabled()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    stored = {(r.actor_id, r.contact_id) for r in atlas.network.sheet(meeting_id) if r.present}
    assert stored == set(pairs)
    # the sheet shows what is stored now, the colleague's ticks too
    assert ticked_rows(panel) == set(pairs)
    assert not panel.save_button.isEnabled()
    assert panel.count.text() == "5 Personen aus 5 Einrichtungen/Akteuren anwesend"


def test_undo_of_a_pin_drag_never_reverts_a_colleagues_change(
    qtbot, workers, atlas: Atlas, other: Atlas, settings, answers
) -> None:  # type: ignore[no-untyped-def]
    kita = atlas.institutions.save(None, {"name": "Kita X", "lat": 51.47, "lon": 6.85})
    window = office_window(qtbot, workers, atlas, settings)
    pane = window.start_map()
    qtbot.waitUntil(lambda: pane.view.ready, timeout=20000)
    answers.next = [QMessageBox.StandardButton.Yes]
    pane.view.bridge.moved(kita.id, 51.5, 6.87)
    assert atlas.institutions.get(kita.id).values["lat"] == 51.5
    # a colleague moves it again, exactly, in her window
    seen = other.institutions.get(kita.id)
    theirs = other.institutions.save(kita.id, {"lat": 51.4711, "lon": 6.8522}, expected_version=seen.version)
    window.undo_stack.undo()  # Strg+Z: refused, said in German, her pin stays
    assert "wurde inzwischen an anderer Stelle geändert" in answers.warnings[-1]
    assert "Der Standort wurde nicht zurückgesetzt." in answers.warnings[-1]
    now = atlas.institutions.get(kita.id)
    assert (now.values["lat"], now.values["lon"], now.version) == (51.4711, 6.8522, theirs.version)
    # the refused step is gone from the stack: another Strg+Z does not try it again
    assert window.undo_stack.count() == 0 or not window.undo_stack.canUndo()


def test_undo_of_a_pin_drag_works_when_nobody_changed_it(
    qtbot, workers, atlas: Atlas, settings, answers
) -> None:  # type: ignore[no-untyped-def]
    kita = atlas.institutions.save(None, {"name": "Kita X", "lat": 51.47, "lon": 6.85})
    window = office_window(qtbot, workers, atlas, settings)
    pane = window.start_map()
    qtbot.waitUntil(lambda: pane.view.ready, timeout=20000)
    answers.next = [QMessageBox.StandardButton.Yes]
    pane.view.bridge.moved(kita.id, 51.5, 6.87)
    window.undo_stack.undo()
    assert atlas.institutions.get(kita.id).values["lat"] == 51.47
    window.undo_stack.redo()
    assert atlas.institutions.get(kita.id).values["lat"] == 51.5
    window.undo_stack.undo()
    assert atlas.institutions.get(kita.id).values["lat"] == 51.47


def test_saving_while_another_program_writes_says_so_keeps_the_input_and_retries(
    qtbot, workers, atlas: Atlas, db_path: Path, settings, answers, short_busy_timeout: None
) -> None:  # type: ignore[no-untyped-def]
    use_new_connections(atlas)
    kita = atlas.institutions.save(None, {"name": "Kita Sonnenschein"})
    window = office_window(qtbot, workers, atlas, settings)
    window.open_record("institution", kita.id)
    form = window.section("institution").form
    qtbot.waitUntil(lambda: form.record is not None and form.record.id == kita.id)
    editor = form.editors["city"]
    editor.edit.setFocus()
    qtbot.keyClicks(editor.edit, "Oberhausen")
    with write_lock(db_path):
        answers.next = [QMessageBox.StandardButton.Cancel]
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
        assert answers.questions[-1] == BUSY_MESSAGE  # German, one sentence, no SQL
        # nothing saved, the typing is still there and can be saved later
        assert editor.edit.text() == "Oberhausen" and form.save_button.isEnabled()
    assert atlas.institutions.get(kita.id).values["city"] is None

    # again, and this time the other program lets go while she reads the message
    held = write_lock(db_path)
    held.__enter__()
    asked: list[str] = []

    def release_then_retry(box: QMessageBox) -> int:
        asked.append(box.text())
        held.__exit__(None, None, None)
        return int(QMessageBox.StandardButton.Retry.value)

    qtbot.keyClicks(editor.edit, "-Sterkrade")
    monkeypatch_exec = pytest.MonkeyPatch()
    monkeypatch_exec.setattr(QMessageBox, "exec", release_then_retry)
    try:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    finally:
        monkeypatch_exec.undo()
    assert asked == [BUSY_MESSAGE]
    assert atlas.institutions.get(kita.id).values["city"] == "Oberhausen-Sterkrade"
    assert not form.save_button.isEnabled()


def test_the_retry_box_is_german(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer

    from ui.busy import ask_retry

    seen: list[list[str]] = []

    def look() -> None:
        from PySide6.QtWidgets import QApplication

        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen.append(sorted(b.text() for b in box.buttons()))
        box.grab().save("/tmp/w/busy_box.png")
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(200, look)
    assert ask_retry(None, BUSY_MESSAGE) is False
    assert seen == [["Abbrechen", "Nochmal versuchen"]]


def test_renaming_a_category_someone_renamed_meanwhile_shows_both(
    qtbot, atlas: Atlas, other: Atlas, answers
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QInputDialog

    from atlas.models import Vocabulary
    from ui.taxonomy_dialog import VocabularyPage

    page = VocabularyPage(atlas, Vocabulary.CATEGORY)
    qtbot.addWidget(page)
    row = next(r for r in range(page.list.count()) if page.list.item(r).text().startswith("Familienberatung"))
    page.list.setCurrentRow(row)
    term_id = page.list.item(row).data(Qt.ItemDataRole.UserRole)[0]
    seen = next(t for t in other.taxonomy.terms(Vocabulary.CATEGORY) if t.id == term_id)
    other.taxonomy.save(
        Vocabulary.CATEGORY, term_id, "Familien- und Erziehungsberatung", seen.color, seen.version
    )
    mp = pytest.MonkeyPatch()
    mp.setattr(QInputDialog, "getText", lambda *a, **k: ("Beratung für Familien", True))
    try:
        page.rename()
    finally:
        mp.undo()
    assert "er heißt jetzt „Familien- und Erziehungsberatung“" in answers.warnings[-1]
    assert "„Beratung für Familien“ wurde nicht gespeichert" in answers.warnings[-1]
    shown = [page.list.item(r).text() for r in range(page.list.count())]
    assert any(t.startswith("Familien- und Erziehungsberatung") for t in shown)
    assert not any(t.startswith("Beratung für Familien") for t in shown)
