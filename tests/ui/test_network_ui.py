"""Attendance, walk-ins, overrides and the calendar export through the real widgets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar
from PySide6.QtWidgets import QDialog
from sqlalchemy import func, select

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.demo.build import TODAY
from tests.ui.conftest import changes_applied, office_window
from tests.ui.test_hostile_text import shown_tip
from ui.actor_panel import ActorPanel, OverrideDialog
from ui.main_window import MainWindow
from ui.meeting_panel import MeetingPanel, WalkInDialog

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates


def open_meetings(qtbot, workers, demo: Atlas, settings) -> tuple[MainWindow, MeetingPanel]:  # type: ignore[no-untyped-def]
    """The meetings section on a day that is not the demo's: two days after its November round table."""
    assert isinstance(demo.clock, FixedClock) and demo.clock.today() == TODAY
    demo.clock.advance(AFTER_NOVEMBER_MEETING - TODAY)
    window = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.show()
    window.show_section(4)
    window.pages[4].setCurrentIndex(1)  # type: ignore[union-attr]
    section = window.section("meeting")
    panel = window.panels["meeting"]
    assert isinstance(panel, MeetingPanel)
    assert section is window.current_section()
    return window, panel


def open_panel(qtbot, workers, demo: Atlas, settings, key: str):  # type: ignore[no-untyped-def]
    """A window on the section of ``key`` with its first record selected; returns (window, panel, id)."""
    window = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.show()
    window.open_record(key, demo.records[key].list_ids()[0])
    section = window.section(key)
    panel = window.panels[key]
    record_id = section.current_id()
    assert record_id is not None
    qtbot.waitUntil(lambda: getattr(panel, f"{key}_id") == record_id)
    return window, panel, record_id


def past_meeting_without_attendance(demo: Atlas) -> int:
    with demo.sessions() as session:
        return session.scalar(
            select(m.Meeting.id)
            .where(m.Meeting.starts_at < demo.clock.now(), m.Meeting.round_table_id.is_not(None))
            .where(~select(m.Attendance.id).where(m.Attendance.meeting_id == m.Meeting.id).exists())
            .order_by(m.Meeting.starts_at.desc())
        )


AFTER_NOVEMBER_MEETING = dt.date(2026, 11, 20)  # the demo's Runder Tisch met on 18.11.2026


