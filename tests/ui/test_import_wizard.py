"""The import wizard driven through its pages, offscreen: reading (encoding and separator
overrides, sheets, refused files), mapping (remembered), check (errors, duplicates), import
(cancel leaves nothing behind). Every file is built by the test, as in tests/test_import_reading.py and tests/test_importing.py.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWizard

from atlas.changes import Change
from atlas.core import Atlas
from atlas.io import importing as imp
from tests.import_support import GOOD, HEADER, write_csv
from ui.import_wizard import CHECK, COLUMNS, FILE, IMPORT, ImportWizard
from ui.import_wizard.check_tables import DuplicatesView

B = QWizard.WizardButton


def names(atlas: Atlas) -> list[str]:
    service = atlas.institutions
    return sorted(service.get(i).values["name"] for i in service.list_ids())


@pytest.fixture
def make(qtbot, workers, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A shown wizard with its mappings in a temporary folder."""

    def build(atlas: Atlas, path: Path | None = None, kind: str = "institution") -> ImportWizard:
        wizard = ImportWizard(atlas, kind=kind, mapping_folder=tmp_path / "config", workers=workers)
        qtbot.addWidget(wizard)
        wizard.show()
        if path is not None:
            read(qtbot, wizard, path)
        return wizard

    return build


def read(qtbot, wizard: ImportWizard, path: Path) -> imp.RawTable | None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(wizard.file_read, timeout=20000) as blocker:
        wizard.load_file(path)
    return blocker.args[0]


def check(qtbot, wizard: ImportWizard) -> imp.ImportPlan:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(wizard.checked, timeout=30000) as blocker:
        assert wizard.run_check()
    plan = blocker.args[0]
    assert plan is not None, wizard.check_message
    assert wizard.currentId() == CHECK
    return plan


def cell_text(view: QAbstractItemView, row: int, column: int) -> str:
    return str(view.model().index(row, column).data())


def choose_for_row(qtbot, view: DuplicatesView, row: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Click a duplicate's choice and the entry in the list that opens, as a person does."""
    cell = view.model().index(row, 3)
    view.scrollTo(cell)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(cell).center())
    combo = view.editor()
    assert combo is not None
    popup = combo.view()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    entry = popup.model().index(combo.findText(text), 0)

    # The popup ignores a release within a double-click's time of opening (as Qt does for
    # people): click the entry until the popup takes the click, as a person would.
    def taken() -> bool:
        QTest.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=popup.visualRect(entry).center())
        return not popup.isVisible()

    qtbot.waitUntil(taken, timeout=3000)
    assert cell_text(view, row, 3) == text


def run_import(qtbot, wizard: ImportWizard) -> imp.ImportResult:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(wizard.imported, timeout=30000) as blocker:
        assert wizard.run_import()
    return blocker.args[0]


# -- all pages -------------------------------------------------------------------------


