"""The duplicate question and the merge, clicked through with the mouse at 1366x768."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QRadioButton

from atlas.core import Atlas
from atlas.errors import NotFoundError
from tests.import_support import write_csv
from tests.ui.conftest import Answers
from tests.ui.test_import_wizard import check, make  # noqa: F401  (make is a fixture)
from tests.ui.test_main_window import _type
from ui.duplicate_dialog import DuplicateDialog, MergeDialog
from ui.main_window import MainWindow
from ui.section import SectionWidget

SHOTS = Path("/tmp/dupes_shots")


@pytest.fixture(autouse=True)
def nothing_left_unsaved(window: MainWindow) -> Iterator[None]:
    """A failed test must not leave a form asking at the session's end."""
    yield
    for section in window.sections.values():
        section.form._set_dirty(False)


def click(widget: QPushButton | QRadioButton) -> None:
    """A click where a person aims: a button's middle, a radio button's circle."""
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    rect = widget.rect()
    pos = QPoint(8, rect.height() // 2) if isinstance(widget, QRadioButton) else rect.center()
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def shot(widget: object, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def undo(qtbot, window: MainWindow, section: SectionWidget) -> None:  # type: ignore[no-untyped-def]
    """Strg+Z as a person presses it: with the focus in the list (in a text field the
    field's own undo would take it)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    section.table.setFocus()
    assert QApplication.focusWidget() is section.table
    QTest.keyClick(section.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def _lookalike_typed(qtbot, window: MainWindow, atlas: Atlas, phone: str = ""):  # type: ignore[no-untyped-def]
    """At 1366×768: "Stadtteilbüro Lirich" stored, then a new institution typed at the same
    address ("Quartiersbüro", Marktstraße 1) and Speichern clicked. Returns the stored record,
    the section and its form."""
    window.resize(1366, 768)
    stored = atlas.institutions.save(
        None, {"name": "Stadtteilbüro Lirich", "street": "Marktstr. 1", "postcode": "46045"}
    )
    section = window.section("institution")
    window.show_section(0)
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    window.actions_by_name["new"].trigger()
    form = section.form
    _type(qtbot, form.editors["name"], "Quartiersbüro")
    _type(qtbot, form.editors["street"], "Marktstraße 1")
    _type(qtbot, form.editors["postcode"], "46045")
    if phone:
        _type(qtbot, form.editors["phone"], phone)
    click(form.save_button)
    return stored, section, form


def test_a_new_institution_at_a_known_address_is_merged_and_the_merge_undone(
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    stored, section, form = _lookalike_typed(qtbot, window, atlas, phone="0208 12345")

    dialog = form.duplicate_dialog
    assert isinstance(dialog, DuplicateDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Mögliches Duplikat"
    text = dialog.list.item(0).text()
    assert "Stadtteilbüro Lirich" in text and "gleiche Adresse" in text
    assert dialog.create_button.text() == "Trotzdem anlegen"
    shot(dialog, "duplicate_dialog")
    click(dialog.merge_button)
    assert atlas.institutions.count() == 1  # nothing created

    merge = form.merge_dialog
    assert isinstance(merge, MergeDialog) and merge.isVisible()
    keep_name, other_name = merge.radios["name"]
    assert (keep_name.text(), other_name.text()) == ("Stadtteilbüro Lirich", "Quartiersbüro")
    assert keep_name.isChecked()
    assert merge.radios["phone"][1].isChecked()  # the stored one has no phone
    assert "street" in merge.radios and "postcode" not in merge.radios  # equal values: no choice
    click(other_name)
    shot(merge, "merge_dialog")
    click(merge.findChild(QPushButton, "mergeNow"))

    kept = atlas.institutions.get(stored.id)
    assert (kept.values["name"], kept.values["phone"]) == ("Quartiersbüro", "0208 12345")
    assert atlas.institutions.count() == 1
    assert form.record is not None and form.record.id == stored.id and not form.is_dirty()
    qtbot.waitUntil(lambda: section.current_id() == stored.id)

    undo(qtbot, window, section)
    back = atlas.institutions.get(stored.id)
    assert (back.values["name"], back.values["phone"]) == ("Stadtteilbüro Lirich", None)
    qtbot.waitUntil(lambda: form.record is not None and form.record.values["name"] == "Stadtteilbüro Lirich")


def test_an_edited_contact_merged_into_its_duplicate_moves_its_actor(
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    window.resize(1366, 768)
    anna = atlas.contacts.save(
        None, {"first_name": "Anna", "last_name": "Schmidt", "email": "anna@example.org"}
    )
    other = atlas.contacts.save(
        None, {"first_name": "A.", "last_name": "Schmidt-Kaya", "phone": "0208 12345"}
    )
    actor = atlas.actors.save(None, {"name": "Anna Schmidt", "status": "aktiv", "contact_id": other.id})
    window.show_section(2)
    section = window.section("contact")
    qtbot.waitUntil(lambda: section.model.rowCount() == 2)
    table = section.table
    row = section.model.row_of(other.id)
    assert row is not None
    index = section.model.index(row, 0)
    qtbot.waitUntil(lambda: table.isVisible() and table.visualRect(index).isValid())
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center())
    form = section.form
    assert form.record is not None and form.record.id == other.id
    _type(qtbot, form.editors["email"], "ANNA@example.org")
    click(form.save_button)

    dialog = form.duplicate_dialog
    assert dialog is not None and "gleiche E-Mail-Adresse" in dialog.list.item(0).text()
    assert dialog.create_button.text() == "Trotzdem speichern"
    click(dialog.merge_button)
    merge = form.merge_dialog
    assert merge is not None
    assert "1 Akteur" in merge.note.text() and "gelöscht" in merge.note.text()
    click(merge.radios["first_name"][0])  # keep "Anna"
    click(merge.findChild(QPushButton, "mergeNow"))

    with pytest.raises(NotFoundError):
        atlas.contacts.get(other.id)
    assert atlas.actors.get(actor.id).values["contact_id"] == anna.id
    assert atlas.contacts.get(anna.id).values["phone"] == "0208 12345"
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)

    undo(qtbot, window, section)
    assert answers.warnings == [] and window.undo_stack.index() == 0
    assert atlas.contacts.get(other.id).values["email"] is None  # as stored before the edit
    assert atlas.actors.get(actor.id).values["contact_id"] == other.id
    assert atlas.contacts.get(anna.id).values["phone"] is None
    qtbot.waitUntil(lambda: section.model.rowCount() == 2)


def test_create_anyway_and_open_the_stored_one(
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    window.resize(1366, 768)
    stored = atlas.institutions.save(None, {"name": "Tafel Oberhausen e. V.", "postcode": "46045"})
    section = window.section("institution")
    window.show_section(0)
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    form = section.form

    window.actions_by_name["new"].trigger()
    _type(qtbot, form.editors["name"], "TAFEL OBERHAUSEN")
    _type(qtbot, form.editors["postcode"], "46045")
    click(form.save_button)
    dialog = form.duplicate_dialog
    assert dialog is not None
    click(dialog.open_button)
    assert atlas.institutions.count() == 1
    assert form.record is not None and form.record.id == stored.id and not form.is_dirty()
    qtbot.waitUntil(lambda: section.current_id() == stored.id)
    QApplication.processEvents()

    window.actions_by_name["new"].trigger()
    _type(qtbot, form.editors["name"], "Tafel Oberhausen")
    _type(qtbot, form.editors["postcode"], "46045")
    click(form.save_button)
    dialog = form.duplicate_dialog
    assert dialog is not None and dialog.isVisible()
    click(dialog.create_button)
    assert atlas.institutions.count() == 2


def test_a_four_digit_postcode_is_padded_and_shown(
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    section = window.section("institution")
    window.show_section(0)
    window.actions_by_name["new"].trigger()
    form = section.form
    _type(qtbot, form.editors["name"], "Kita Regenbogen")
    _type(qtbot, form.editors["postcode"], "4604")
    click(form.save_button)
    assert form.record is not None and form.record.values["postcode"] == "04604"
    assert form.editors["postcode"].value() == "04604"


def test_the_import_wizard_shows_each_padded_postcode(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rows = [
        ["Kita Regenbogen", "", "Lange Straße", "3", "4604", "Oberhausen", "", "", ""],
        ["Kita Sonnenschein", "", "Kurze Straße", "9", "1067", "Dresden", "", "", ""],
    ]
    wizard = make(atlas, write_csv(tmp_path / "plz.csv", rows))
    plan = check(qtbot, wizard)
    assert plan.errors == ()
    notes = wizard.check_page.notes
    assert notes.isVisible()
    shot(wizard, "wizard_notes")
    assert "Zeile 2" in notes.text() and "„4604“" in notes.text() and "„04604“" in notes.text()
    assert "Zeile 3" in notes.text() and "„01067“" in notes.text()
    assert [r.values["postcode"] for r in plan.rows] == ["04604", "01067"]


def test_stored_duplicates_are_found_from_the_menu_and_merged(
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    window.resize(1366, 768)
    a = atlas.institutions.save(None, {"name": "Stadtteilbüro", "street": "Marktstr. 1", "postcode": "46045"})
    b = atlas.institutions.save(
        None,
        {"name": "Quartiersbüro", "street": "Marktstraße 1", "postcode": "46045"},
        confirm_duplicate=True,
    )
    offer = atlas.offers.save(None, {"title": "Nähcafé", "institution_id": b.id})
    section = window.section("institution")
    window.show_section(0)
    qtbot.waitUntil(lambda: section.model.rowCount() == 2)
    row = section.model.row_of(a.id)
    assert row is not None
    index = section.model.index(row, 0)
    QTest.mouseClick(
        section.table.viewport(), Qt.MouseButton.LeftButton, pos=section.table.visualRect(index).center()
    )
    form = section.form
    assert form.record is not None and form.record.id == a.id

    window.actions_by_name["find_duplicates"].trigger()
    dialog = form.duplicate_dialog
    assert isinstance(dialog, DuplicateDialog) and dialog.isVisible()
    assert not dialog.create_button.isVisible()
    assert "Quartiersbüro" in dialog.list.item(0).text()
    click(dialog.merge_button)
    merge = form.merge_dialog
    assert isinstance(merge, MergeDialog)
    assert "1 Angebot" in merge.note.text()
    click(merge.findChild(QPushButton, "mergeNow"))
    assert atlas.institutions.count() == 1
    assert atlas.offers.get(offer.id).values["institution_id"] == a.id

    undo(qtbot, window, section)
    assert atlas.institutions.count() == 2
    assert atlas.offers.get(offer.id).values["institution_id"] == b.id

    # A record without duplicates: a note in the status bar, no dialog.
    atlas.institutions.delete(b.id)
    window.actions_by_name["find_duplicates"].trigger()
    assert "Keine möglichen Duplikate" in window.statusBar().currentMessage()


def test_enter_chooses_the_default_in_both_dialogs(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:
    """Keyboard only: Enter in the duplicate question takes "Zusammenführen …", Enter in
    the field-by-field dialog merges (the default button counts only once it is in the dialog)."""
    stored, _section, form = _lookalike_typed(qtbot, window, atlas)
    dialog = form.duplicate_dialog
    assert isinstance(dialog, DuplicateDialog) and dialog.isVisible()
    dialog.list.setFocus()
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    merge = form.merge_dialog
    assert isinstance(merge, MergeDialog) and merge.isVisible()
    merge.radios["name"][0].setFocus()
    QTest.keyClick(merge.radios["name"][0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not merge.isVisible())
    assert atlas.institutions.count() == 1
    assert atlas.institutions.get(stored.id).values["name"] == "Stadtteilbüro Lirich"
