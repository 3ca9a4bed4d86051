"""Mouse and keyboard gestures as a person makes them: clicks on list rows, Tab, Strg+Z."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView, QWidget

from atlas.core import Atlas
from tests.ui.conftest import Answers, office_window
from tests.ui.privacy_support import ErasureAnswer
from tests.ui.test_map import js, state, wait_markers
from ui.main_window import MainWindow
from ui.meeting_panel import MeetingPanel
from ui.section import SectionWidget

YES = QMessageBox.StandardButton.Yes
CANCEL = QMessageBox.StandardButton.Cancel


def click_row(table: QTableView, row: int, column: int = 0) -> None:
    """A left click in the middle of a list cell, on the viewport like a real mouse."""
    index = table.model().index(row, column)
    table.scrollTo(index)
    QTest.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        table.visualRect(index).center(),
    )


def click_record(section: SectionWidget, record_id: int) -> None:
    row = section.model.row_of(record_id)
    assert row is not None, f"{record_id} is not listed"
    click_row(section.table, row)


def shown(section: SectionWidget) -> int | None:
    return section.form.record.id if section.form.record is not None else None


def test_a_click_on_an_institution_opens_it_follows_on_the_map_and_delete_names_it(
    qtbot, workers, atlas: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    first = atlas.institutions.save(None, {"name": "Ärztehaus Mitte", "lat": 51.47, "lon": 6.85})
    second = atlas.institutions.save(None, {"name": "Jobcenter Marktstraße", "lat": 51.48, "lon": 6.86})
    window = MainWindow(atlas, "test.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    pane = window.start_map()
    qtbot.waitUntil(lambda: pane.view.ready, timeout=20000)
    wait_markers(qtbot, pane.view, 2)
    section = window.section("institution")
    assert section.model.ids() == [first.id, second.id]

    click_record(section, second.id)
    assert shown(section) == second.id
    assert section.form.editors["name"].value() == "Jobcenter Marktstraße"
    assert section.current_id() == second.id

    def map_follows() -> None:
        assert state(qtbot, pane.view)["selected"] == second.id

    qtbot.waitUntil(map_follows, timeout=10000)
    window.grab().save("/tmp/ui-mouse-click-institution.png")

    answers.next = [CANCEL]
    window.actions_by_name["delete"].trigger()
    assert "„Jobcenter Marktstraße“" in answers.questions[-1]
    assert atlas.institutions.count() == 2
    assert js(qtbot, pane.view, "true")


def open_window(qtbot, workers, atlas: Atlas, settings, with_map: bool = False) -> MainWindow:  # type: ignore[no-untyped-def]
    window = office_window(qtbot, workers, atlas, settings)
    if with_map:
        pane = window.start_map()
        qtbot.waitUntil(lambda: pane.view.ready, timeout=20000)
    return window


def two_of_each(atlas: Atlas) -> dict[str, tuple[int, int, int | None]]:
    """Two records per section; (first, second, institution the map shows for the second)."""
    a = atlas.institutions.save(None, {"name": "Ärztehaus Mitte", "lat": 51.47, "lon": 6.85})
    b = atlas.institutions.save(None, {"name": "Jobcenter Marktstraße", "lat": 51.48, "lon": 6.86})
    made: dict[str, tuple[int, int, int | None]] = {"institution": (a.id, b.id, b.id)}
    values: dict[str, tuple[dict[str, object], dict[str, object]]] = {
        "offer": (
            {"title": "Sprechstunde", "institution_id": a.id},
            {"title": "Bewerbungstraining", "institution_id": b.id},
        ),
        "contact": (
            {"last_name": "Beispiel", "first_name": "Erika", "institution_id": a.id},
            {"last_name": "Muster", "first_name": "Max", "institution_id": b.id},
        ),
        "actor": (
            {"name": "Netzwerk Gesundheit", "status": "aktiv", "institution_id": a.id},
            {"name": "Jobcenter-Team", "status": "aktiv", "institution_id": b.id},
        ),
        "round_table": ({"name": "RT Gesundheit"}, {"name": "RT Arbeit"}),
        "meeting": (
            {"title": "Auftakt", "kind": "runder_tisch", "starts_at": "05.03.2026 10:00"},
            {"title": "Zweites Treffen", "kind": "runder_tisch", "starts_at": "07.05.2026 10:00"},
        ),
        "agreement": ({"title": "Kooperation Kita"}, {"title": "Raumnutzung"}),
        "quarter": ({"name": "Lirich"}, {"name": "Alt-Oberhausen"}),
    }
    for key, (one, two) in values.items():
        first = atlas.records[key].save(None, one)
        second = atlas.records[key].save(None, two)
        made[key] = (first.id, second.id, b.id if key in ("offer", "contact", "actor") else None)
    return made


def show(window: MainWindow, key: str, record_id: int) -> SectionWidget:
    """The section of ``key`` on screen with one record open (as the overview opens it)."""
    window.open_record(key, record_id)
    section = window.section(key)
    assert window.current_section() is section
    return section


def test_a_click_opens_the_record_in_every_section_and_the_map_follows(
    qtbot, workers, atlas: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    made = two_of_each(atlas)
    window = open_window(qtbot, workers, atlas, settings, with_map=True)
    view = window.map.view  # type: ignore[union-attr]
    wait_markers(qtbot, view, 2)
    for key, (first, second, place) in made.items():
        section = show(window, key, first)
        assert shown(section) == first
        title = atlas.records[key].get(second).title
        click_record(section, second)
        assert shown(section) == second, key
        assert section.form.heading.text() == title, key
        assert section.current_id() == second, key
        if place is not None:

            def map_follows(place: int = place) -> None:
                assert state(qtbot, view)["selected"] == place

            qtbot.waitUntil(map_follows, timeout=10000)
        window.grab().save(f"/tmp/ui-mouse-click-{key}.png")
        answers.next = [CANCEL]
        window.actions_by_name["delete"].trigger()
        assert f"„{title}“ löschen?" in answers.questions[-1], key
        assert atlas.records[key].get(second).id == second  # cancelled: nothing deleted
        # and back to the first by mouse
        click_record(section, first)
        assert shown(section) == first, key


def test_a_click_with_unsaved_changes_asks_and_staying_keeps_list_and_form_together(
    qtbot, workers, atlas: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    a = atlas.institutions.save(None, {"name": "Ärztehaus Mitte"})
    b = atlas.institutions.save(None, {"name": "Jobcenter Marktstraße"})
    window = open_window(qtbot, workers, atlas, settings)
    section = window.section("institution")
    click_record(section, a.id)
    assert shown(section) == a.id
    name = section.form.editors["name"].focus_widget()
    name.setFocus()
    QTest.keyClick(name, Qt.Key.Key_End)  # a loaded value shows its start; she appends at the end
    QTest.keyClicks(name, " Nord")
    assert section.form.is_dirty()

    # the same row again: nothing to ask, the typing stays
    click_record(section, a.id)
    assert answers.questions == []
    assert section.form.editors["name"].value() == "Ärztehaus Mitte Nord"

    # another row: asked; "Abbrechen" keeps the typing and the blue row on the form's record
    answers.next = [CANCEL]
    click_record(section, b.id)
    assert "„Ärztehaus Mitte“" in answers.questions[-1]
    assert shown(section) == a.id and section.current_id() == a.id
    assert section.form.editors["name"].value() == "Ärztehaus Mitte Nord"
    window.grab().save("/tmp/ui-mouse-stay.png")
    answers.next = [CANCEL]
    window.actions_by_name["delete"].trigger()
    assert "„Ärztehaus Mitte“ löschen?" in answers.questions[-1]

    # "Verwerfen" opens the clicked record
    answers.next = [QMessageBox.StandardButton.Discard]
    click_record(section, b.id)
    assert shown(section) == b.id and section.current_id() == b.id
    assert atlas.institutions.get(a.id).title == "Ärztehaus Mitte"

    # a new record with typing, then a click and "Abbrechen": no row stays blue
    window.actions_by_name["new"].trigger()
    assert section.current_id() is None
    QTest.keyClicks(section.form.editors["name"].focus_widget(), "Neue Einrichtung")
    answers.next = [CANCEL]
    click_record(section, a.id)
    assert shown(section) is None
    assert section.table.selectionModel().selectedRows() == []
    window.actions_by_name["delete"].trigger()  # nothing shown: nothing to delete
    assert atlas.institutions.count() == 2

    # "Speichern" saves the new one and opens the clicked one
    answers.next = [QMessageBox.StandardButton.Save]
    click_record(section, a.id)
    assert shown(section) == a.id
    assert atlas.institutions.count() == 3


def test_delete_and_dsgvo_act_on_the_clicked_person_and_name_her(
    qtbot, workers, atlas: Atlas, settings, answers: Answers, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    erika = atlas.contacts.save(
        None, {"first_name": "Erika", "last_name": "Beispiel", "email": "e@example.org"}
    )
    max_ = atlas.contacts.save(None, {"first_name": "Max", "last_name": "Muster", "email": "m@example.org"})
    window = open_window(qtbot, workers, atlas, settings)
    window.show_section(2)
    section = window.section("contact")
    click_record(section, max_.id)
    assert shown(section) == max_.id

    written = window.privacy_export(str(tmp_path / "auskunft.txt"))
    assert written is not None
    text = (tmp_path / "auskunft.txt").read_text(encoding="utf-8")
    assert "m@example.org" in text and "e@example.org" not in text
    assert "Max Muster" in window.statusBar().currentMessage()

    cancel = ErasureAnswer(erase=False)
    assert window.privacy_erase() is None
    assert "„Max Muster“" in cancel.question

    click_record(section, erika.id)
    answers.next = [YES]
    window.actions_by_name["delete"].trigger()
    assert "Kontakt „Erika Beispiel“ löschen?" in answers.questions[-1]
    assert [r for r in atlas.contacts.list_ids()] == [max_.id]
    assert shown(section) is None


# -- keyboard ---------------------------------------------------------------------------
CTRL = Qt.KeyboardModifier.ControlModifier


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def key(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """One key press where the focus is, as a keyboard sends it."""
    widget = focused()
    assert widget is not None, "nothing has the focus"
    QTest.keyClick(widget, key, modifier)


def typed(text: str) -> None:
    widget = focused()
    assert widget is not None
    QTest.keyClicks(widget, text)


def tab_until(target: QWidget, limit: int = 12) -> None:
    for _ in range(limit):
        if focused() is target:
            return
        key(Qt.Key.Key_Tab)
    assert focused() is target, f"Tab never reached {target!r}, stuck at {focused()!r}"


def active_window(qtbot, workers, atlas: Atlas, settings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, atlas, settings)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def test_tab_leaves_the_list_for_the_form_and_shift_tab_comes_back(
    qtbot, workers, atlas: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    made = two_of_each(atlas)
    window = active_window(qtbot, workers, atlas, settings)
    for key_name in ("institution", "meeting", "quarter"):
        first, second, _place = made[key_name]
        section = show(window, key_name, first)
        section.table.setFocus()
        away, back = (Qt.Key.Key_Down, Qt.Key.Key_Up)
        if section.model.row_of(first) == 1:
            away, back = back, away
        key(away)  # the arrow keys open records as a click does
        assert section.current_id() == shown(section) == second, key_name
        key(back)
        assert section.current_id() == shown(section) == first, key_name
        key(Qt.Key.Key_Tab)
        first_field = next(iter(section.form.editors.values())).focus_widget()
        assert focused() is first_field, key_name
        assert shown(section) == first  # Tab moved the focus, not the record
        key(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        assert focused() is section.table, key_name


def test_undo_after_a_delete_restores_the_record_wherever_the_focus_is(
    qtbot, workers, atlas: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    atlas.institutions.save(None, {"name": "Ärztehaus Mitte"})
    job = atlas.institutions.save(None, {"name": "Jobcenter Marktstraße"})
    window = active_window(qtbot, workers, atlas, settings)
    section = window.section("institution")

    # search, Tab into the list, Space opens the row, Entf deletes it
    key(Qt.Key.Key_F, CTRL)
    assert focused() is section.search
    typed("jobcenter")
    qtbot.waitUntil(lambda: section.model.ids() == [job.id])
    tab_until(section.table)
    key(Qt.Key.Key_Space)
    assert shown(section) == job.id
    answers.next = [YES]
    key(Qt.Key.Key_Delete)
    assert "„Jobcenter Marktstraße“ löschen?" in answers.questions[-1]
    assert job.id not in atlas.institutions.list_ids()

    # Strg+Z with the focus in the search box (which has its own typing from before)
    key(Qt.Key.Key_F, CTRL)
    assert focused() is section.search
    key(Qt.Key.Key_Z, CTRL)
    assert atlas.institutions.get(job.id).title == "Jobcenter Marktstraße"
    assert section.search.text() == "jobcenter"
    assert shown(section) == job.id and section.current_id() == job.id
    assert "wiederhergestellt" in window.statusBar().currentMessage()
    window.grab().save("/tmp/ui-mouse-undo-from-search.png")
    QTest.keySequence(section.search, QKeySequence(QKeySequence.StandardKey.Redo))  # redo: deleted again
    assert job.id not in atlas.institutions.list_ids()
    assert section.search.text() == "jobcenter"
    key(Qt.Key.Key_Z, CTRL)
    assert job.id in atlas.institutions.list_ids()

    # typed into the search box after the delete: Strg+Z undoes that typing first
    tab_until(section.table)
    answers.next = [YES]
    key(Qt.Key.Key_Delete)
    assert job.id not in atlas.institutions.list_ids()
    key(Qt.Key.Key_F, CTRL)
    key(Qt.Key.Key_End)
    typed(" nord")
    key(Qt.Key.Key_Z, CTRL)
    assert section.search.text() == "jobcenter"
    assert job.id not in atlas.institutions.list_ids()
    key(Qt.Key.Key_Z, CTRL)  # the field is back where it was: now the delete
    assert job.id in atlas.institutions.list_ids()
    assert section.search.text() == "jobcenter"
    key(Qt.Key.Key_Z, CTRL)  # nothing left in the window: the field's older typing
    assert section.search.text() == ""

    # and from a form field and from the list
    for where in ("form", "list"):
        section.search.clear()
        qtbot.waitUntil(lambda: len(section.model.ids()) == 2)
        section.select(job.id)
        section.table.setFocus()
        answers.next = [YES]
        key(Qt.Key.Key_Delete)
        assert job.id not in atlas.institutions.list_ids()
        if where == "form":
            section.form.editors["phone"].focus_widget().setFocus()
        key(Qt.Key.Key_Z, CTRL)
        assert job.id in atlas.institutions.list_ids(), where
        assert shown(section) == job.id


def meeting_with_members(atlas: Atlas) -> dict[str, int]:
    """A past round-table meeting: three member actors, four rows in the tick list."""
    doctors = atlas.institutions.save(None, {"name": "Ärztehaus Mitte"}).id
    job = atlas.institutions.save(None, {"name": "Jobcenter"}).id
    erika = atlas.contacts.save(
        None, {"first_name": "Erika", "last_name": "Beispiel", "institution_id": doctors}
    ).id
    hans = atlas.contacts.save(
        None, {"first_name": "Hans", "last_name": "Huber", "institution_id": doctors}
    ).id
    max_ = atlas.contacts.save(None, {"first_name": "Max", "last_name": "Muster", "institution_id": job}).id
    health = atlas.actors.save(
        None,
        {"name": "Netzwerk Gesundheit", "status": "aktiv", "institution_id": doctors, "contact_id": erika},
    ).id
    team = atlas.actors.save(
        None, {"name": "Jobcenter-Team", "status": "aktiv", "institution_id": job, "contact_id": max_}
    ).id
    office = atlas.actors.save(None, {"name": "Stadtteilbüro", "status": "aktiv"}).id
    rt = (
        atlas.records["round_table"]
        .save(None, {"name": "RT Gesundheit", "members": [health, team, office]})
        .id
    )
    meeting = (
        atlas.records["meeting"]
        .save(
            None,
            {
                "title": "Sitzung März",
                "kind": "runder_tisch",
                "starts_at": "05.03.2025 10:00",
                "round_table_id": rt,
            },
        )
        .id
    )
    return {
        "meeting": meeting,
        "hans": hans,
        "max": max_,
        "health": health,
        "team": team,
        "office": office,
    }


def visible_people(panel: MeetingPanel) -> list[str]:
    sheet = panel.sheet
    return [sheet.item(r, 0).text() for r in range(sheet.rowCount()) if not sheet.isRowHidden(r)]


def test_attendance_by_keyboard_search_tick_all_members_delete_and_undo(
    qtbot, workers, atlas: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    ids = meeting_with_members(atlas)
    window = active_window(qtbot, workers, atlas, settings)
    window.open_record("meeting", ids["meeting"])
    section = window.section("meeting")
    panel = window.panels["meeting"]
    assert isinstance(panel, MeetingPanel)
    assert panel.meeting_id == ids["meeting"]
    assert visible_people(panel) == ["Max Muster", "Erika Beispiel", "Hans Huber", "(ohne Namen)"]

    # from the list, Tab through the form to the attendance search; type; Tab; Space ticks
    section.table.setFocus()
    tab_until(panel.find_edit, limit=30)
    typed("huber")
    assert visible_people(panel) == ["Hans Huber"]
    key(Qt.Key.Key_Tab)
    assert focused() is panel.sheet
    key(Qt.Key.Key_Space)
    assert panel.present() == [(ids["health"], ids["hans"])]
    assert panel.save_button.isEnabled()

    # back to the search; the umlaut spelt out finds the Ärztehaus; Alt+M ticks every member
    key(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is panel.find_edit
    key(Qt.Key.Key_A, CTRL)
    typed("aerzte")
    assert visible_people(panel) == ["Erika Beispiel", "Hans Huber"]
    window.grab().save("/tmp/ui-mouse-attendance-search.png")
    key(Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(panel.present()) == 3)  # a mnemonic clicks the button after its flash
    # one tick per member: the team's person (hidden by the search), the office without a name;
    # the health network already counts through Hans
    assert sorted(panel.present(), key=str) == sorted(
        [(ids["health"], ids["hans"]), (ids["team"], ids["max"]), (ids["office"], None)], key=str
    )
    assert "3 Personen aus 3" in panel.count.text()
    key(Qt.Key.Key_A, CTRL)
    key(Qt.Key.Key_Backspace)
    assert len(visible_people(panel)) == 4
    tab_until(panel.save_button)
    key(Qt.Key.Key_Space)
    assert not panel.is_dirty()
    assert sum(row.present for row in atlas.network.sheet(ids["meeting"])) == 3

    # Strg+F, Tab to the list, Entf deletes the meeting; Strg+Z from the search box brings it back
    key(Qt.Key.Key_F, CTRL)
    assert focused() is section.search
    tab_until(section.table)
    answers.next = [YES]
    key(Qt.Key.Key_Delete)
    assert "Treffen „Sitzung März“ löschen?" in answers.questions[-1]
    assert ids["meeting"] not in atlas.records["meeting"].list_ids()
    assert panel.meeting_id is None
    key(Qt.Key.Key_F, CTRL)
    assert focused() is section.search
    key(Qt.Key.Key_Z, CTRL)
    assert ids["meeting"] in atlas.records["meeting"].list_ids()
    assert shown(section) == ids["meeting"] and panel.meeting_id == ids["meeting"]
    assert len(panel.present()) == 3
    window.grab().save("/tmp/ui-mouse-attendance-restored.png")


def test_removing_a_follow_up_asks_by_its_text(
    qtbot, workers, atlas: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    ids = meeting_with_members(atlas)
    window = open_window(qtbot, workers, atlas, settings)
    window.open_record("meeting", ids["meeting"])
    panel = window.panels["meeting"]
    assert isinstance(panel, MeetingPanel)
    panel.tabs.setCurrentIndex(1)
    for text in ("Protokoll verschicken", "Raum buchen"):
        panel.task_text.setFocus()
        QTest.keyClicks(panel.task_text, text)
        QTest.keyClick(panel.task_text, Qt.Key.Key_Return)
    assert panel.tasks.rowCount() == 2
    row = next(r for r in range(2) if panel.tasks.item(r, 1).text() == "Raum buchen")
    click_row(panel.tasks, row, column=1)
    answers.next = [CANCEL]
    QTest.mouseClick(panel.remove_task_button, Qt.MouseButton.LeftButton)
    assert answers.questions[-1] == "Aufgabe „Raum buchen“ entfernen?"
    assert len(atlas.network.follow_ups(ids["meeting"])) == 2
    answers.next = [YES]
    QTest.mouseClick(panel.remove_task_button, Qt.MouseButton.LeftButton)
    assert [t[1] for t in atlas.network.follow_ups(ids["meeting"])] == ["Protokoll verschicken"]


def test_unsaved_ticks_are_asked_about_before_another_meeting_opens(
    qtbot, workers, demo: Atlas, settings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    """Ticks are input too: clicking another meeting asks (save, discard, stay) instead of dropping them."""
    import datetime as dt

    from atlas.clock import FixedClock

    assert isinstance(demo.clock, FixedClock)
    demo.clock.advance(dt.timedelta(days=5))  # after the November round table of 18.11.
    window = open_window(qtbot, workers, demo, settings)
    window.show_section(window._index_of("meeting"))
    window.pages[window._index_of("meeting")].setCurrentIndex(1)  # type: ignore[union-attr]
    section = window.section("meeting")
    panel = window.panels["meeting"]
    assert isinstance(panel, MeetingPanel)
    section.refresh()
    ids = section.model.ids()
    november = next(
        i for i in ids if demo.records["meeting"].get(i).title.startswith("Runder Tisch Alleinerziehende")
    )
    other = next(i for i in ids if i != november)
    click_record(section, november)
    qtbot.waitUntil(lambda: panel.meeting_id == november)
    member = next(r for r in demo.network.sheet(november) if r.member)
    assert panel.tick(member.actor_id, member.contact_id)

    answers.next = [CANCEL]  # stay
    click_record(section, other)
    assert "noch nicht gespeichert" in answers.questions[-1]
    assert shown(section) == november and panel.is_dirty()

    answers.next = [QMessageBox.StandardButton.Save]
    click_record(section, other)
    assert shown(section) == other and not panel.is_dirty()
    assert any(r.present for r in demo.network.sheet(november))