def test_ticking_who_came_makes_an_actor_active(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    """Story 4: after the round table she ticks who came; the dashboard now says 61 of 100."""
    window, panel = open_meetings(qtbot, workers, demo, settings)
    meeting_id = past_meeting_without_attendance(demo)
    assert meeting_id is not None, "the demo has a past round-table meeting without attendance"
    before = demo.network.funnel(AFTER_NOVEMBER_MEETING)
    assert before.counts["aktiv"] == 60 and before.total == 100
    states = demo.network.states(AFTER_NOVEMBER_MEETING)
    rows = demo.network.sheet(meeting_id)
    # a member who attended exactly one meeting in the window: one more makes it active
    candidate = next(
        r for r in rows if r.member and states.get(r.actor_id) and states[r.actor_id].meetings == 1
    )
    window.section("meeting").select(meeting_id)
    qtbot.waitUntil(lambda: panel.meeting_id == meeting_id)
    assert panel.sheet.rowCount() == len(rows) and panel.sheet.isEnabled()
    assert panel.tick(candidate.actor_id, candidate.contact_id)
    assert panel.save_button.isEnabled()
    assert panel.count.text() == "1 Person aus 1 Einrichtung/Akteur anwesend"
    assert panel.save()
    after = demo.network.funnel(AFTER_NOVEMBER_MEETING)
    assert after.counts["aktiv"] == 61 and after.total == 100
    # ... and the overview says so
    from ui.main_window import DASHBOARD

    window.show_section(DASHBOARD)
    page = window.dashboard
    assert page is not None
    with qtbot.waitSignal(page.computed, timeout=15000):
        page.set_day(AFTER_NOVEMBER_MEETING)
    assert page.tiles["aktiv"].value.text() == "61"
    assert "davon 61 regelmäßig aktiv" in page.sentence.text()
    assert demo.network.states(AFTER_NOVEMBER_MEETING)[candidate.actor_id].status.value == "aktiv"
    # the list shows the attendance count
    qtbot.waitUntil(lambda: window.section("meeting").form.record is not None)


def test_walk_in_is_added_on_the_spot(
    qtbot, workers, demo: Atlas, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    window, panel = open_meetings(qtbot, workers, demo, settings)
    meeting_id = past_meeting_without_attendance(demo)
    window.section("meeting").select(meeting_id)
    qtbot.waitUntil(lambda: panel.meeting_id == meeting_id)
    dialog = WalkInDialog(demo, panel)
    answers = iter([("", "Erika"), ("Neu", "Gast")])

    def fake_exec() -> int:
        try:
            first, last = next(answers)
        except StopIteration:
            return QDialog.DialogCode.Rejected
        dialog.first.setText(first)
        dialog.last.setText(last if last != "Erika" else "")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialog, "exec", fake_exec)
    contacts_before = demo.contacts.count()
    assert panel.add_walk_in(dialog)
    assert "Nachnamen" in dialog.error.text()  # the first try had no last name
    assert demo.contacts.count() == contacts_before + 1
    assert any(panel.sheet.item(r, 0).text() == "Neu Gast" for r in range(panel.sheet.rowCount()))


def test_a_future_meeting_cannot_be_ticked(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    window, panel = open_meetings(qtbot, workers, demo, settings)
    with changes_applied(qtbot, window, "meeting"):
        future = demo.records["meeting"].save(
            None,
            {
                "title": "Nächstes Jahr",
                "kind": "runder_tisch",
                "starts_at": "10.01.2030 10:00",
                "round_table_id": 1,
            },
        )
    window.section("meeting").select(future.id)
    qtbot.waitUntil(lambda: panel.meeting_id == future.id)
    assert not panel.sheet.isEnabled()
    assert "Zukunft" in panel.hint.text()


def test_override_needs_a_reason_and_is_shown(
    qtbot, workers, demo: Atlas, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    _window, panel, _actor_id = open_panel(qtbot, workers, demo, settings, "actor")
    assert isinstance(panel, ActorPanel)
    assert panel.why.text()
    dialog = OverrideDialog("aktiv", panel)
    reasons = iter(["", "kommt nur zu bilateralen Terminen"])

    def fake_exec() -> int:
        try:
            dialog.reason.setPlainText(next(reasons))
        except StopIteration:
            return QDialog.DialogCode.Rejected
        dialog.status.setCurrentIndex(dialog.status.findData("ruhend"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialog, "exec", fake_exec)
    assert panel.set_override(dialog)
    assert "Begründung" in dialog.error.text()
    assert panel.status.text() == "ruhend (von Hand)"
    assert "bilateralen" in panel.why.text()
    assert "kommt nur zu bilateralen Terminen" in panel.history.text()
    panel.clear_override()
    assert "(von Hand)" not in panel.status.text()
    assert "aufgehoben" in panel.history.text()


def test_a_long_override_history_keeps_the_panel_on_the_screen(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    actor_id = demo.actors.list_ids()[0]
    long_reason = "sehr lange Begründung " * 43  # 946 characters, as pasted from a mail
    for n in range(6):
        demo.network.set_override(actor_id, "ruhend", f"Nr. {n}: {long_reason}")
        demo.network.clear_override(actor_id)
    window = office_window(qtbot, workers, demo, settings)
    window.open_record("actor", actor_id)
    panel = window.panels["actor"]
    qtbot.waitUntil(lambda: panel.actor_id == actor_id)
    lines = panel.history.text().split("\n")
    assert lines[0] == "… 2 frühere" and len(lines) == 5
    assert all(len(line) <= 140 for line in lines) and "Nr. 5" in lines[-1]
    assert "Nr. 0" in shown_tip(panel.history.toolTip())  # everything in the tool tip
    assert panel.sizeHint().height() < 400


def test_listed_meetings_export_as_icalendar(qtbot, workers, demo: Atlas, settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, panel = open_meetings(qtbot, workers, demo, settings)
    section = window.section("meeting")
    section.search.setText("Alleinerziehende")
    section.refresh()
    expected = len(section.model.ids())
    target = panel.export_ics(str(tmp_path / "treffen.ics"))
    assert target is not None
    calendar = Calendar.from_ical(target.read_bytes())
    assert len(calendar.walk("VEVENT")) == expected > 0
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.Meeting)) > expected


def test_agreement_sides_get_a_named_person(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QComboBox

    from ui.agreement_panel import AgreementPanel

    _window, panel, agreement_id = open_panel(qtbot, workers, demo, settings, "agreement")
    assert isinstance(panel, AgreementPanel)
    assert panel.table.rowCount() >= 2
    combo = panel.table.cellWidget(0, 1)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.count() - 1)
    combo.activated.emit(combo.count() - 1)
    actor = demo.network.parties(agreement_id)[0]
    assert actor.contact_id == combo.currentData()
    assert "Nächste Abstimmung" in panel.hint.text() or "Keine" in panel.hint.text()


def test_overview_page_opens_records(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    from ui.main_window import DASHBOARD

    window = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.show()
    window.show_section(DASHBOARD)
    assert window.current_section() is None
    assert window.dashboard is not None
    window.actions_by_name["new"].trigger()  # nothing to create here: no crash
    agreement_id = demo.records["agreement"].list_ids()[0]
    window.dashboard.openRecord.emit("agreement", agreement_id)
    section = window.current_section()
    assert section is not None and section.spec.key == "agreement"
    assert section.current_id() == agreement_id
    meeting_id = demo.records["meeting"].list_ids()[0]
    window.open_record("meeting", meeting_id)
    section = window.current_section()
    assert section is not None and section.spec.key == "meeting" and section.current_id() == meeting_id


def test_print_menu_opens_documents_preset_from_the_screen(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    window, _panel = open_meetings(qtbot, workers, demo, settings)
    section = window.section("meeting")
    meeting_id = section.model.id_at(0)
    section.select(meeting_id)
    assert window.report_preset("sign-in") == {"meeting_id": meeting_id}
    dialog = window.open_report("sign-in")
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.preset["meeting_id"] == meeting_id  # type: ignore[attr-defined]
    dialog.close()
    window.show_section(2)
    contacts = window.section("contact")
    contacts.search.setText("Arslan")
    contacts.refresh()
    preset = window.report_preset("contact-list")
    assert preset["contact_ids"] == contacts.model.ids() and len(contacts.model.ids()) >= 1
    menu_texts = [a.text() for a in window.menuBar().actions()]
    assert "D&rucken" in menu_texts


def test_an_override_asks_the_coach_her_name_once(
    qtbot, workers, demo: Atlas, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Overrides are recorded with the coach's name, not "unbekannt": asked once (the login
    name offered), kept in the settings, and used from then on."""
    from atlas.network.service import login_name
    from ui import settings as prefs

    _window, panel, actor_id = open_panel(qtbot, workers, demo, settings, "actor")
    assert isinstance(panel, ActorPanel)
    assert panel.ask_name() == login_name()
    first = OverrideDialog("aktiv", panel, ask_name=panel.ask_name())
    assert first.name is not None and first.name.text() == login_name()
    answers = iter(["  ", "Petra  Koch"])

    def fill() -> int:
        try:
            name = next(answers)
        except StopIteration:
            return QDialog.DialogCode.Rejected
        assert first.name is not None
        first.name.setText(name)
        first.reason.setPlainText("arbeitet ohne Treffen eng mit")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(first, "exec", fill)
    assert panel.set_override(first)
    assert "Namen" in first.error.text()  # an empty name was refused first
    assert demo.network.overrides(actor_id)[-1][3] == "Petra Koch"
    assert prefs.USER_NAME.get(settings) == "Petra Koch"
    assert "Petra Koch" in panel.history.text()
    # asked once: the next dialog has no name field, and a new window knows her
    assert panel.ask_name() is None
    again = ActorPanel(demo, settings)
    assert again.ask_name() is None and demo.network.user == "Petra Koch"
