"""The window follows the role (``ui.rights``): on a team server a coach's window greys
out deleting, the taxonomies and the activity rule, a read-only window also adding and
saving, each with the reason as tip; a file's window has everything."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar, QToolButton

from atlas.core import Atlas
from tests.test_roles import team  # noqa: F401  (the fixture: the script and the logins)
from tests.ui.conftest import office_window
from ui.rights import NEEDS
from ui.workers import Workers

# The roles live in the whole test server: with tests/test_roles.py on one worker.
pytestmark = pytest.mark.xdist_group("roles")

WHY = "Dafür fehlt Ihnen die Berechtigung (Rolle: atlas_t_anna, Netzwerkcoach). Bitte die Projektleitung fragen."


def _dashboard_rule_button(win):  # type: ignore[no-untyped-def]
    win.show_section(win._index_of("dashboard"))  # a coach's click on "Netzwerk-Übersicht"
    assert win.dashboard is not None
    return win.dashboard.rule_button


@pytest.mark.both_backends("postgresql")
def test_a_coachs_window_greys_out_what_the_role_may_not(
    qtbot,
    workers: Workers,
    settings: QSettings,
    team: Callable[[str], Atlas],  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    win = office_window(qtbot, workers, team("coach"), settings, "atlas_test")
    assert not win.section("institution").form.read_only  # a coach edits
    actions = win.actions_by_name
    for name in ("delete", "taxonomies", "privacy_erase", "import_quarters"):
        assert not actions[name].isEnabled(), name
        assert actions[name].toolTip() == WHY
    for name in ("new", "save", "find", "export_list", "report_contacts", "import_list"):
        assert actions[name].isEnabled(), name
    # the tool bar's Löschen button: grey, and its tip says why
    toolbar = win.findChild(QToolBar)
    button = toolbar.widgetForAction(actions["delete"])
    assert isinstance(button, QToolButton)
    assert not button.isEnabled()
    assert button.toolTip() == WHY
    rule = _dashboard_rule_button(win)
    assert not rule.isEnabled()
    assert rule.toolTip() == WHY


@pytest.mark.both_backends("postgresql")
def test_a_read_only_window_may_not_add_or_save(
    qtbot,
    workers: Workers,
    settings: QSettings,
    team: Callable[[str], Atlas],  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    kita = team("lead").institutions.save(None, {"name": "Kita Sonne"})
    reader = team("readonly")
    win = office_window(qtbot, workers, reader, settings, "atlas_test")
    actions = win.actions_by_name
    for name in ("new", "save", "delete", "import_list", "taxonomies"):
        assert not actions[name].isEnabled(), name
        assert "Rolle: atlas_t_chris, nur lesen" in actions[name].toolTip()
    for name in ("find", "export_list", "report_contacts", "report_directory"):
        assert actions[name].isEnabled(), name

    # the form: to look at, greyed out with the reason; a click and keys change nothing
    section = win.section("institution")
    qtbot.waitUntil(lambda: kita.id in section.model.ids())
    row = section.model.row_of(kita.id)
    assert row is not None
    rect = section.table.visualRect(section.model.index(row, 0))
    QTest.mouseClick(section.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: section.form.record is not None and section.form.record.id == kita.id)
    form = section.form
    assert form.read_only_note.isVisibleTo(form)
    assert "nur lesen" in form.read_only_note.text()
    name = form.editors["name"]
    assert name.focus_widget().isReadOnly()  # readable and copyable, not editable
    assert not form.editors["category_id"].isEnabled()
    QTest.mouseClick(name.focus_widget(), Qt.MouseButton.LeftButton)
    QTest.keyClicks(name.focus_widget(), "Mond")
    QTest.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not form.is_dirty() and not form.save_button.isEnabled()
    assert "nur lesen" in form.save_button.toolTip()
    assert not form.save()
    assert reader.institutions.get(kita.id).values["name"] == "Kita Sonne"


@pytest.mark.both_backends("postgresql")
def test_the_leads_window_has_everything(
    qtbot,
    workers: Workers,
    settings: QSettings,
    team: Callable[[str], Atlas],  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    win = office_window(qtbot, workers, team("lead"), settings, "atlas_test")
    assert all(win.actions_by_name[name].isEnabled() for name in NEEDS)  # undo: nothing to undo yet
    assert _dashboard_rule_button(win).isEnabled()


def test_a_files_window_has_everything(qtbot, workers: Workers, settings: QSettings, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    win = office_window(qtbot, workers, atlas, settings)
    assert all(win.actions_by_name[name].isEnabled() for name in NEEDS)  # undo: nothing to undo yet
    assert _dashboard_rule_button(win).isEnabled()
