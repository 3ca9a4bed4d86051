"""The hostile corpus in every text field, walked through the whole window: shown letter for letter.

Qt reads a label, tool tip or message box as rich text when it looks like HTML. Every record
here is named ``<b>{{ 7*7 }}</b> <img src="/dev/zero"> …``: rich text would draw it bold and
read ``/dev/zero`` for the image, and the process would abort (``std::bad_alloc``). So the test
proves by surviving, and asserts on top that every label showing user data is in plain-text
mode, that the text shown is the data itself, and that tool tips show it literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6 import QtGui
from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, Qt
from PySide6.QtGui import QHelpEvent, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QTableView,
    QTabWidget,
    QToolTip,
)

from atlas.core import Atlas
from tests import hostile
from tests.ui.conftest import Answers, office_window
from tests.ui.privacy_support import ErasureAnswer
from ui.dashboard import DashboardPage
from ui.main_window import DASHBOARD, SECTIONS, MainWindow
from ui.plain import tooltip_text

#: In every hostile name: raw, it would be an image tag (and the process would abort).
MARK = '<img src="/dev/zero">'


@dataclass
class Seen:
    labels: list[str] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


def shown_tip(tip: str) -> str:
    """What a tool tip shows: Qt's rich text when it guesses so (escaped text), else the text."""
    assert MARK not in tip, f"raw markup in a tool tip: {tip[:120]!r}"
    if tip.startswith("<"):
        doc = QTextDocument()
        doc.setHtml(tip)
        return doc.toPlainText()
    return tip


def check_widgets(seen: Seen) -> None:
    """Every visible widget: labels with data are plain text; tool tips show data literally."""
    for widget in QApplication.allWidgets():
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel) and MARK in widget.text():
            assert widget.textFormat() == Qt.TextFormat.PlainText, (widget.objectName(), widget.text()[:80])
            seen.labels.append(widget.text())
        if isinstance(widget, QAbstractButton) and MARK in widget.text().replace("&&", "&"):
            # a name on a button keeps its "&" (doubled, not a shortcut)
            assert "&&" in widget.text() or "&" not in widget.text().replace("&&", "")
        tip = widget.toolTip()
        if tip:
            text = shown_tip(tip)
            if MARK in text:
                seen.tips.append(text)
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(min(model.rowCount(QModelIndex()), 30)):
                columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
                for column in range(columns):
                    index = model.index(row, column)
                    value = model.data(index, Qt.ItemDataRole.DisplayRole)
                    if isinstance(value, str) and MARK in value:
                        seen.cells.append(value)
                    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
                    if isinstance(tip, str) and tip:
                        text = shown_tip(tip)
                        if MARK in text:
                            seen.tips.append(text)


def hover(view: QAbstractItemView, row: int, column: int = 0) -> str:
    """Rest the mouse on a cell: the tool tip Qt really shows (its own rich-text guess)."""
    index = view.model().index(row, column)
    # Checked before Qt shows it: a raw name would make Qt read /dev/zero (and eat the memory).
    shown_tip(view.model().data(index, Qt.ItemDataRole.ToolTipRole) or "")
    pos = view.visualRect(index).center()
    QApplication.sendEvent(
        view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    )
    text = QToolTip.text()
    QToolTip.hideText()
    return text


