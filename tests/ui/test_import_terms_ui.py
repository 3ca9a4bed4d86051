"""The import wizard's page for a list's own names: "neu anlegen" or "zuordnen zu …", by mouse,
remembered for the next import; and where it proposes to save the rejects report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QWizard

from atlas import models as m
from atlas.core import Atlas
from atlas.io import importing as imp
from tests.test_import_terms import BROKEN, GOOD, HEADER, write_csv
from tests.ui.test_import_wizard import check, read
from ui.import_wizard import CHECK, IMPORT, TERMS, ImportWizard

B = QWizard.WizardButton


@pytest.fixture
def make(qtbot, workers, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A shown wizard (its remembered choices in a temporary folder), the list read."""

    def build(atlas: Atlas, path: Path) -> ImportWizard:
        wizard = ImportWizard(atlas, kind="institution", mapping_folder=tmp_path / "config", workers=workers)
        qtbot.addWidget(wizard)
        wizard.show()
        read(qtbot, wizard, path)
        return wizard

    return build


SHOTS = Path(os.environ.get("ATLAS_SCREENSHOTS", "/tmp"))


def click(widget) -> None:  # type: ignore[no-untyped-def]
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def choose(qtbot, combo: QComboBox, text: str) -> None:  # type: ignore[no-untyped-def]
    """Open the combo with the mouse and click the entry, as a person does."""
    click(combo)
    view = combo.view()
    qtbot.waitUntil(lambda: view.isVisible(), timeout=3000)
    row = next(r for r in range(combo.count()) if combo.itemText(r) == text)
    index = view.model().index(row, 0)
    view.scrollTo(index)

    # The popup ignores a release within a double-click's time of opening (as Qt does for
    # people): click the entry until the popup takes the click, as a person would.
    def taken() -> bool:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
        return not view.isVisible()

    qtbot.waitUntil(taken, timeout=3000)
    assert combo.currentText() == text


def row_of(wizard: ImportWizard, value: str) -> int:
    table = wizard.terms_page.table
    return next(r for r in range(table.rowCount()) if table.item(r, 1).text() == value)


def combo_of(wizard: ImportWizard, value: str) -> QComboBox:
    widget = wizard.terms_page.table.cellWidget(row_of(wizard, value), 4)
    assert isinstance(widget, QComboBox)
    return widget


def to_terms_page(qtbot, wizard: ImportWizard) -> None:  # type: ignore[no-untyped-def]
    assert wizard.currentId() == CHECK
    next_button = wizard.button(B.NextButton)
    assert next_button.isVisible() and next_button.isEnabled()  # Weiter, not yet Importieren
    click(next_button)
    assert wizard.currentId() == TERMS


def import_by_click(qtbot, wizard: ImportWizard) -> imp.ImportResult:  # type: ignore[no-untyped-def]
    commit = wizard.button(B.CommitButton)
    assert commit.isVisible() and commit.text() == "&Importieren"
    with qtbot.waitSignal(wizard.imported, timeout=30000) as blocker:
        click(commit)
    assert wizard.currentId() == IMPORT
    return blocker.args[0]