def test_a_windows_1252_list_with_umlauts_goes_through_all_pages(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "einrichtungen.csv", GOOD)
    wizard = make(atlas)
    assert wizard.currentId() == FILE and not wizard.button(B.NextButton).isEnabled()
    table = read(qtbot, wizard, path)
    assert table is not None and (table.encoding, table.separator) == ("cp1252", ";")

    # 1. The detected encoding and separator are shown; the preview shows the rows as text.
    page = wizard.file_page
    assert page.encoding_combo.currentData() == "cp1252" and page.encoding_combo.isVisible()
    assert page.separator_combo.currentData() == ";" and not page.sheet_combo.isVisible()
    assert page.preview.horizontalHeaderItem(1).text() == "Träger"
    assert page.preview.item(2, 0).text() == "Suchtberatung Löwenzahn"
    assert page.preview.verticalHeaderItem(0).text() == "2"  # the row number Excel shows
    assert "3 Zeilen, 9 Spalten" in page.status.text()
    assert wizard.button(B.NextButton).isEnabled()

    # 2. Every column is suggested from its heading; nothing is missing.
    wizard.next()
    assert wizard.currentId() == COLUMNS
    columns = wizard.columns_page
    assert wizard.mapping() == {
        0: "name", 1: "carrier", 2: "street", 3: "house_number", 4: "postcode",
        5: "city", 6: "phone", 7: "email", 8: "category",
    }  # fmt: skip
    assert columns.combos[0].currentText() == "Name *"
    assert columns.combos[1].currentText() == "Träger"
    assert not columns.problem.isVisible() and wizard.button(B.NextButton).isEnabled()

    # 3. The check runs on the worker; all good, Importieren is enabled.
    heard: list[tuple[Change, str]] = []
    atlas.changes.subscribe(lambda change: heard.append((change, threading.current_thread().name)))
    with qtbot.waitSignal(wizard.checked, timeout=30000):
        wizard.next()
    assert wizard.currentId() == CHECK
    assert wizard.check_page.counts.text() == (
        "3 Zeilen geprüft: 3 gut · 0 fehlerhaft · 0 mögliche Doppeleinträge"
    )
    assert wizard.button(B.CommitButton).isEnabled()
    assert wizard.button(B.CommitButton).text() == "&Importieren"
    assert atlas.institutions.count() == 0  # checking writes nothing

    # 4. Import, then Fertig.
    result = run_import(qtbot, wizard)
    assert wizard.currentId() == IMPORT
    assert (result.created, result.skipped_invalid) == (3, 0)
    assert wizard.import_page.result.text() == result.summary()
    assert atlas.institutions.count() == 3
    assert names(atlas) == ["Kita Sonnenschein", "Schuldnerberatung Caritas", "Suchtberatung Löwenzahn"]
    loewenzahn = atlas.institutions.get(atlas.institutions.list_ids("löwenzahn")[0]).values
    assert (loewenzahn["street"], loewenzahn["carrier"]) == ("Mülheimer Str. 7a", "Diakonie")
    # The core announces the change from the database worker that wrote it (the window's
    # ChangeRelay takes it to the GUI thread: tests/ui/test_workers.py).
    assert heard and all(thread != threading.main_thread().name for _change, thread in heard)
    assert "institution" in heard[0][0].entities
    assert not wizard.button(B.BackButton).isEnabled()
    assert wizard.button(B.FinishButton).isEnabled()
    wizard.button(B.FinishButton).click()
    assert not wizard.isVisible()


# -- reading ---------------------------------------------------------------------------


