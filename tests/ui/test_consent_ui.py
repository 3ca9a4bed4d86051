"""Consent in the window: the contact form's fields and defaults, the list's filter, a
walk-in asked at a meeting, and Datenschutz → Einwilligungen / Löschfristen prüfen."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from sqlalchemy import update

from atlas import models as m
from atlas.core import Atlas
from atlas.records.schema import FilterKind
from tests.ui.conftest import Answers, office_window
from tests.ui.privacy_support import ErasureAnswer
from ui.consent_dialog import RETENTION
from ui.main_window import MainWindow
from ui.meeting_panel import MeetingPanel, WalkInDialog


def contact(atlas: Atlas, last: str, **values: object) -> int:
    return atlas.contacts.save(None, {"last_name": last, **values}, confirm_duplicate=True).id


def click_row(table, row: int) -> None:  # type: ignore[no-untyped-def]
    index = table.model().index(row, 0)
    table.scrollTo(index)
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())


def test_the_contact_form_records_consent_with_defaults(qtbot, window: MainWindow, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    atlas.network.user = "Petra Coach"
    section = window.section("contact")
    window.open_record("contact", contact(atlas, "Beispiel"))
    form = section.form
    state = form.editors["consent_state"].focus_widget()
    assert [state.itemText(i) for i in range(state.count())] == [
        "unbekannt (nicht gefragt)",
        "erteilt",
        "abgelehnt",
    ]
    assert state.currentData() == "unbekannt"
    state.setFocus()
    QTest.keyClick(state, Qt.Key.Key_Down)  # "erteilt", as a person picks it with the keyboard
    assert state.currentData() == "erteilt"
    assert form.editors["consent_date"].value() == "16.11.2026"  # today, from the atlas clock
    assert form.editors["consent_recorded_by"].value() == "Petra Coach"
    assert not form.save()  # no purpose yet
    assert form.errors["consent_purpose"].text() == "Für eine erteilte Einwilligung bitte den Zweck angeben."
    form.editors["consent_purpose"].focus_widget().setFocus()
    QTest.keyClicks(form.editors["consent_purpose"].focus_widget(), "Netzwerkkontakt")
    assert form.save()
    saved = atlas.contacts.get(form.record.id).values
    assert (saved["consent_state"], saved["consent_date"], saved["consent_recorded_by"]) == (
        "erteilt", dt.date(2026, 11, 16), "Petra Coach",
    )  # fmt: skip
    # the list shows it and filters by it
    combo = section.filters[FilterKind.CONSENT]
    with qtbot.waitSignal(section.listed, timeout=5000):  # the list is queried on the worker
        combo.setCurrentIndex(combo.findData("erteilt"))
    assert section.model.ids() == [form.record.id]
    assert section.model.data(section.model.index(0, 5)) == "erteilt"
    window.grab().save("/tmp/consent_form.png")


def test_a_walk_in_is_asked_for_consent(
    qtbot, workers, demo: Atlas, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.test_network_ui import open_meetings, past_meeting_without_attendance

    window, panel = open_meetings(qtbot, workers, demo, settings)
    assert isinstance(panel, MeetingPanel)
    meeting_id = past_meeting_without_attendance(demo)
    window.section("meeting").select(meeting_id)
    qtbot.waitUntil(lambda: panel.meeting_id == meeting_id)
    dialog = WalkInDialog(demo, panel)
    assert not dialog.purpose.isEnabled()  # "nicht gefragt" first
    dialog.consent.setFocus()
    QTest.keyClick(dialog.consent, Qt.Key.Key_Down)
    assert dialog.purpose.isEnabled()
    dialog.last.setText("Gast")
    QTest.keyClicks(dialog.purpose, "Einladungen")
    dialog.grab().save("/tmp/consent_walkin.png")
    monkeypatch.setattr(dialog, "exec", lambda: QDialog.DialogCode.Accepted)
    assert panel.add_walk_in(dialog)
    newest = max(demo.contacts.list_ids())
    values = demo.contacts.get(newest).values
    assert (values["last_name"], values["consent_state"], values["consent_purpose"]) == (
        "Gast",
        "erteilt",
        "Einladungen",
    )
    assert values["consent_recorded_by"] == demo.network.user


def test_review_lists_open_keep_and_erase(qtbot, workers, atlas: Atlas, settings, answers: Answers) -> None:  # type: ignore[no-untyped-def]
    ask = contact(atlas, "Anders")
    contact(atlas, "Berg", consent_date="01.02.2026", consent_purpose="Netzwerk")
    idle = contact(atlas, "Ruhig", consent_date="01.02.2026", consent_purpose="Netzwerk")
    gone = contact(atlas, "Weg")
    with atlas.sessions.begin() as session:
        session.execute(
            update(m.Contact)
            .where(m.Contact.id.in_([idle, gone]))
            .values(updated_at=dt.datetime(2022, 3, 1, 9))
            .execution_options(synchronize_session=False)
        )
    window = office_window(qtbot, workers, atlas, settings)
    privacy = next(a for a in window.menuBar().actions() if a.text() == "Daten&schutz").menu()
    action = next(a for a in privacy.actions() if a.objectName() == "action_consent_review")
    action.trigger()
    dialog = window.consent_dialog
    qtbot.waitExposed(dialog)
    page = dialog.pages["consent"]
    names = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert names == ["Anders", "Weg"]
    qtbot.waitUntil(page.table.hasFocus)
    click_row(page.table, 1)
    QTest.keyClick(page.table, Qt.Key.Key_Up)  # back to "Anders" with the keyboard
    QTest.keyClick(page.table, Qt.Key.Key_Return)  # Enter opens the contact
    qtbot.waitUntil(lambda: window.section("contact").shown_id() == ask)
    dialog.grab().save("/tmp/consent_review.png")

    # Löschfristen: "Ruhig" and "Weg" have been idle since 2022 (36 months)
    window.review_consent(RETENTION)
    retention = dialog.pages[RETENTION]
    assert dialog.tabs.currentWidget() is retention
    assert [retention.table.item(r, 0).text() for r in range(retention.table.rowCount())] == ["Ruhig", "Weg"]
    click_row(retention.table, 0)
    QTest.mouseClick(retention.keep_button, Qt.MouseButton.LeftButton)
    assert "Aufbewahrung geprüft am 16.11.2026" in atlas.contacts.get(idle).values["notes"]
    assert [retention.table.item(r, 0).text() for r in range(retention.table.rowCount())] == ["Weg"]
    # erase goes through the window's Art. 17 question; "Abbrechen" keeps her
    click_row(retention.table, 0)
    cancel = ErasureAnswer(erase=False)
    QTest.mouseClick(retention.erase_button, Qt.MouseButton.LeftButton)
    assert cancel.seen and "„Weg“ nach Art. 17 DSGVO endgültig löschen?" in cancel.question
    assert atlas.contacts.count() == 4
    erase = ErasureAnswer(erase=True)
    QTest.mouseClick(retention.erase_button, Qt.MouseButton.LeftButton)
    assert erase.seen
    assert atlas.contacts.count() == 3
    qtbot.waitUntil(lambda: retention.table.rowCount() == 0)
    # the period is shared: 1 month lists "Berg" (consent of 01.02.2026) too
    dialog.pages["consent"].period.setValue(1)
    assert atlas.consent.periods().review_months == 1
    assert "Berg" in [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
