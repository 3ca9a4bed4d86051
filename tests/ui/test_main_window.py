"""The main window driven through its real widgets, offscreen."""

from __future__ import annotations

import threading

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from atlas.core import Atlas
from tests.ui.conftest import Answers, changes_applied
from tests.ui.privacy_support import ErasureAnswer
from ui.editors import ChoiceEditor, LineEditor
from ui.main_window import SECTIONS, MainWindow

YES = QMessageBox.StandardButton.Yes


def type_text(widget: QWidget, text: str) -> None:
    """Type like a keyboard would, umlauts included (QTest only maps ASCII keys)."""
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def _type(qtbot, editor: LineEditor, text: str) -> None:  # type: ignore[no-untyped-def]
    editor.edit.clear()
    type_text(editor.edit, text)


def test_sections_are_listed_in_german(window: MainWindow) -> None:
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert labels == [label for label, _keys in SECTIONS]
    assert labels[:3] == ["Einrichtungen", "Angebote", "Kontakte"]


def test_create_find_edit_delete_undo_an_institution(
    qtbot, window: MainWindow, atlas: Atlas, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    with changes_applied(qtbot, window, "quarter"):  # the change broadcast refreshes the quarter picker
        quarter = atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    window.show_section(0)
    section = window.section("institution")
    picker = section.form.editors["quarter_id"]
    assert isinstance(picker, ChoiceEditor) and picker.combo.findData(quarter.id) >= 0

    # create
    window.actions_by_name["new"].trigger()
    form = section.form
    _type(qtbot, form.editors["name"], "Ärztehaus Marktstraße")
    _type(qtbot, form.editors["street"], "Marktstraße 10")
    _type(qtbot, form.editors["postcode"], "46045")
    _type(qtbot, form.editors["phone"], "0208 825-0")
    quarter_editor = form.editors["quarter_id"]
    assert isinstance(quarter_editor, ChoiceEditor)
    quarter_editor.combo.setCurrentIndex(quarter_editor.combo.findData(quarter.id))
    assert form.save_button.isEnabled()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.record is not None
    created = form.record.id
    assert atlas.institutions.get(created).values["quarter_id"] == quarter.id

    # find: umlaut- and case-folding search through the search field
    # (each step waits for its own query's answer: the list's count alone could already be
    # right before the search ran)
    other = atlas.institutions.save(None, {"name": "Jugendtreff Nord"}).id
    qtbot.waitUntil(lambda: section.model.rowCount() == 2)

    def listed(text: str):  # type: ignore[no-untyped-def]
        return qtbot.waitSignal(section.listed, check_params_cb=lambda t: t == text, timeout=5000)

    with listed("ärzte"):
        type_text(section.search, "ärzte")
    assert section.model.ids() == [created]
    with listed(""):
        section.search.clear()
    assert sorted(section.model.ids()) == sorted([created, other])
    with listed("STRASSE"):
        qtbot.keyClicks(section.search, "STRASSE")
    assert section.model.ids() == [created]
    section.search.clear()
    with listed("gibt es nicht"):
        qtbot.keyClicks(section.search, "gibt es nicht")
    assert section.model.rowCount() == 0
    with listed(""):
        section.search.clear()
    assert section.model.rowCount() == 2
    atlas.institutions.delete(other)
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)

    # edit
    section.select(created)
    _type(qtbot, form.editors["name"], "Ärztehaus am Markt")
    qtbot.keyClick(form.editors["name"].edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert atlas.institutions.get(created).values["name"] == "Ärztehaus am Markt"
    assert section.model.data(section.model.index(0, 0)) == "Ärztehaus am Markt"

    # delete asks first, says what goes with it, and can be undone
    with changes_applied(qtbot, window, "offer"):
        atlas.offers.save(None, {"title": "Sprechstunde", "institution_id": created})
    section.select(created)
    answers.next = [YES]
    window.actions_by_name["delete"].trigger()
    assert "1 Angebot" in answers.questions[-1]
    assert atlas.institutions.count() == 0
    assert atlas.offers.count() == 0
    qtbot.waitUntil(lambda: section.model.rowCount() == 0)
    window.actions_by_name["undo"].trigger()
    assert atlas.institutions.get(created).values["name"] == "Ärztehaus am Markt"
    assert atlas.offers.count() == 1
    qtbot.waitUntil(lambda: section.model.ids() == [created])
    window.actions_by_name["redo"].trigger()
    assert atlas.institutions.count() == 0


def test_cancelled_delete_keeps_the_record(qtbot, window: MainWindow, atlas: Atlas, answers: Answers) -> None:  # type: ignore[no-untyped-def]
    record = atlas.institutions.save(None, {"name": "Familienzentrum Lirich"})
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    section.select(record.id)
    answers.next = [QMessageBox.StandardButton.Cancel]
    window.actions_by_name["delete"].trigger()
    assert atlas.institutions.count() == 1


def test_delete_dialogs_say_what_stays(qtbot, window: MainWindow, atlas: Atlas, answers: Answers) -> None:  # type: ignore[no-untyped-def]
    quarter = atlas.quarters.save(None, {"name": "Lirich"})
    inst = atlas.institutions.save(None, {"name": "Familienzentrum Lirich", "quarter_id": quarter.id})
    atlas.actors.save(
        None, {"name": "Familienzentrum Lirich (Netzwerk)", "status": "aktiv", "institution_id": inst.id}
    )
    atlas.records["round_table"].save(None, {"name": "Runder Tisch Lirich", "quarter_id": quarter.id})
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    section.select(inst.id)
    answers.next = [QMessageBox.StandardButton.Cancel]
    window.actions_by_name["delete"].trigger()
    assert (
        "Der Akteur „Familienzentrum Lirich (Netzwerk)“ bleibt erhalten (ohne Einrichtung)"
        in (answers.questions[-1])
    )
    # the quarter's dialog lists what loses its quarter
    window.show_section(window._index_of("quarter"))
    quarters = window.section("quarter")
    qtbot.waitUntil(lambda: quarters.model.rowCount() == 1)
    quarters.select(quarter.id)
    answers.next = [QMessageBox.StandardButton.Yes]
    window.actions_by_name["delete"].trigger()
    question = answers.questions[-1]
    assert question.startswith("Quartier „Lirich“ löschen?")
    assert "Erhalten bleibt:" in question
    assert "• Die Einrichtung „Familienzentrum Lirich“ bleibt erhalten (ohne Quartier)" in question
    assert "• Der Runde Tisch „Runder Tisch Lirich“ bleibt erhalten (ohne Quartier)" in question
    assert atlas.institutions.get(inst.id).values["quarter_id"] is None  # as it said


def test_invalid_fields_are_shown_next_to_the_field_and_nothing_is_saved(
    qtbot, window: MainWindow, atlas: Atlas
) -> None:  # type: ignore[no-untyped-def]
    section = window.section("institution")
    window.actions_by_name["new"].trigger()
    form = section.form
    _type(qtbot, form.editors["name"], "Beratungsstelle")
    _type(qtbot, form.editors["postcode"], "0604")  # "4604" gets its zero back (test_duplicates_ui)
    _type(qtbot, form.editors["email"], "info@")
    _type(qtbot, form.editors["lat"], "95")
    assert form.save() is False
    assert atlas.institutions.count() == 0
    assert "fünf Ziffern" in form.errors["postcode"].text()
    assert not form.errors["postcode"].isHidden()
    assert "E-Mail" in form.errors["email"].text()
    assert "Breitengrad" in form.errors["lat"].text()
    assert form.errors["name"].isHidden()
    assert "Nicht gespeichert" in form.summary.text()
    # the user's input is kept for correction
    assert form.editors["postcode"].value() == "0604"
    _type(qtbot, form.editors["postcode"], "46045")
    _type(qtbot, form.editors["email"], "info@beratung.example.org")
    _type(qtbot, form.editors["lat"], "51,47")
    _type(qtbot, form.editors["lon"], "6,85")
    assert form.save() is True
    assert atlas.institutions.count() == 1


def test_filters_narrow_the_list(qtbot, window: MainWindow, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    north = atlas.quarters.save(None, {"name": "Lirich"})
    atlas.institutions.save(None, {"name": "Kita Sonnenschein", "quarter_id": north.id})
    atlas.institutions.save(None, {"name": "Kita Regenbogen"})
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 2)
    section.set_filter(section.filters and next(iter(section.filters)), north.id)
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    assert "1 von 2" in section.count_label.text()


def test_window_remembers_layout_and_last_section(qtbot, workers, atlas: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    atlas.institutions.save(None, {"name": "Stadtteilbüro"})  # an empty database opens on the first steps
    first = MainWindow(atlas, "test.sqlite", settings, workers=workers)
    qtbot.addWidget(first)
    first.show()
    first.show_section(3)
    first.resize(700, 500)
    first.section("actor").table.setColumnWidth(0, 333)
    first.close()
    assert settings.value("window/geometry") is not None
    second = MainWindow(atlas, "test.sqlite", settings, workers=workers)
    qtbot.addWidget(second)
    second.show()
    assert second.nav.currentRow() == 3
    assert second.current_section().spec.key == "actor"
    assert second.section("actor").table.columnWidth(0) == 333
    assert settings.value("section/actor/splitter") is not None


def test_every_section_can_create_a_record(qtbot, window: MainWindow, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    with changes_applied(qtbot, window, "institution"):  # the offer's institution picker has it
        inst = atlas.institutions.save(None, {"name": "Stadtteilbüro"})
    required = {
        "institution": {"name": "Neue Einrichtung"},
        "offer": {"title": "Neues Angebot", "institution_id": inst.id},
        "contact": {"last_name": "Musterfrau"},
        "actor": {"name": "Neuer Akteur"},
        "round_table": {"name": "Neuer Runder Tisch"},
        "meeting": {"title": "Neues Treffen", "starts_at": "05.03.2026 10:00"},
        "agreement": {"title": "Neue Vereinbarung"},
        "quarter": {"name": "Neues Quartier"},
    }
    for key, values in required.items():
        section = window.section(key)
        section.new_record()
        for name, value in values.items():
            editor = section.form.editors[name]
            if isinstance(editor, ChoiceEditor):
                editor.combo.setCurrentIndex(editor.combo.findData(value))
            else:
                _type(qtbot, editor, value)
        before = atlas.records[key].count()
        assert section.form.save() is True, (key, {k: v.text() for k, v in section.form.errors.items()})
        assert atlas.records[key].count() == before + 1
        qtbot.waitUntil(lambda s=section: s.current_id() is not None)


def test_the_filtered_list_exports_as_it_is_shown(
    qtbot, window: MainWindow, atlas: Atlas, tmp_path, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    import csv

    for name in ("Kita Sonne", "Kita Mond", "Jobcenter"):
        atlas.institutions.save(None, {"name": name})
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 3)
    section.search.setText("kita")
    section.refresh()
    target = tmp_path / "liste.csv"
    summary = window.export_list(str(target))
    assert summary and "2 Einträge" in summary
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["Kita Mond", "Kita Sonne"]
    assert window.export_list(str(tmp_path / "liste.pdf")) is None
    assert "Unbekanntes Format" in answers.warnings[-1]


def test_open_referral_package_round_trip_through_the_menu(
    qtbot, workers, demo: Atlas, atlas: Atlas, settings, tmp_path, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    source = MainWindow(demo, "demo.sqlite", settings, workers=workers)
    qtbot.addWidget(source)
    package = tmp_path / "verzeichnis.zip"
    assert source.export_hsds(str(package)) is not None
    assert package.stat().st_size > 0
    target = MainWindow(atlas, "leer.sqlite", settings, workers=workers)
    qtbot.addWidget(target)
    assert target.import_hsds(str(package)) is not None
    public = sum(1 for i in demo.institutions.list_ids() if demo.institutions.get(i).values["is_public"])
    assert atlas.institutions.count() == public
    assert atlas.contacts.count() == 0  # personal data stays out unless asked for
    section = target.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == public)
    broken = tmp_path / "kaputt.zip"
    broken.write_bytes(b"kein zip")
    assert target.import_hsds(str(broken)) is None
    assert answers.warnings


def test_dsgvo_information_and_erasure_are_one_action_each(
    qtbot, window: MainWindow, atlas: Atlas, tmp_path, answers: Answers, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    person = atlas.contacts.save(
        None, {"first_name": "Erika", "last_name": "Beispiel", "email": "e@example.org"}
    )
    assert window.privacy_export(str(tmp_path / "a.txt")) is None  # nobody selected yet
    assert "Kontakte" in answers.warnings[-1]
    window.show_section(2)
    section = window.section("contact")
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    section.select(person.id)
    written = window.privacy_export(str(tmp_path / "auskunft.txt"))
    assert written and "e@example.org" in (tmp_path / "auskunft.txt").read_text(encoding="utf-8")
    cancel = ErasureAnswer(erase=False)
    assert window.privacy_erase() is None
    assert cancel.seen and atlas.contacts.count() == 1
    erase = ErasureAnswer(erase=True)
    erased_on: list[threading.Thread] = []
    real_erase = atlas.privacy.erase

    def erase_and_note_the_thread(contact_id: int):  # type: ignore[no-untyped-def]
        erased_on.append(threading.current_thread())
        return real_erase(contact_id)

    monkeypatch.setattr(atlas.privacy, "erase", erase_and_note_the_thread)
    summary = window.privacy_erase()
    assert summary and "gelöscht" in summary
    # the scan and vacuum take seconds on a big file: never on the GUI thread
    assert erased_on and erased_on[0] is not threading.main_thread()
    assert "nicht rückgängig" in erase.question
    assert atlas.contacts.count() == 0
    qtbot.waitUntil(lambda: section.model.rowCount() == 0)


def test_a_section_not_shown_catches_up_when_the_person_opens_it(
    qtbot, workers, demo: Atlas, settings
) -> None:  # type: ignore[no-untyped-def]
    """A change reaches the list on screen at once; a section on another page (a geocoding
    batch announces 200 changes) follows when it is opened - with the change in it."""
    from PySide6.QtTest import QTest

    from tests.ui.conftest import office_window

    window = office_window(qtbot, workers, demo, settings)
    window.show_section(1)  # the offers, so that the institutions' list is built
    window.show_section(0)
    institutions, offers = window.section("institution"), window.section("offer")
    qtbot.waitUntil(lambda: not offers.is_searching() and not institutions.is_searching(), timeout=10000)
    shown_before = offers.model.ids()
    offer = demo.offers.get(shown_before[0])
    with changes_applied(qtbot, window, "offer"):
        demo.offers.save(
            offer.id, {**offer.values, "title": "Neu: Sprachcafé"}, expected_version=offer.version
        )
    with changes_applied(qtbot, window, "institution"):
        new = demo.institutions.save(None, {"name": "Aaa-Neue Einrichtung"}, confirm_duplicate=True)
    qtbot.waitUntil(lambda: new.id in institutions.model.ids(), timeout=5000)  # on screen: at once
    row = offers.model.row_of(offer.id)
    assert row is not None and offers.model.index(row, 0).data() != "Neu: Sprachcafé"  # hidden: not yet
    nav = window.nav
    QTest.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, pos=nav.visualItemRect(nav.item(1)).center())
    assert window.current_section() is offers

    def shows_new_title() -> None:
        at = offers.model.row_of(offer.id)
        assert at is not None and offers.model.index(at, 0).data() == "Neu: Sprachcafé"

    qtbot.waitUntil(shows_new_title, timeout=5000)


def test_changes_that_keep_coming_are_all_applied(qtbot, workers, demo: Atlas, settings) -> None:  # type: ignore[no-untyped-def]
    """Changes in a stream are applied in rounds (at most one per ``CHANGES_ROUND_MS``),
    never dropped: the last one of a stream reaches the list too."""
    from tests.ui.conftest import office_window

    window = office_window(qtbot, workers, demo, settings)
    section = window.section("institution")
    ids = section.model.ids()[:3]
    for n, record_id in enumerate(ids):
        record = demo.institutions.get(record_id)
        demo.institutions.save(
            record_id, {**record.values, "name": f"Runde {n}"}, expected_version=record.version
        )
    names = {i: f"Runde {n}" for n, i in enumerate(ids)}

    def all_shown() -> None:
        for record_id, name in names.items():
            at = section.model.row_of(record_id)
            assert at is not None and section.model.index(at, 0).data() == name

    qtbot.waitUntil(all_shown, timeout=5000)
    with changes_applied(qtbot, window, "institution"):  # right after a round: the next one waits
        record = demo.institutions.get(ids[0])
        demo.institutions.save(ids[0], {**record.values, "name": "Zuletzt"}, expected_version=record.version)
    names[ids[0]] = "Zuletzt"
    qtbot.waitUntil(all_shown, timeout=5000)