def test_unknown_values_are_created_or_mapped_by_mouse_and_remembered(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    rows = [list(r) for r in GOOD[:10]]
    for r in rows:
        r[5] = {"Alt-Oberhausen": "Alt Oberhausen"}.get(r[5], r[5])  # as the coach writes it
    wizard = make(atlas, write_csv(tmp_path / "liste.csv", [*rows, *BROKEN]))
    wizard.resize(900, 600)
    plan = check(qtbot, wizard)
    page = wizard.check_page
    assert (len(plan.valid_rows), len(plan.invalid_rows)) == (10, 2)
    assert "noch nicht gibt" in page.message.text()
    click(page.skip_invalid)
    to_terms_page(qtbot, wizard)

    terms = wizard.terms_page
    table = terms.table
    # Only the names rows to import use; the broken rows' own names are not offered.
    shown = [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]
    assert shown == [
        ("Kategorie", "Schuldner-Beratung"),
        ("Kategorie", "Beratung"),
        ("Kategorie", "Arbeit"),
        ("Sektor", "Verein"),
        ("Quartier", "Alt Oberhausen"),
        ("Quartier", "Lirich"),
    ]
    assert table.item(row_of(wizard, "Schuldner-Beratung"), 3).text() == "Schuldnerberatung"
    assert table.item(row_of(wizard, "Alt Oberhausen"), 3).text() == "Alt-Oberhausen"
    assert table.item(row_of(wizard, "Beratung"), 2).text() == "3, 6, 10, 12"
    assert all(combo_of(wizard, v).currentText() == "neu anlegen" for _k, v in shown)  # nothing automatic
    # The close name comes first in the choices, after "neu anlegen".
    schuldner = combo_of(wizard, "Schuldner-Beratung")
    assert schuldner.itemText(1) == "zuordnen zu „Schuldnerberatung“"
    assert terms.quarter_note.isVisible() and "Alt Oberhausen, Lirich" in terms.quarter_note.text()

    choose(qtbot, schuldner, "zuordnen zu „Schuldnerberatung“")
    choose(qtbot, combo_of(wizard, "Alt Oberhausen"), "zuordnen zu „Alt-Oberhausen“")
    choose(qtbot, combo_of(wizard, "Beratung"), "zuordnen zu „Familienberatung“")
    choose(qtbot, combo_of(wizard, "Beratung"), "neu anlegen")  # changed her mind
    assert "Alt Oberhausen" not in terms.quarter_note.text() and "Lirich" in terms.quarter_note.text()
    terms.grab().save(str(SHOTS / "import-terms-page.png"))
    wizard.grab().save(str(SHOTS / "import-terms-wizard.png"))

    result = import_by_click(qtbot, wizard)
    assert (result.created, result.skipped_invalid) == (10, 2)
    assert [t.label for t in result.terms_created] == [
        "Kategorie „Beratung“",
        "Kategorie „Arbeit“",
        "Sektor „Verein“",
        "Quartier „Lirich“",
    ]
    assert (
        "Zugeordnet: Kategorie „Schuldner-Beratung“ → „Schuldnerberatung“, Quartier „Alt Oberhausen“ → „Alt-Oberhausen“."
        in result.summary()
    )
    assert wizard.import_page.result.text() == result.summary()
    hint = wizard.import_page.hint.text()
    assert "Noch ohne Grenze und darum nicht auf der Karte: Lirich." in hint
    assert sorted(name for _i, name in atlas.quarters.choices()) == ["Alt-Oberhausen", "Lirich"]
    categories = {t.name: t.usage for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY)}
    assert categories["Schuldnerberatung"] == 2 and "Schuldner-Beratung" not in categories
    wizard.button(B.FinishButton).click()

    # Next time: the same names are taken as chosen, and shown so; "neu anlegen" forgets one.
    again = [
        ["Neue Stelle", "Markt 3", "46045", "Oberhausen", "schuldner-beratung", "alt oberhausen", "", ""],
        ["Zweite Stelle", "Markt 4", "46045", "Oberhausen", "Schuldner-Beratung", "Alt Oberhausen", "", ""],
    ]
    wizard = make(atlas, write_csv(tmp_path / "neu.csv", again, HEADER))
    check(qtbot, wizard)
    to_terms_page(qtbot, wizard)
    assert combo_of(wizard, "schuldner-beratung").currentText() == "zuordnen zu „Schuldnerberatung“"
    assert combo_of(wizard, "alt oberhausen").currentText() == "zuordnen zu „Alt-Oberhausen“"
    assert wizard.terms_page.note.text() == "2 Zuordnung(en) vom letzten Import übernommen."
    assert not wizard.terms_page.quarter_note.isVisible()
    choose(qtbot, combo_of(wizard, "alt oberhausen"), "neu anlegen")
    result = import_by_click(qtbot, wizard)
    assert [t.label for t in result.terms_created] == ["Quartier „alt oberhausen“"]
    assert imp.MappingStore(tmp_path / "config").load_terms() == {
        ("category", "schuldner-beratung"): "Schuldnerberatung"
    }


def test_without_new_names_the_check_page_imports_directly(qtbot, make, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [["Kita", "Weg 1", "46045", "Oberhausen", "Kinderbetreuung", "", "Jobcenter", ""]]
    wizard = make(atlas, write_csv(tmp_path / "l.csv", rows))
    plan = check(qtbot, wizard)
    assert plan.new_terms == () and wizard.check_page.isCommitPage()
    assert wizard.button(B.CommitButton).text() == "&Importieren"
    with qtbot.waitSignal(wizard.imported, timeout=30000):
        click(wizard.button(B.CommitButton))
    assert wizard.currentId() == IMPORT


def test_a_failed_import_goes_back_to_the_names_and_leaves_none_behind(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    wizard = make(atlas, write_csv(tmp_path / "l.csv", GOOD))
    check(qtbot, wizard)
    to_terms_page(qtbot, wizard)
    family = next(t.id for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY) if t.name == "Familienberatung")
    choose(qtbot, combo_of(wizard, "Beratung"), "zuordnen zu „Familienberatung“")
    atlas.taxonomy.delete(family)  # meanwhile, in the window
    with qtbot.waitSignal(wizard.import_failed, timeout=30000) as blocker:
        click(wizard.button(B.CommitButton))
    assert "gewählten Eintrag gibt es nicht mehr" in blocker.args[0]
    assert atlas.quarters.choices() == [] and atlas.institutions.count() == 0
    assert "Arbeit" not in [t.name for t in atlas.taxonomy.terms(m.Vocabulary.CATEGORY)]
    click(wizard.button(B.BackButton))
    assert wizard.currentId() == TERMS and wizard.button(B.CommitButton).isEnabled()


def test_the_rejects_report_is_proposed_in_documents_when_the_lists_folder_takes_no_file(
    qtbot, make, atlas: Atlas, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    source = write_csv(tmp_path / "liste.csv", [*GOOD[:2], *BROKEN])
    wizard = make(atlas, source)
    assert wizard.report_start_path() == tmp_path / "liste-abgelehnt.csv"
    fd = os.open(source, os.O_RDONLY)  # the list read through /proc: not even root writes there
    try:
        read(qtbot, wizard, Path(f"/proc/self/fd/{fd}"))
        documents = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))
        assert wizard.report_start_path() == documents / f"{fd}-abgelehnt.csv"
    finally:
        os.close(fd)