def test_encoding_and_separator_overrides_read_the_file_again(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    wizard = make(atlas, write_csv(tmp_path / "liste.csv", GOOD))
    page = wizard.file_page
    # UTF-8 chosen by keyboard (one up from Windows-1252): this file is not UTF-8.
    page.encoding_combo.setFocus()
    with qtbot.waitSignal(wizard.file_read, timeout=10000) as blocker:
        QTest.keyClick(page.encoding_combo, Qt.Key.Key_Up)
    assert blocker.args[0] is None and wizard.table is None
    assert page.encoding_combo.currentData() == "utf-8"
    assert "Bitte eine andere Zeichenkodierung wählen." in page.error.text()
    assert page.error.isVisible() and page.encoding_combo.isVisible()
    assert page.preview.rowCount() == 0
    assert not wizard.button(B.NextButton).isEnabled()

    with qtbot.waitSignal(wizard.file_read, timeout=10000) as blocker:
        wizard.set_encoding("cp1252")
    table = blocker.args[0]
    assert table is not None and table.headers[1] == "Träger"
    assert not page.error.isVisible() and wizard.button(B.NextButton).isEnabled()

    # The wrong separator puts everything into one column; the user sees it and switches back.
    with qtbot.waitSignal(wizard.file_read, timeout=10000) as blocker:
        wizard.set_separator(",")
    assert len(blocker.args[0].headers) == 1 and page.preview.columnCount() == 1
    with qtbot.waitSignal(wizard.file_read, timeout=10000) as blocker:
        wizard.set_separator(";")
    assert len(blocker.args[0].headers) == 9

    # A new file is detected afresh (UTF-8 with BOM, commas).
    table = read(qtbot, wizard, write_csv(tmp_path / "utf8.csv", GOOD, encoding="utf-8-sig", sep=","))
    assert table is not None and (table.encoding, table.separator) == ("utf-8-sig", ",")
    assert page.encoding_combo.currentData() == "utf-8-sig" and page.separator_combo.currentData() == ","


def test_a_workbook_with_several_sheets_offers_the_choice(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "Hinweise"  # type: ignore[union-attr]
    notes.append(["Stand: Mai"])  # type: ignore[union-attr]
    data = book.create_sheet("Einrichtungen")
    data.append(HEADER)
    for row in GOOD:
        data.append(row)
    path = tmp_path / "liste.xlsx"
    book.save(path)

    wizard = make(atlas, path)
    page = wizard.file_page
    assert wizard.table is not None and wizard.table.sheet == "Hinweise"
    assert page.sheet_combo.isVisible() and not page.encoding_combo.isVisible()
    assert [page.sheet_combo.itemText(i) for i in range(page.sheet_combo.count())] == [
        "Hinweise",
        "Einrichtungen",
    ]
    with qtbot.waitSignal(wizard.file_read, timeout=10000) as blocker:
        wizard.set_sheet("Einrichtungen")
    assert blocker.args[0].headers == tuple(HEADER)
    assert page.sheet_combo.currentText() == "Einrichtungen"
    assert check(qtbot, wizard).summary() == "3 gültige Zeile(n), 0 fehlerhaft, 0 mögliche Dublette(n)."


def _xlsx_with(path: Path, sheet_xml: bytes) -> Path:
    """A real workbook whose sheet is replaced (the trick of tests/test_import_reading.py)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name"])  # type: ignore[union-attr]
    book.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in parts.items():
            out.writestr(name, content)
    return path


def test_a_zip_bomb_and_an_oversized_file_are_refused_with_a_message(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bomb = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    bomb += b" " * (64 * 1024 * 1024) + b"</sheetData></worksheet>"
    path = _xlsx_with(tmp_path / "bombe.xlsx", bomb)
    wizard = make(atlas)
    assert read(qtbot, wizard, path) is None
    page = wizard.file_page
    assert "Zip-Bombe" in page.error.text() and page.error.isVisible()
    assert not wizard.button(B.NextButton).isEnabled()
    assert page.preview.columnCount() == 0

    wizard.max_bytes = 100  # a lower limit instead of a 64 MB file
    assert read(qtbot, wizard, write_csv(tmp_path / "liste.csv", GOOD * 5)) is None
    assert "zu groß" in page.error.text()
    assert not wizard.button(B.NextButton).isEnabled()
    wizard.max_bytes = imp.MAX_FILE_BYTES
    assert read(qtbot, wizard, tmp_path / "liste.csv") is not None
    assert not page.error.isVisible() and wizard.button(B.NextButton).isEnabled()


# -- mapping ---------------------------------------------------------------------------


def test_a_required_field_must_be_mapped_and_the_mapping_is_remembered(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    header = ["Bezeichnung der Stelle", "Träger", "PLZ", "Gruppe"]
    rows = [["Stadtteilbüro Süd", "Stadt", "46045", "Wohnen"], ["Tafel Nord", "Verein", "46047", "Wohnen"]]
    path = write_csv(tmp_path / "stellen.csv", rows, header)
    wizard = make(atlas, path)
    wizard.next()
    page = wizard.columns_page
    assert wizard.mapping() == {1: "carrier", 2: "postcode"}
    assert page.problem.isVisible() and "Name" in page.problem.text()
    assert not wizard.button(B.NextButton).isEnabled()

    # The user chooses in the combos: the name, the category, and leaves "Träger" out.
    page.combos[0].setCurrentIndex(page.combos[0].findData("name"))
    page.combos[3].setCurrentIndex(page.combos[3].findData("category"))
    page.combos[1].setCurrentIndex(0)
    assert page.combos[1].currentText() == "– nicht übernehmen –"
    assert wizard.mapping() == {0: "name", 2: "postcode", 3: "category"}
    assert not page.problem.isVisible() and wizard.button(B.NextButton).isEnabled()
    # One field for two columns is refused until one is changed.
    wizard.set_mapping("Gruppe", "postcode")
    assert "mehreren Spalten" in page.problem.text() and not wizard.button(B.NextButton).isEnabled()
    wizard.set_mapping(3, "category")
    assert page.combos[3].currentData() == "category"

    check(qtbot, wizard)
    result = run_import(qtbot, wizard)
    assert result.created == 2
    institution = atlas.institutions.get(atlas.institutions.list_ids("Stadtteilbüro")[0]).values
    assert institution["carrier"] is None and institution["category_id"] is not None

    # The next wizard with the same headings suggests the same.
    again = make(atlas, path)
    assert again.mapping() == {0: "name", 2: "postcode", 3: "category"}
    again.next()
    assert again.columns_page.note.text().startswith("Vorgeschlagen nach Ihrer Zuordnung")
    assert again.columns_page.combos[1].currentData() == ""
    # Only for this kind.
    assert make(atlas, path, kind="actor").mapping().get(0) is None


def test_the_columns_page_is_walked_with_the_tab_key(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = make(atlas, write_csv(tmp_path / "liste.csv", GOOD))
    wizard.activateWindow()
    wizard.next()
    combos = wizard.columns_page.combos
    combos[0].setFocus()
    qtbot.waitUntil(combos[0].hasFocus, timeout=2000)
    for combo in combos[1:4]:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is combo
    # Arrow keys choose, as with the mouse.
    QTest.keyClick(combos[3], Qt.Key.Key_Up)
    assert wizard.mapping().get(3) != "house_number"


def test_a_contact_list_needs_a_name_column(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "kontakte.csv", [["Anna", "0208 1"]], ["Vorname", "Telefon"])
    wizard = make(atlas, path, kind="contact")
    assert wizard.file_page.kind_combo.currentText() == "Kontakte"
    wizard.next()
    assert "„Name (Vor- und Nachname)“ oder „Nachname“" in wizard.columns_page.problem.text()
    assert not wizard.button(B.NextButton).isEnabled()


# -- check -----------------------------------------------------------------------------


def test_invalid_rows_block_the_import_until_they_are_left_out(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rows = [*GOOD, ["Treff Mitte", "", "Markt", "1", "46045", "Oberhausen", "", "kein-at-zeichen", "Wohnen"]]
    wizard = make(atlas, write_csv(tmp_path / "fehler.csv", rows))
    plan = check(qtbot, wizard)
    page = wizard.check_page
    assert (len(plan.valid_rows), len(plan.invalid_rows)) == (3, 1)
    assert page.counts.text() == "4 Zeilen geprüft: 3 gut · 1 fehlerhaft · 0 mögliche Doppeleinträge"
    # The error list names the row, the column and the reason.
    assert page.errors.model().rowCount() == 1
    assert [cell_text(page.errors, 0, c) for c in range(3)] == [
        "5",
        "E-Mail",
        "Keine gültige E-Mail-Adresse: kein-at-zeichen",
    ]
    assert page.tabs.currentIndex() == 0 and page.tabs.tabText(0) == "Fehlerhafte Zeilen (1)"
    assert not page.skip_invalid.isChecked()
    assert not wizard.button(B.CommitButton).isEnabled()
    assert page.explanation.isVisible() and "wird nichts importiert" in page.explanation.text()
    assert not wizard.run_import()

    report = tmp_path / "fehler-bericht.csv"
    assert wizard.save_rejects(report) == 1
    assert "kein-at-zeichen" in report.read_text(encoding="utf-8-sig")
    assert "1 Zeilen" in page.report_note.text()

    page.skip_invalid.click()
    assert wizard.skip_invalid and not page.explanation.isVisible()
    assert wizard.button(B.CommitButton).isEnabled()
    result = run_import(qtbot, wizard)
    assert (result.created, result.skipped_invalid) == (3, 1)
    assert names(atlas) == ["Kita Sonnenschein", "Schuldnerberatung Caritas", "Suchtberatung Löwenzahn"]


def test_duplicates_default_to_skip_and_can_be_imported_anyway(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = imp.read_table(write_csv(tmp_path / "a.csv", GOOD[:1]))
    imp.apply(
        atlas, imp.prepare(atlas, "institution", first, imp.suggest_mapping("institution", first.headers))
    )
    rows = [
        ["Schuldnerberatung Caritas e.V.", "", "Markt", "12", "46045", "", "", "", ""],  # in the database
        GOOD[1],
    ]
    path = write_csv(tmp_path / "b.csv", rows)

    wizard = make(atlas, path)
    plan = check(qtbot, wizard)
    page = wizard.check_page
    assert [d.row for d in plan.duplicates] == [2]
    assert page.tabs.currentIndex() == 1 and page.tabs.tabText(1) == "Mögliche Doppeleinträge (1)"
    assert cell_text(page.duplicates, 0, 0) == "2"
    assert "Marktstraße 12, 46045 Oberhausen" in cell_text(page.duplicates, 0, 2)
    assert cell_text(page.duplicates, 0, 3) == "überspringen"
    assert wizard.duplicate_choice(2) == "skip"
    result = run_import(qtbot, wizard)
    assert (result.created, result.skipped_duplicates) == (1, 1)
    assert atlas.institutions.count() == 2

    again = make(atlas, path)
    check(qtbot, again)
    choose_for_row(qtbot, again.check_page.duplicates, 0, "trotzdem anlegen")
    assert again.duplicate_choice(2) == "import"
    assert again.duplicate_choice(3) == "skip"  # the Kita, imported above, stays skipped
    result = run_import(qtbot, again)
    assert (result.created, result.skipped_duplicates) == (1, 1)
    assert names(atlas) == [
        "Kita Sonnenschein",
        "Schuldnerberatung Caritas",
        "Schuldnerberatung Caritas e.V.",
    ]


def test_the_choice_for_all_duplicates(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [GOOD[1], GOOD[1], GOOD[1]]  # the same Kita three times: rows 3 and 4 look like row 2
    wizard = make(atlas, write_csv(tmp_path / "kitas.csv", rows))
    check(qtbot, wizard)
    page = wizard.check_page
    model = page.duplicates.model()
    assert [model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(model.rowCount())] == [3, 4]
    page.all_choice.setCurrentIndex(page.all_choice.findData("merge"))
    page.all_choice.activated.emit(page.all_choice.currentIndex())
    assert [model.index(r, 3).data(Qt.ItemDataRole.EditRole) for r in range(2)] == ["merge", "merge"]
    assert [cell_text(page.duplicates, r, 3) for r in range(2)] == ["zusammenführen"] * 2
    wizard.set_duplicate_choice(4, "import")
    assert cell_text(page.duplicates, 1, 3) == "trotzdem anlegen"
    result = run_import(qtbot, wizard)
    assert (result.created, result.merged, result.skipped_duplicates) == (2, 0, 0)


def _many(n: int) -> list[list[str]]:
    return [
        [f"Einrichtung {i}", "", "Weg", str(i), "46045", "Oberhausen", "", "", "Wohnen"] for i in range(n)
    ]


def test_the_check_can_be_cancelled_and_started_again(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = make(atlas, write_csv(tmp_path / "viele.csv", _many(3000)))
    with qtbot.waitSignal(wizard.checked, timeout=30000) as blocker:
        assert wizard.run_check()
        wizard.check_page.cancel_button.click()
    assert blocker.args[0] is None and wizard.plan is None
    page = wizard.check_page
    assert "abgebrochen" in page.message.text() and page.again_button.isEnabled()
    assert not wizard.button(B.CommitButton).isEnabled()
    with qtbot.waitSignal(wizard.checked, timeout=30000) as blocker:
        page.again_button.click()
    assert blocker.args[0] is not None and len(blocker.args[0].valid_rows) == 3000
    assert wizard.button(B.CommitButton).isEnabled()


# -- import ----------------------------------------------------------------------------


def test_cancel_during_the_import_writes_nothing_and_allows_a_retry(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    wizard = make(atlas, write_csv(tmp_path / "viele.csv", _many(2500)))
    check(qtbot, wizard)
    with qtbot.waitSignal(wizard.import_failed, timeout=30000) as blocker:
        assert wizard.run_import()
        # Abbrechen (as Esc would) during the import: it stops the import, the wizard stays.
        wizard.button(B.CancelButton).click()
        assert wizard.isVisible()
    assert "nichts gespeichert" in blocker.args[0]
    assert atlas.institutions.count() == 0
    assert atlas.institutions.list_ids("einrichtung") == []
    page = wizard.import_page
    assert page.error.text().startswith("Der Import wurde abgebrochen. Es wurde nichts gespeichert.")
    assert page.error.isVisible() and not page.progress.isVisible()
    assert wizard.result is None and not wizard.button(B.FinishButton).isEnabled()

    # Zurück to the check, Importieren again: now it goes through.
    assert wizard.button(B.BackButton).isEnabled()
    wizard.back()
    assert wizard.currentId() == CHECK and wizard.button(B.CommitButton).isEnabled()
    result = run_import(qtbot, wizard)
    assert result.created == 2500 and atlas.institutions.count() == 2500


def test_an_import_refused_by_the_database_can_be_checked_again(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = imp.read_table(write_csv(tmp_path / "a.csv", [GOOD[1]]))
    imp.apply(
        atlas, imp.prepare(atlas, "institution", first, imp.suggest_mapping("institution", first.headers))
    )
    existing = atlas.institutions.list_ids()[0]
    wizard = make(
        atlas, write_csv(tmp_path / "b.csv", [["Kita Sonnenschein", "Neu", "", "", "01067"] + [""] * 4])
    )
    check(qtbot, wizard)
    wizard.set_duplicate_choice(2, "merge")
    atlas.institutions.delete(existing)  # meanwhile, in the window
    with qtbot.waitSignal(wizard.import_failed, timeout=30000) as blocker:
        assert wizard.run_import()
    assert "gelöscht" in blocker.args[0]
    wizard.back()
    plan = check(qtbot, wizard)  # Neu prüfen: the duplicate is gone
    assert plan.duplicates == ()
    assert run_import(qtbot, wizard).created == 1


# -- from the window -------------------------------------------------------------------


def test_the_window_opens_the_wizard_and_its_list_follows_the_import(
    qtbot, workers, atlas: Atlas, settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import platformdirs

    from ui.main_window import MainWindow

    monkeypatch.setattr(platformdirs, "user_config_path", lambda *a, **k: tmp_path / "config")
    window = MainWindow(atlas, "test.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.show()
    window.show_section(1)  # Angebote: the wizard starts with that kind
    wizard = window.import_list()
    assert isinstance(wizard, ImportWizard) and wizard.kind == "offer" and wizard.isModal()
    wizard.reject()
    window.show_section(0)
    path = write_csv(tmp_path / "einrichtungen.csv", GOOD)
    wizard = window.import_list(str(path))
    assert isinstance(wizard, ImportWizard) and wizard.kind == "institution"
    qtbot.waitUntil(lambda: wizard.table is not None, timeout=10000)
    check(qtbot, wizard)
    run_import(qtbot, wizard)
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.model.rowCount() == 3, timeout=5000)
    assert (tmp_path / "config" / imp.MappingStore.FILE).exists()
