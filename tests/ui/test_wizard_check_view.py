"""The check page of a long list shows its duplicates in a model and view: no widget per row
(500 choice boxes stalled the window at 10,000 rows, even built ten per turn of the event
loop); a choice is a cell painted like a drop-down list, edited in the one box that opens
when the person clicks it or presses a key on the row."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from atlas.core import Atlas
from tests.import_support import write_csv
from tests.ui.test_import_wizard import choose_for_row
from ui.import_wizard import ImportWizard
from ui.import_wizard.check_tables import CHOICE


def wizard_with_duplicates(
    qtbot, workers, atlas: Atlas, tmp_path: Path, names: list[str] | None = None
) -> ImportWizard:  # type: ignore[no-untyped-def]
    rows = [
        [
            (names or [])[n % 60] if names else f"Familienzentrum Nord {n % 60}",
            "",
            "Lange Straße",
            str(n % 60 + 1),
            "46045",
            "Oberhausen",
            "",
            "",
            "",
        ]
        for n in range(180)
    ]  # every name three times: 120 duplicates within the file
    wizard = ImportWizard(atlas, kind="institution", mapping_folder=tmp_path / "config", workers=workers)
    qtbot.addWidget(wizard)
    wizard.resize(1366, 768)
    wizard.show()
    with qtbot.waitSignal(wizard.file_read, timeout=20000):
        wizard.load_file(write_csv(tmp_path / "liste.csv", rows))
    with qtbot.waitSignal(wizard.checked, timeout=30000):
        assert wizard.run_check()
    return wizard


def test_many_duplicates_are_rows_of_a_model_with_no_box_until_one_is_edited(  # type: ignore[no-untyped-def]
    qtbot, workers, atlas: Atlas, tmp_path: Path
) -> None:
    wizard = wizard_with_duplicates(qtbot, workers, atlas, tmp_path)
    plan = wizard.plan
    assert plan is not None
    # the passes over all rows were made on the worker: the page only read them
    assert {"valid_rows", "invalid_rows", "errors", "notes"} <= set(vars(plan))
    page = wizard.check_page
    view = page.duplicates
    model = view.model()
    shown = [d.row for d in plan.duplicates]
    assert len(shown) == 120 == model.rowCount()
    assert [model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(model.rowCount())] == shown
    assert not view.findChildren(QComboBox)  # no box per row
    assert {model.index(r, CHOICE).data() for r in range(model.rowCount())} == {"überspringen"}

    last = shown[-1]
    wizard.set_duplicate_choice(last, "import")  # as a script does: the list shows it
    assert model.index(len(shown) - 1, CHOICE).data() == "trotzdem anlegen"

    # The mouse: the last row's choice, scrolled to, clicked, its entry clicked.
    choose_for_row(qtbot, view, len(shown) - 1, "zusammenführen")
    assert wizard.duplicate_choice(last) == "merge"
    assert len(view.findChildren(QComboBox)) <= 1  # the one editor, while it is open

    # "Für alle" resets every single choice, also the one in the open box.
    wizard.set_default_choice("skip")
    assert {model.index(r, CHOICE).data() for r in range(model.rowCount())} == {"überspringen"}
    assert view.editor() is None or view.editor().currentData() == "skip"  # type: ignore[union-attr]
    assert all(wizard.duplicate_choice(r) == "skip" for r in shown)


def test_a_choice_is_made_with_the_keyboard(qtbot, workers, atlas: Atlas, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wizard = wizard_with_duplicates(qtbot, workers, atlas, tmp_path)
    page = wizard.check_page
    view = page.duplicates
    model = view.model()
    second = model.index(1, 0)
    file_row = int(model.index(1, 0).data(Qt.ItemDataRole.UserRole))
    # a click on the row (its name) selects it; F2 opens its choice, ↓ picks the next one
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(model.index(1, 1)).center()
    )
    assert view.currentIndex().row() == second.row() and view.editor() is None
    QTest.keyClick(view, Qt.Key.Key_F2)
    editor = view.editor()
    assert editor is not None and QApplication.focusWidget() is editor
    assert editor.accessibleName() == f"Zeile {file_row}: Übernahme"
    QTest.keyClick(editor, Qt.Key.Key_Down)
    assert wizard.duplicate_choice(file_row) == "merge"
    QTest.keyClick(editor, Qt.Key.Key_Return)  # done: the box closes, the list has the focus again
    qtbot.waitUntil(lambda: view.editor() is None, timeout=3000)
    assert QApplication.focusWidget() is view
    assert model.index(1, CHOICE).data() == "zusammenführen"

    # ↓ moves to the next row (never changes a choice); a choice's first letter chooses it
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 2
    third = int(model.index(2, 0).data(Qt.ItemDataRole.UserRole))
    assert wizard.duplicate_choice(third) == "skip"
    QTest.keyClick(view, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: wizard.duplicate_choice(third) == "import", timeout=3000)
    editor = view.editor()
    assert editor is not None
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: view.editor() is None, timeout=3000)
    assert wizard.duplicate_choice(file_row) == "merge"  # the earlier row kept its choice

    with qtbot.waitSignal(wizard.imported, timeout=30000) as blocker:
        assert wizard.run_import()
    result = blocker.args[0]
    # 60 new and the one imported anyway; the one merged went into its earlier row of the
    # file (counted neither as merged into the database nor as skipped); 118 skipped
    assert (result.created, result.merged, result.skipped_duplicates) == (61, 0, 118)


def test_the_check_page_at_1366x768_shows_the_data_as_plain_text(  # type: ignore[no-untyped-def]
    qtbot, workers, atlas: Atlas, tmp_path: Path
) -> None:
    names = [f"<b>x</b> Treff {n} & Co." for n in range(60)]
    wizard = wizard_with_duplicates(qtbot, workers, atlas, tmp_path, names)
    view = wizard.check_page.duplicates
    assert view.model().index(0, 1).data() == "<b>x</b> Treff 0 & Co."  # the text as it is
    tip = str(view.model().index(0, 2).data(Qt.ItemDataRole.ToolTipRole))
    assert "&lt;b&gt;x&lt;/b&gt;" in tip and "<b>x</b>" not in tip  # escaped for the tool tip
    # every shown row's choice cell is wide and high enough for its longest choice
    box = view.delegate.box_size(view)
    assert view.columnWidth(CHOICE) >= box.width() - 8
    assert view.rowHeight(0) >= box.height() - 4
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(view.model().index(0, 1)).center()
    )
    shots = os.environ.get("ATLAS_SCREENSHOTS")
    if shots:  # to look at
        wizard.grab().save(str(Path(shots) / "wizard-check-page.png"))