def test_the_hostile_corpus_is_shown_letter_for_letter_everywhere(
    qtbot, workers, atlas: Atlas, settings, answers: Answers, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = hostile.populate(atlas)
    window: MainWindow = office_window(qtbot, workers, atlas, settings)
    seen = Seen()
    opened: list[str] = []
    for index, (_label, keys) in enumerate(SECTIONS):
        if index == DASHBOARD:
            continue
        window.show_section(index)
        page = window.stack.currentWidget()
        for key in keys:
            if isinstance(page, QTabWidget):
                page.setCurrentWidget(window.section(key))
            section = window.section(key)
            view: QTableView = section.table
            qtbot.waitUntil(lambda s=section, k=key: ids[k] in s.model.ids())
            row = section.model.row_of(ids[key])
            assert row is not None
            # Open it as a person does: a click on its row.
            view.scrollTo(section.model.index(row, 0))
            QTest.mouseClick(
                view.viewport(),
                Qt.MouseButton.LeftButton,
                pos=view.visualRect(section.model.index(row, 0)).center(),
            )
            qtbot.waitUntil(lambda s=section, k=key: s.form.record is not None and s.form.record.id == ids[k])
            record = section.form.record
            assert record is not None
            # The heading is the record's title, letter for letter, in plain text.
            assert section.form.heading.text() == record.title
            assert section.form.heading.textFormat() == Qt.TextFormat.PlainText
            # The list's tool tip, as Qt shows it, is the cell's text.
            cell = section.model.data(section.model.index(row, 0))
            assert shown_tip(hover(view, row)) == cell
            qtbot.waitUntil(
                lambda s=section: all(panel.isVisible() for panel in s.panels)
            )  # panels under the form
            check_widgets(seen)
            opened.append(key)
    assert opened == [
        "institution",
        "offer",
        "contact",
        "actor",
        "round_table",
        "meeting",
        "agreement",
        "quarter",
    ]

    # The overview: tiles, lists and tables of the network.
    window.show_section(DASHBOARD)
    dashboard = window.dashboard
    assert isinstance(dashboard, DashboardPage)
    qtbot.waitUntil(lambda: dashboard.status.text() == "", timeout=10000)
    check_widgets(seen)

    # The corpus was on screen, literally: labels, cells and tool tips.
    assert seen.labels and seen.cells and seen.tips
    assert any(hostile.NAME in text for text in seen.labels)
    assert all("<b>" in text for text in seen.labels + seen.cells + seen.tips)
    # ... also in the panels under the forms: follow-ups, attendance, the override's reason, partners.
    for piece in ("Aufgabe", "Wer", "Nachname"):
        assert any(hostile.name(piece) in text for text in seen.cells), piece
    assert any("Begründung" in text for text in seen.labels)

    # Dialogs: the delete confirmation and the DSGVO question name the record as plain text.
    window.open_record("institution", ids["institution"])
    qtbot.waitUntil(lambda: window.section("institution").shown_id() == ids["institution"])
    window.delete_current()  # answered "Abbrechen"
    assert hostile.name("Einrichtung") in answers.questions[-1]
    window.open_record("contact", ids["contact"])
    qtbot.waitUntil(lambda: window.section("contact").shown_id() == ids["contact"])
    cancel = ErasureAnswer(erase=False)
    window.privacy_erase()  # the busy dialog of the mention scan names her too, then "Abbrechen"
    assert cancel.seen and atlas.contacts.get(ids["contact"]).title in cancel.question
    assert MARK in cancel.question
    assert window.privacy_export(str(tmp_path / "auskunft.txt"))
    assert MARK in window.statusBar().currentMessage()
    assert answers.formats and set(answers.formats) == {Qt.TextFormat.PlainText}
    assert atlas.institutions.count() == 1 and atlas.contacts.count() == 1  # nothing deleted


def test_a_name_in_a_tool_tip_is_shown_literally() -> None:
    for text in (*hostile.CORPUS, hostile.NAME, hostile.multiline("x")):
        tip = tooltip_text(text)
        doc = QTextDocument()
        doc.setHtml(tip)
        assert doc.toPlainText() == text.replace("\r", "\n")  # a carriage return shows as a line break
        assert QtGui.Qt.mightBeRichText(tip)  # Qt reads it as rich text: the escaped form, not the data


def test_no_static_message_box_guesses_the_format() -> None:
    """The static ``QMessageBox`` helpers show text as rich text when it looks like HTML:
    the window uses ``ui.plain`` (plain-text boxes) everywhere instead."""
    root = Path(__file__).resolve().parents[2] / "ui"
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(f"QMessageBox.{name}(" in line for name in ("question", "warning", "information", "critical"))
    ]
    assert offenders == []


