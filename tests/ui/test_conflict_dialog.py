"""Two coaches save the same record (issue 13, "Konflikte, die ein Mensch lösen kann"):
this window's form meets the other program's save. Fields only one side changed are
kept silently; fields both changed differently are asked side by side ("Gleichzeitige
Änderung"); a save meanwhile asks again; a deletion meanwhile offers a new record.
Two real programs (``atlas`` with the window, ``other``) on one database, two connections."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from atlas.core import Atlas
from tests.ui.conftest import office_window
from ui.conflict_dialog import ConflictDialog, DeletedDialog
from ui.form import RecordForm
from ui.main_window import MainWindow
from ui.workers import Workers

LEFT = Qt.MouseButton.LeftButton
#: Two programs on one SQLite file, and on one PostgreSQL database (live notes there too).
pytestmark = pytest.mark.both_backends


def open_form(qtbot, window: MainWindow, record_id: int) -> RecordForm:  # type: ignore[no-untyped-def]
    window.open_record("institution", record_id)
    form = window.section("institution").form
    qtbot.waitUntil(lambda: form.record is not None and form.record.id == record_id)
    return form


def type_into(form: RecordForm, field: str, text: str) -> None:
    """Click into the field, select what is there and type over it, like a person."""
    edit = form.editors[field].focus_widget()
    edit.setFocus()
    edit.selectAll()  # type: ignore[attr-defined]
    for n, line in enumerate(text.split("\n")):
        if n:
            QTest.keyClick(edit, Qt.Key.Key_Return)  # keyClicks cannot type a line break
        QTest.keyClicks(edit, line)


def saving_asks(qtbot, form: RecordForm) -> ConflictDialog:  # type: ignore[no-untyped-def]
    before = form.conflict_dialog
    qtbot.mouseClick(form.save_button, LEFT)
    dialog = form.conflict_dialog
    assert isinstance(dialog, ConflictDialog) and dialog is not before
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def asked_labels(dialog: ConflictDialog) -> list[str]:
    return [dialog.findChild(type(dialog.taken), f"conflictLabel_{n}").text() for n in dialog.radios]


def kita(atlas: Atlas) -> int:
    return atlas.institutions.save(
        None, {"name": "Kita Sonnenschein", "city": "Oberhausen", "carrier": "AWO"}
    ).id


def test_fields_changed_on_different_sides_are_both_kept_without_a_question(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    seen = other.institutions.get(kid)
    other.institutions.save(kid, {"name": "Kita Sonnenschein gGmbH"}, expected_version=seen.version)

    qtbot.mouseClick(form.save_button, LEFT)
    assert form.conflict_dialog is None  # nothing to ask
    stored = other.institutions.get(kid).values
    assert (stored["name"], stored["city"], stored["carrier"]) == (
        "Kita Sonnenschein gGmbH",
        "Oberhausen-Sterkrade",
        "AWO",
    )
    assert not form.is_dirty()
    assert form.editors["name"].value() == "Kita Sonnenschein gGmbH"
    assert form.elsewhere.isVisible() and "(Name)" in form.elsewhere.text()


def test_a_field_both_changed_is_asked_and_saved_as_chosen_per_field(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    type_into(form, "carrier", "Caritas")
    type_into(form, "street", "Marktstraße 1")  # only mine
    seen = other.institutions.get(kid)
    other.institutions.save(
        kid,
        {"name": "Kita Sonnenschein gGmbH", "city": "Oberhausen-Osterfeld", "carrier": "Diakonie"},
        expected_version=seen.version,
    )

    dialog = saving_asks(qtbot, form)
    assert asked_labels(dialog) == ["Träger", "Ort"]  # in the form's order, only those
    assert dialog.cells["city"][0].text() == "Oberhausen-Sterkrade"
    assert dialog.cells["city"][1].text() == "Oberhausen-Osterfeld"
    assert "Name" in dialog.taken.text()  # taken silently from the saved version
    # the proposal is "Ihre Eingabe"; she takes the saved town (its button) and the
    # saved carrier back and forth by clicking its value, ending at her own
    assert all(mine.isChecked() for mine, _saved in dialog.radios.values())
    qtbot.mouseClick(dialog.radios["city"][1], LEFT)
    qtbot.mouseClick(dialog.cells["carrier"][1], LEFT)
    assert dialog.radios["carrier"][1].isChecked()
    qtbot.mouseClick(dialog.cells["carrier"][0], LEFT)
    assert dialog.radios["city"][1].isChecked() and dialog.radios["carrier"][0].isChecked()
    qtbot.mouseClick(dialog.save_button, LEFT)

    stored = other.institutions.get(kid).values
    assert (stored["name"], stored["city"], stored["carrier"], stored["street"]) == (
        "Kita Sonnenschein gGmbH",
        "Oberhausen-Osterfeld",
        "Caritas",
        "Marktstraße 1",
    )
    assert not dialog.isVisible() and not form.is_dirty()
    assert form.editors["city"].value() == "Oberhausen-Osterfeld"
    assert form.editors["carrier"].value() == "Caritas"


def test_weiter_bearbeiten_keeps_the_input_unsaved_and_the_next_save_asks_again(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    seen = other.institutions.get(kid)
    other.institutions.save(kid, {"city": "Mülheim"}, expected_version=seen.version)

    dialog = saving_asks(qtbot, form)
    qtbot.mouseClick(dialog.edit_button, LEFT)
    assert not dialog.isVisible()
    assert form.is_dirty() and form.save_button.isEnabled()
    assert form.editors["city"].value() == "Oberhausen-Sterkrade"
    assert other.institutions.get(kid).values["city"] == "Mülheim"

    # she types on; the next save asks again (Esc is "Weiter bearbeiten" too)
    type_into(form, "city", "Oberhausen-Sterkrade-Nord")
    again = saving_asks(qtbot, form)
    assert again.cells["city"][0].text() == "Oberhausen-Sterkrade-Nord"
    QTest.keyClick(again, Qt.Key.Key_Escape)
    assert not again.isVisible() and form.is_dirty()
    assert form.editors["city"].value() == "Oberhausen-Sterkrade-Nord"
    form.revert()  # the window closes without asking


def test_the_keyboard_chooses_and_saves(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    seen = other.institutions.get(kid)
    other.institutions.save(kid, {"city": "Mülheim"}, expected_version=seen.version)
    dialog = saving_asks(qtbot, form)
    dialog.activateWindow()
    mine, saved = dialog.radios["city"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is mine)
    # one row is one stop of the Tab key; the arrow keys choose within it
    QTest.keyClick(mine, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is saved and saved.isChecked()
    QTest.keyClick(saved, Qt.Key.Key_Tab)  # on to the buttons
    assert QApplication.focusWidget() is dialog.save_button
    QTest.keyClick(dialog.save_button, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is saved
    QTest.keyClick(saved, Qt.Key.Key_Return)  # "Auswahl speichern" is the default
    assert not dialog.isVisible() and not form.is_dirty()
    assert other.institutions.get(kid).values["city"] == "Mülheim"


def test_a_save_between_the_question_and_the_choice_asks_again_and_nothing_is_lost(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    seen = other.institutions.get(kid)
    second = other.institutions.save(kid, {"city": "Mülheim"}, expected_version=seen.version)
    first = saving_asks(qtbot, form)
    # while she reads, the colleague saves again: the town once more, and the carrier
    other.institutions.save(kid, {"city": "Duisburg", "carrier": "Caritas"}, expected_version=second.version)
    qtbot.mouseClick(first.save_button, LEFT)  # "Ihre Eingabe"

    again = form.conflict_dialog
    assert isinstance(again, ConflictDialog) and again is not first
    qtbot.waitUntil(again.isVisible)
    assert list(again.radios) == ["city"]  # the carrier is taken without a question
    assert (again.cells["city"][0].text(), again.cells["city"][1].text()) == (
        "Oberhausen-Sterkrade",
        "Duisburg",
    )
    assert other.institutions.get(kid).values["city"] == "Duisburg"  # nothing overwritten yet
    qtbot.mouseClick(again.save_button, LEFT)
    stored = other.institutions.get(kid).values
    assert (stored["city"], stored["carrier"], stored["name"]) == (
        "Oberhausen-Sterkrade",
        "Caritas",
        "Kita Sonnenschein",
    )
    assert not form.is_dirty()


def test_loading_the_saved_version_asks_first(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings, answers
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    seen = other.institutions.get(kid)
    other.institutions.save(kid, {"city": "Mülheim"}, expected_version=seen.version)
    dialog = saving_asks(qtbot, form)
    answers.next = [QMessageBox.StandardButton.Cancel]
    qtbot.mouseClick(dialog.load_button, LEFT)
    assert "werden verworfen" in answers.questions[-1]
    assert dialog.isVisible() and form.editors["city"].value() == "Oberhausen-Sterkrade"
    answers.next = [QMessageBox.StandardButton.Discard]
    qtbot.mouseClick(dialog.load_button, LEFT)
    assert not dialog.isVisible() and not form.is_dirty()
    assert form.editors["city"].value() == "Mülheim"


def test_a_record_deleted_meanwhile_can_be_saved_as_a_new_one(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = kita(atlas)
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "city", "Oberhausen-Sterkrade")
    other.institutions.delete(kid)

    qtbot.mouseClick(form.save_button, LEFT)
    dialog = form.conflict_dialog
    assert isinstance(dialog, DeletedDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert "„Kita Sonnenschein“ wurde inzwischen" in dialog.text.text()
    qtbot.mouseClick(dialog.edit_button, LEFT)  # first: keep editing
    assert form.is_dirty() and form.editors["city"].value() == "Oberhausen-Sterkrade"

    qtbot.mouseClick(form.save_button, LEFT)
    dialog = form.conflict_dialog
    assert isinstance(dialog, DeletedDialog)
    qtbot.mouseClick(dialog.create_button, LEFT)
    assert not form.is_dirty()
    assert form.record is not None and form.record.id != kid
    stored = other.institutions.get(form.record.id).values
    assert (stored["name"], stored["city"], stored["carrier"]) == (
        "Kita Sonnenschein",
        "Oberhausen-Sterkrade",
        "AWO",
    )


def test_hostile_text_is_shown_literally(
    qtbot, workers: Workers, atlas: Atlas, other: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    kid = atlas.institutions.save(None, {"name": "<b>Kita</b> & Co", "notes": "alt"}).id
    window = office_window(qtbot, workers, atlas, settings)
    form = open_form(qtbot, window, kid)
    type_into(form, "carrier", "<i>meins</i>")
    type_into(form, "notes", "<img src='/dev/zero'>\nzweite Zeile")
    qtbot.mouseClick(form.editors["is_public"].focus_widget(), LEFT)  # off
    seen = other.institutions.get(kid)
    other.institutions.save(
        kid,
        {"carrier": "<h1>deins</h1>", "notes": "<u>neu</u>", "category_id": None, "is_public": True},
        expected_version=seen.version,
    )
    dialog = saving_asks(qtbot, form)
    assert list(dialog.radios) == ["carrier", "notes"]
    shown = {n: (a.text(), b.text()) for n, (a, b) in dialog.cells.items()}
    assert shown == {
        "carrier": ("<i>meins</i>", "<h1>deins</h1>"),
        "notes": ("<img src='/dev/zero'>\nzweite Zeile", "<u>neu</u>"),
    }
    for a, b in dialog.cells.values():
        assert a.textFormat() == b.textFormat() == Qt.TextFormat.PlainText
    intro = dialog.findChild(type(dialog.taken), "conflictIntro")
    assert intro.textFormat() == Qt.TextFormat.PlainText and "„<b>Kita</b> & Co“" in intro.text()
    dialog.grab().save("/tmp/conflict_dialog.png")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert other.institutions.get(kid).values["carrier"] == "<i>meins</i>"


def test_values_are_shown_as_the_form_shows_them_and_many_fields_fit_the_screen(qtbot, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    from atlas.models import Vocabulary
    from atlas.records import ENTITIES, RecordData

    spec = ENTITIES["institution"]
    terms = atlas.taxonomy.terms(Vocabulary.CATEGORY)
    mine = {f.name: None for f in spec.fields} | {
        "name": "Kita",
        "category_id": terms[0].id,
        "is_public": False,
        "city": None,
        "notes": "lang " * 200,
    }
    theirs = RecordData(
        "institution",
        1,
        2,
        "Kita",
        mine | {"category_id": terms[1].id, "is_public": True, "city": "Oberhausen", "notes": "kurz"},
    )
    asked = [f.name for f in spec.fields if f.name != "name"]  # every row, for the size
    dialog = ConflictDialog(atlas, spec, theirs, mine, asked, "von anna um 10:00")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    shown = {n: (a.text(), b.text()) for n, (a, b) in dialog.cells.items()}
    assert shown["category_id"] == (terms[0].name, terms[1].name)  # names, not ids
    assert shown["is_public"] == ("Nein", "Ja")
    assert shown["city"] == ("—", "Oberhausen")
    assert shown["notes"] == ("lang " * 200, "kurz")  # the whole note, to choose between them
    head = [w.text() for w in dialog.findChildren(type(dialog.taken)) if w.text().startswith("Gespeichert")]
    assert head == ["Gespeichert (von anna um 10:00)"]
    assert dialog.width() <= 1366 and dialog.height() <= 700  # a scroll area holds the rest
    dialog.grab().save("/tmp/conflict_dialog_many.png")
    # "Auswahl speichern" with the proposals: the input wherever it was asked
    assert dialog.values() == mine