def test_the_dialogs_show_the_hostile_corpus_as_text(
    qtbot, workers, atlas: Atlas, settings, answers: Answers, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Import preview and check, duplicate and merge dialogs, the print dialogs, a conflict."""

    from atlas import reports
    from tests.import_support import write_csv
    from ui.import_wizard import ImportWizard

    ids = hostile.populate(atlas)
    stored = atlas.institutions.get(ids["institution"])
    twin = atlas.institutions.save(
        None,
        {"name": stored.title, "street": hostile.name("Straße"), "carrier": "Caritas & Diakonie <b>x</b>"},
        confirm_duplicate=True,
    )
    seen = Seen()

    # The import wizard: preview, columns, check with a duplicate and an error row.
    rows = [[c.strip() or "x", c, "46045"] for c in hostile.CORPUS] + [
        [stored.title, "y", "46045"],
        ["", "z", ""],
    ]
    path = write_csv(
        tmp_path / "<b>{{ 7*7 }} $title <img src=zero>.csv",
        rows,
        header=["Name", hostile.NAME, "PLZ"],
        encoding="utf-8",
    )
    wizard = ImportWizard(atlas, kind="institution", mapping_folder=tmp_path / "config", workers=workers)
    qtbot.addWidget(wizard)
    wizard.resize(1100, 700)
    wizard.show()
    with qtbot.waitSignal(wizard.file_read, timeout=20000):
        wizard.load_file(path)
    check_widgets(seen)
    preview = wizard.file_page.preview
    assert preview.horizontalHeaderItem(1).text() == hostile.NAME
    wizard.next()
    check_widgets(seen)
    with qtbot.waitSignal(wizard.checked, timeout=30000):
        wizard.next()
    check_widgets(seen)
    assert wizard.check_page.duplicates.model().rowCount() >= 1
    wizard.close()

    # The duplicate question of a stored record, and the merge dialog with a choice per field.
    window: MainWindow = office_window(qtbot, workers, atlas, settings)
    window.open_record("institution", twin.id)
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.shown_id() == twin.id)
    window.find_duplicates()
    dialog = section.form.duplicate_dialog
    assert dialog is not None and dialog.isVisible()
    check_widgets(seen)
    assert MARK in dialog.list.item(0).text()
    QTest.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    merge = section.form.merge_dialog
    assert merge is not None and merge.isVisible()
    check_widgets(seen)
    left, right = merge.radios["carrier"]
    # Shown as they are: the "&" is no shortcut, the markup no markup.
    assert left.text() == "Caritas && Diakonie <b>x</b>" and right.text() == hostile.name("Träger")
    assert shown_tip(left.toolTip()) == "Caritas & Diakonie <b>x</b>"
    assert shown_tip(right.toolTip()) == hostile.name("Träger")
    merge.reject()

    # The print dialogs, with the record chosen.
    for kind in reports.KINDS:
        printing = window.open_report(kind)
        qtbot.waitUntil(printing.isVisible)
        qtbot.waitExposed(printing)
        check_widgets(seen)
        printing.close()

    # A conflict: another user saved the same field in between; both versions side by
    # side, as plain text (ui.conflict_dialog).
    window.open_record("institution", ids["institution"])
    qtbot.waitUntil(lambda: section.shown_id() == ids["institution"])
    atlas.institutions.save(ids["institution"], {"city": hostile.name("anderer Ort")})
    section.form.editors["city"].edit.setText(hostile.name("neu"))
    section.form._on_edited()
    assert not section.form.save()  # "Gleichzeitige Änderung": asked, nothing saved yet
    conflict = section.form.conflict_dialog
    assert conflict is not None
    qtbot.waitUntil(conflict.isVisible)
    check_widgets(seen)
    shown = [label.text() for label in conflict.findChildren(QLabel)]
    shown += [button.text() for button in conflict.findChildren(QAbstractButton)]
    assert any(hostile.name("anderer Ort") in text for text in shown)
    assert any(hostile.name("neu") in text.replace("&&", "&") for text in shown)
    conflict.reject()  # "Weiter bearbeiten": my input stays
    assert section.form.is_dirty()
    section.form.revert()
    assert not section.form.is_dirty()

    assert any(hostile.NAME in text for text in seen.labels)
    assert seen.cells and seen.tips
    assert all("<" in text for text in seen.labels + seen.cells + seen.tips)
