"""Datei → Importieren …: a list from Excel or CSV in four or five steps, every long step on a worker.

1. **Datei** – file and kind of records; the file is read on the worker (``read_table``),
   the detected encoding and separator are shown and can be overridden (the file is read
   again), an Excel workbook with several sheets offers a choice; the first rows are shown.
2. **Spalten** – one line per column of the file: heading, example values and the field
   it goes into (the mapping saved last time first, then the headings); a required field
   without a column keeps *Weiter* disabled.
3. **Prüfung** – ``prepare`` on the worker with progress and cancel: counts, the invalid
   rows with row, column and reason, the possible duplicates with a choice each, the
   rejects report. Nothing is imported while invalid rows are in unless the user leaves
   them out. This is the commit page (its button says *Importieren*) unless step 3a follows.
3a. **Neue Begriffe** – only when the rows to import name categories, target groups,
   sectors or quarters the database does not know: one line per value with "neu anlegen"
   (the default) or "zuordnen zu …" an existing one (close names, found with rapidfuzz,
   first and named in their own column; never chosen by themselves). A choice is
   remembered for the next import, like the column mapping. The commit page then.
4. **Import** – ``apply`` on the worker with progress and cancel (cancel: nothing is
   written), the result, and the confirmed mapping is saved for next time.

The wizard only shows what :mod:`atlas.importing` decides. Progress reaches the GUI
thread through a signal of a QObject living there (docs/ARCHITECTURE.md, threading
rules); the change broadcast of ``apply`` is held back on the worker and sent from the
GUI thread, because the window's listeners start Qt timers.

Methods for tests and scripts (no modal dialog needed): :meth:`ImportWizard.load_file`,
``set_kind``, ``set_encoding``, ``set_separator``, ``set_sheet``, ``mapping``,
``set_mapping``, ``run_check``, ``set_skip_invalid``, ``set_duplicate_choice``,
``term_choice``, ``set_term_choice``, ``save_rejects``, ``report_start_path``, ``run_import``,
``cancel_import``; signals ``file_read``, ``checked``,
``imported``, ``import_failed``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.import_rows import QUARTER, term_key, term_keys
from atlas.importing import (
    CHOICES,
    ENCODINGS,
    KINDS,
    MAX_FILE_BYTES,
    SEPARATORS,
    TERM_LABELS,
    Choice,
    ImportCancelled,
    ImportPlan,
    ImportResult,
    MappingStore,
    NewTerm,
    RawTable,
    apply,
    heading_key,
    import_fields,
    prepare,
    read_table,
    rejects_path,
    suggest_mapping,
    write_rejects,
)
from atlas.models import Vocabulary
from atlas.schema import ENTITIES
from atlas.tables import MAX_UNPACKED_BYTES
from ui.plain import plain_label, tooltip_text
from ui.tasks import TaskRunner

FILE, COLUMNS, CHECK, IMPORT, TERMS = range(5)  # TERMS comes between CHECK and IMPORT
PREVIEW_ROWS = 20
SHOWN_ERRORS = 500  # rows in the error list; the report has them all
SHOWN_DUPLICATES = 500  # rows with their own choice; the rest follow "Für alle"
ERROR_STYLE = "color: #b00020;"


def _n(number: int) -> str:
    """12345 -> '12.345' (German thousands)."""
    return f"{number:,}".replace(",", ".")


def _plain(text: str = "", wrap: bool = True) -> QLabel:
    """A label that never interprets HTML: file names and cells are user data."""
    label = plain_label(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def _item(text: str, tooltip: str | None = None) -> QTableWidgetItem:
    shown = text if len(text) <= 600 else text[:599] + "…"
    item = QTableWidgetItem(shown.replace("\n", " ⏎ "))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if tooltip is not None or shown != text:
        item.setToolTip(tooltip_text(tooltip if tooltip is not None else text[:2000]))
    return item


class _Progress(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues the call over."""

    check_step = Signal(int, int, int)  # serial, done, total
    import_step = Signal(int, int, int)


class _HeldChanges:
    """The change bus ``apply`` sees on the worker: it only collects."""

    def __init__(self) -> None:
        self.held: list[tuple[frozenset[str], tuple[int, ...]]] = []

    def emit(self, entities: Iterable[str], ids: Iterable[int] = ()) -> None:
        self.held.append((frozenset(entities), tuple(ids)))


class _WorkerAtlas:
    """The atlas for ``apply`` on the worker: everything as is, except that the change
    broadcast is held back and sent from the GUI thread afterwards (its listeners start
    Qt timers, which must not happen on a worker)."""

    def __init__(self, atlas: Atlas) -> None:
        self._atlas = atlas
        self.changes = _HeldChanges()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._atlas, name)


class _ElidedLabel(QLabel):
    """One line of text, cut with '…' when the column is narrow (the full text as tooltip)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._full = text
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setToolTip(tooltip_text(text))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(60)
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), shown)


class _ChoiceCombo(QComboBox):
    """A combo in a scrolling list: the wheel scrolls the list unless the combo has focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # goes on to the scroll area


# ---------------------------------------------------------------------------
# 1. File and kind
# ---------------------------------------------------------------------------


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Datei und Art der Einträge"))
        self.setSubTitle(
            self.tr(
                "Eine Liste als Excel-Datei (.xlsx) oder CSV-Datei wählen. Die erste Zeile muss die "
                "Spaltenüberschriften enthalten."
            )
        )
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("Pfad zur Datei – oder „Durchsuchen …“"))
        self.path_edit.setAccessibleName(self.tr("Datei"))
        self.path_edit.returnPressed.connect(self._path_entered)
        self.path_edit.editingFinished.connect(self._path_left)
        browse = QPushButton(self.tr("Durch&suchen …"))
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)

        self.kind_combo = QComboBox()
        for key in KINDS:
            self.kind_combo.addItem(ENTITIES[key].plural, key)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)

        self.encoding_combo = QComboBox()
        for value, label in ENCODINGS:
            self.encoding_combo.addItem(label, value)
        self.encoding_combo.setToolTip(
            self.tr("Werden Umlaute falsch angezeigt, eine andere Zeichenkodierung wählen.")
        )
        self.encoding_combo.activated.connect(self._encoding_chosen)
        self.separator_combo = QComboBox()
        for value, label in SEPARATORS:
            self.separator_combo.addItem(label, value)
        self.separator_combo.setToolTip(
            self.tr("Steht alles in einer Spalte, ein anderes Trennzeichen wählen.")
        )
        self.separator_combo.activated.connect(self._separator_chosen)
        self.sheet_combo = QComboBox()
        self.sheet_combo.activated.connect(self._sheet_chosen)
        self.encoding_label = QLabel(self.tr("&Kodierung:"))
        self.encoding_label.setBuddy(self.encoding_combo)
        self.separator_label = QLabel(self.tr("&Trennzeichen:"))
        self.separator_label.setBuddy(self.separator_combo)
        self.sheet_label = QLabel(self.tr("Tab&elle:"))
        self.sheet_label.setBuddy(self.sheet_combo)
        options = QHBoxLayout()
        options.setContentsMargins(0, 0, 0, 0)
        for option_label, option_combo in (
            (self.encoding_label, self.encoding_combo),
            (self.separator_label, self.separator_combo),
            (self.sheet_label, self.sheet_combo),
        ):
            options.addWidget(option_label)
            options.addWidget(option_combo)
            options.addSpacing(12)
        options.addStretch(1)
        self.options = QWidget()
        self.options.setLayout(options)

        form = QFormLayout()
        file_label = QLabel(self.tr("&Datei:"))
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, file_row)
        kind_label = QLabel(self.tr("&Art der Einträge:"))
        kind_label.setBuddy(self.kind_combo)
        form.addRow(kind_label, self.kind_combo)
        form.addRow(self.options)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = _plain()
        self.error = _plain()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.preview = QTableWidget(0, 0)
        self.preview.setAccessibleName(self.tr("Vorschau der ersten Zeilen"))
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setAlternatingRowColors(True)
        self.preview.setTabKeyNavigation(False)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.verticalHeader().setToolTip(self.tr("Zeilennummer wie in Excel"))

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addWidget(self.preview, 1)
        self._show_options(None)

    # -- user actions --------------------------------------------------------------
    def browse(self) -> None:
        start = self.path_edit.text().strip()
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Liste importieren"),
            str(Path(start).parent) if start else "",
            ";;".join(
                (
                    self.tr("Listen (*.xlsx *.xlsm *.csv *.txt *.geojson *.json *.vcf)"),
                    self.tr("Excel (*.xlsx *.xlsm)"),
                    self.tr("CSV (*.csv *.txt)"),
                    self.tr("Alle Dateien (*)"),
                )
            ),
        )
        if path:
            self.w.load_file(path)

    def _path_entered(self) -> None:
        # Return reads again (also the same file, changed meanwhile); Weiter stays off
        # until it is read, so the dialog's default button cannot go on with the old one.
        text = self.path_edit.text().strip()
        if text:
            self.w.load_file(text)

    def _path_left(self) -> None:
        text = self.path_edit.text().strip()
        if text and text != self.w.path:
            self.w.load_file(text)

    def _kind_changed(self) -> None:
        self.w.kind = str(self.kind_combo.currentData())

    def _encoding_chosen(self) -> None:
        self.w.set_encoding(str(self.encoding_combo.currentData()))

    def _separator_chosen(self) -> None:
        self.w.set_separator(str(self.separator_combo.currentData()))

    def _sheet_chosen(self) -> None:
        self.w.set_sheet(self.sheet_combo.currentText())

    # -- shown by the wizard ---------------------------------------------------------
    def reading(self, path: str) -> None:
        self.path_edit.setText(path)
        self.busy.show()
        self.status.setText(self.tr("{name} wird gelesen …").format(name=Path(path).name))
        self.status.show()
        self.error.hide()
        self.completeChanged.emit()

    def show_table(self, table: RawTable) -> None:
        self.busy.hide()
        self.error.hide()
        self._show_options(table)
        what = self.tr("{name}: {rows} Zeilen, {columns} Spalten").format(
            name=table.source, rows=_n(len(table.rows)), columns=len(table.headers)
        )
        if table.header_row != 1:
            what += self.tr(" (Überschriften in Zeile {n})").format(n=table.header_row)
        shown = min(len(table.rows), PREVIEW_ROWS)
        if shown:
            what += self.tr(". Vorschau der ersten {n} Zeilen:").format(n=shown)
        else:
            what += self.tr(". Die Datei enthält nur Überschriften.")
        self.status.setText(what)
        self.status.show()
        self._fill_preview(table)
        self.completeChanged.emit()

    def show_refusal(self, message: str) -> None:
        self.busy.hide()
        self.status.setText("")
        self.status.hide()
        self.error.setText(message)
        self.error.show()
        self._show_options(None)
        self.preview.clear()
        self.preview.setRowCount(0)
        self.preview.setColumnCount(0)
        self.completeChanged.emit()

    def _show_options(self, table: RawTable | None) -> None:
        """Encoding and separator for text files (also after a refusal, to choose another),
        the sheet for a workbook with several sheets."""
        if table is not None:
            text, csv = table.encoding is not None, table.format == "csv"
        else:
            suffix = Path(self.w.path or "").suffix.lower()
            text = bool(self.w.path) and suffix not in (".xlsx", ".xlsm", ".geojson", ".json")
            csv = text and suffix != ".vcf"
        sheets = table is not None and len(table.sheets) > 1
        self.encoding_label.setVisible(text)
        self.encoding_combo.setVisible(text)
        self.separator_label.setVisible(csv)
        self.separator_combo.setVisible(csv)
        self.sheet_label.setVisible(sheets)
        self.sheet_combo.setVisible(sheets)
        if table is not None and table.encoding is not None:
            self._select(self.encoding_combo, table.encoding)
        if table is not None and table.separator is not None:
            self._select(self.separator_combo, table.separator)
        if table is not None and sheets:
            self.sheet_combo.clear()
            self.sheet_combo.addItems(list(table.sheets))
            self.sheet_combo.setCurrentText(table.sheet or "")
        self.options.setVisible(text or sheets)

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index < 0:
            combo.addItem(value, value)
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    def _fill_preview(self, table: RawTable) -> None:
        rows = table.rows[:PREVIEW_ROWS]
        self.preview.clear()
        self.preview.setColumnCount(len(table.headers))
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(list(table.headers))
        self.preview.setVerticalHeaderLabels([str(number) for number, _cells in rows])
        for r, (_number, cells) in enumerate(rows):
            for c in range(len(table.headers)):
                self.preview.setItem(r, c, _item(cells[c] if c < len(cells) else ""))
        self.preview.resizeColumnsToContents()
        header = self.preview.horizontalHeader()
        for c in range(len(table.headers)):
            header.resizeSection(c, min(max(header.sectionSize(c), 60), 260))

    def isComplete(self) -> bool:
        return self.w.table is not None and not self.w.reading

    def validatePage(self) -> bool:
        return self.isComplete()


# ---------------------------------------------------------------------------
# 2. Columns to fields
# ---------------------------------------------------------------------------


class ColumnsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Spalten zuordnen"))
        self.setSubTitle(
            self.tr(
                "Für jede Spalte der Datei wählen, in welches Feld sie übernommen wird. "
                "Pflichtfelder sind mit * markiert."
            )
        )
        self.combos: list[_ChoiceCombo] = []
        self._built_for: tuple[Any, ...] | None = None
        self.note = _plain()
        self.problem = _plain()
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem.hide()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.problem)

    def initializePage(self) -> None:
        self.w.ensure_mapping()
        key = (self.w.table_serial, self.w.kind)  # a new file: new examples, even with the same headings
        if key != self._built_for:
            self._build()
            self._built_for = key
        self.refresh()

    def _build(self) -> None:
        table = self.w.table
        assert table is not None
        fields = import_fields(self.w.kind)
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        bold = QFont(self.font())
        bold.setBold(True)
        for column, text in enumerate(
            (self.tr("Spalte der Datei"), self.tr("Beispielwerte"), self.tr("Übernehmen als"))
        ):
            head = plain_label(text)
            head.setFont(bold)
            grid.addWidget(head, 0, column)
        self.combos = []
        examples = self._examples(table)
        for index, heading in enumerate(table.headers):
            name = _ElidedLabel(heading)
            name.setMinimumWidth(120)
            sample = _ElidedLabel(" · ".join(examples[index]) or self.tr("(leer)"))
            sample.setEnabled(bool(examples[index]))
            combo = _ChoiceCombo()
            combo.addItem(self.tr("– nicht übernehmen –"), "")
            for f in fields:
                combo.addItem(f.label + (" *" if f.required else ""), f.name)
                if f.hint:
                    combo.setItemData(combo.count() - 1, f.hint, Qt.ItemDataRole.ToolTipRole)
            combo.setAccessibleName(self.tr("Spalte „{heading}“ übernehmen als").format(heading=heading))
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.installEventFilter(self)
            combo.currentIndexChanged.connect(lambda _i, column=index: self._chosen(column))
            grid.addWidget(name, index + 1, 0)
            grid.addWidget(sample, index + 1, 1)
            grid.addWidget(combo, index + 1, 2)
            self.combos.append(combo)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.setRowStretch(len(table.headers) + 1, 1)
        self.scroll_area.setWidget(inner)
        self._show_mapping()

    @staticmethod
    def _examples(table: RawTable, wanted: int = 3) -> list[list[str]]:
        found: list[list[str]] = [[] for _h in table.headers]
        open_columns = set(range(len(table.headers)))
        for _number, cells in table.rows[:200]:
            for c in list(open_columns):
                value = " ".join(cells[c].split()) if c < len(cells) else ""
                if value and value not in found[c]:
                    found[c].append(value if len(value) <= 40 else value[:39] + "…")
                    if len(found[c]) >= wanted:
                        open_columns.discard(c)
            if not open_columns:
                break
        return found

    def _show_mapping(self) -> None:
        mapping = self.w.mapping()
        for index, combo in enumerate(self.combos):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(combo.findData(mapping.get(index, "")), 0))
            combo.blockSignals(False)

    def _chosen(self, column: int) -> None:
        self.w.set_mapping(column, str(self.combos[column].currentData() or ""))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QWidget):
            self.scroll_area.ensureWidgetVisible(watched)
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        """After a change of the mapping: combos, the note, problems, Weiter."""
        if self.combos:
            self._show_mapping()
        self.note.setText(
            self.tr("Vorgeschlagen nach Ihrer Zuordnung beim letzten Import dieser Art.")
            if self.w.saved_mapping_used
            else self.tr("Vorgeschlagen nach den Spaltenüberschriften.")
        )
        problems = self.w.mapping_problems()
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.table is not None and not self.w.mapping_problems()


# ---------------------------------------------------------------------------
# 3. Check
# ---------------------------------------------------------------------------


class CheckPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Prüfung"))
        self.setSubTitle(
            self.tr(
                "Jede Zeile wird wie im Formular geprüft und mit dem Bestand verglichen. Noch wird nichts gespeichert."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Importieren"))
        self.duplicate_combos: dict[int, QComboBox] = {}

        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v von %m Zeilen"))
        self.cancel_button = QPushButton(self.tr("Prüfung abbre&chen"))
        self.cancel_button.clicked.connect(self.w.cancel_check)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        self.running = QWidget()
        self.running.setLayout(running)
        running.setContentsMargins(0, 0, 0, 0)

        self.counts = _plain()
        bold = QFont(self.font())
        bold.setBold(True)
        self.counts.setFont(bold)
        self.message = _plain()
        self.notes = _plain()  # values the import changed, per row (a postcode's leading 0)
        self.notes.setObjectName("importNotes")
        self.notes.hide()

        self.errors = QTableWidget(0, 3)
        self.errors.setHorizontalHeaderLabels([self.tr("Zeile"), self.tr("Spalte"), self.tr("Fehler")])
        self.errors.setAccessibleName(self.tr("Fehlerhafte Zeilen"))
        self._table_style(self.errors)
        self.errors.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.errors_note = _plain()

        self.all_choice = QComboBox()
        for value, label in self.choice_labels():
            self.all_choice.addItem(label, value)
        self.all_choice.activated.connect(self._all_chosen)
        all_label = QLabel(self.tr("Für alle &Doppeleinträge:"))
        all_label.setBuddy(self.all_choice)
        all_row = QHBoxLayout()
        all_row.addWidget(all_label)
        all_row.addWidget(self.all_choice)
        all_row.addStretch(1)
        self.duplicates = QTableWidget(0, 4)
        self.duplicates.setHorizontalHeaderLabels(
            [self.tr("Zeile"), self.tr("Eintrag in der Datei"), self.tr("Ähnlich wie"), self.tr("Übernahme")]
        )
        self.duplicates.setAccessibleName(self.tr("Mögliche Doppeleinträge"))
        self._table_style(self.duplicates)
        header = self.duplicates.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.duplicates_note = _plain()

        errors_tab = QWidget()
        box = QVBoxLayout(errors_tab)
        box.addWidget(self.errors, 1)
        box.addWidget(self.errors_note)
        dups_tab = QWidget()
        box = QVBoxLayout(dups_tab)
        box.addLayout(all_row)
        box.addWidget(self.duplicates, 1)
        box.addWidget(self.duplicates_note)
        self.tabs = QTabWidget()
        self.tabs.addTab(errors_tab, "")
        self.tabs.addTab(dups_tab, "")

        self.skip_invalid = QCheckBox(self.tr("Fehlerhafte Zeilen &auslassen und den Rest importieren"))
        self.skip_invalid.toggled.connect(self._explain)
        self.explanation = _plain()
        self.explanation.setStyleSheet(ERROR_STYLE)
        self.report_button = QPushButton(self.tr("Fehler&bericht speichern …"))
        self.report_button.setToolTip(
            self.tr("Die fehlerhaften Zeilen mit Zeilennummer und Grund als CSV-Datei für Excel speichern")
        )
        self.report_button.clicked.connect(self._save_report)
        self.again_button = QPushButton(self.tr("&Neu prüfen"))
        self.again_button.setToolTip(self.tr("Die Datei noch einmal gegen den aktuellen Bestand prüfen"))
        self.again_button.clicked.connect(self.w.run_check)
        self.report_note = _plain()
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_invalid)
        buttons.addStretch(1)
        buttons.addWidget(self.report_button)
        buttons.addWidget(self.again_button)

        self.filler = QWidget()  # takes the room of the lists while they are hidden
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addWidget(self.running)
        layout.addWidget(self.message)
        layout.addWidget(self.notes)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.filler, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.explanation)
        layout.addWidget(self.report_note)
        self.show_running()

    def choice_labels(self) -> tuple[tuple[Choice, str], ...]:
        """What can happen to a possible duplicate (the first is the default)."""
        return (
            ("skip", self.tr("überspringen")),
            ("merge", self.tr("zusammenführen")),
            ("import", self.tr("trotzdem anlegen")),
        )

    @staticmethod
    def _table_style(table: QTableWidget) -> None:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.setTabKeyNavigation(False)
        table.verticalHeader().hide()
        table.setWordWrap(True)

    def initializePage(self) -> None:
        if self.w.plan is None or self.w.plan_key() != self.w.checked_key:
            self.w.run_check()
        else:
            self.show_plan(self.w.plan)

    def nextId(self) -> int:
        return TERMS if self.w.terms_to_decide() else IMPORT

    def cleanupPage(self) -> None:
        self.w.cancel_check()  # back to the columns: a running check is not needed any more

    # -- states --------------------------------------------------------------------
    def show_running(self) -> None:
        self.running.show()
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.counts.setText(self.tr("Die Zeilen werden geprüft …"))
        self.message.hide()
        self.tabs.hide()
        self.filler.show()
        for widget in (self.skip_invalid, self.report_button, self.again_button):
            widget.setEnabled(False)
        self.explanation.hide()
        self.report_note.hide()
        self.completeChanged.emit()

    def step(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_failure(self, message: str) -> None:
        self.running.hide()
        self.counts.setText(self.tr("Keine Prüfung"))
        self.message.setText(message)
        self.message.show()
        self.again_button.setEnabled(True)
        self.completeChanged.emit()

    def show_plan(self, plan: ImportPlan) -> None:
        self.running.hide()
        self.setCommitPage(not self.w.terms_to_decide())  # else the new terms' page commits
        valid, invalid = plan.valid_rows, plan.invalid_rows
        self.counts.setText(
            self.tr(
                "{total} Zeilen geprüft: {good} gut · {bad} fehlerhaft · {dups} mögliche Doppeleinträge"
            ).format(
                total=_n(len(plan.rows)),
                good=_n(len(valid)),
                bad=_n(len(invalid)),
                dups=_n(len(plan.duplicates)),
            )
        )
        self.message.hide()
        self._show_notes(plan)
        self._fill_errors(plan)
        self._fill_duplicates(plan)
        self.tabs.setTabText(0, self.tr("Fehlerhafte Zeilen ({n})").format(n=_n(len(invalid))))
        self.tabs.setTabText(1, self.tr("Mögliche Doppeleinträge ({n})").format(n=_n(len(plan.duplicates))))
        self.tabs.setTabEnabled(0, bool(invalid))
        self.tabs.setTabEnabled(1, bool(plan.duplicates))
        self.tabs.setCurrentIndex(0 if invalid or not plan.duplicates else 1)
        self.tabs.setVisible(bool(invalid or plan.duplicates))
        self.filler.setVisible(self.tabs.isHidden())
        new_terms = self.w.terms_to_decide()
        if not invalid and not plan.duplicates:
            self.message.setText(self.tr("Alle Zeilen sind in Ordnung, keine Doppeleinträge gefunden."))
            self.message.show()
        if new_terms:
            self.message.setText(
                (self.message.text() + "\n" if self.message.isVisible() else "")
                + self.tr(
                    "Die Liste nennt {n} Kategorien, Zielgruppen, Sektoren oder Quartiere, die es noch nicht "
                    "gibt. Mit „Weiter“ wählen Sie, ob sie neu angelegt oder vorhandenen zugeordnet werden."
                ).format(n=len(new_terms))
            )
            self.message.show()
        self.skip_invalid.setEnabled(bool(invalid) and bool(valid))
        self.skip_invalid.setVisible(bool(invalid))
        self.report_button.setEnabled(bool(invalid))
        self.report_button.setVisible(bool(invalid))
        self.again_button.setEnabled(True)
        self._explain()

    def _show_notes(self, plan: ImportPlan) -> None:
        notes = plan.notes
        if not notes:
            self.notes.hide()
            return
        lines = [str(n) for n in notes[:5]]
        if len(notes) > 5:
            lines.append(self.tr("… und {n} weitere.").format(n=_n(len(notes) - 5)))
        self.notes.setText(self.tr("Hinweise ({n}):").format(n=_n(len(notes))) + "\n" + "\n".join(lines))
        self.notes.show()

    def _fill_errors(self, plan: ImportPlan) -> None:
        errors = plan.errors
        shown = errors[:SHOWN_ERRORS]
        self.errors.setRowCount(len(shown))
        for r, error in enumerate(shown):
            row_item = _item(str(error.row))
            row_item.setData(Qt.ItemDataRole.UserRole, error.row)
            self.errors.setItem(r, 0, row_item)
            self.errors.setItem(r, 1, _item(error.column))
            self.errors.setItem(r, 2, _item(error.message, tooltip=str(error)))
        self.errors.resizeColumnToContents(0)
        self.errors.setColumnWidth(1, min(max(self.errors.sizeHintForColumn(1) + 16, 90), 220))
        self.errors.resizeRowsToContents()
        if len(errors) > len(shown):
            self.errors_note.setText(
                self.tr("Die ersten {shown} von {total} Fehlern; alle stehen im Fehlerbericht.").format(
                    shown=_n(len(shown)), total=_n(len(errors))
                )
            )
            self.errors_note.show()
        else:
            self.errors_note.hide()

    def _fill_duplicates(self, plan: ImportPlan) -> None:
        dups = plan.duplicates[:SHOWN_DUPLICATES]
        self.duplicates.setRowCount(len(dups))
        self.duplicate_combos = {}
        self.all_choice.setCurrentIndex(max(self.all_choice.findData(self.w.default_choice), 0))
        for r, dup in enumerate(dups):
            if dup.existing_id is not None:
                like = dup.existing_title + (f" ({dup.existing_summary})" if dup.existing_summary else "")
                like = self.tr("{like} – im Bestand").format(like=like)
            else:
                like = self.tr("Zeile {row} dieser Datei").format(row=dup.other_row)
            like += f" · {round(dup.score)} %"
            self.duplicates.setItem(r, 0, _item(str(dup.row)))
            self.duplicates.setItem(r, 1, _item(dup.title))
            self.duplicates.setItem(r, 2, _item(like, tooltip=dup.describe()))
            combo = _ChoiceCombo()
            for value, label in self.choice_labels():
                combo.addItem(label, value)
            combo.setCurrentIndex(max(combo.findData(self.w.duplicate_choice(dup.row)), 0))
            combo.setAccessibleName(self.tr("Zeile {row}: Übernahme").format(row=dup.row))
            combo.currentIndexChanged.connect(lambda _i, row=dup.row, c=combo: self._row_chosen(row, c))
            combo.setProperty("tableRow", r)
            combo.installEventFilter(self)
            self.duplicates.setCellWidget(r, 3, combo)
            self.duplicate_combos[dup.row] = combo
        # Tab: from the list through its choices, then on to the checkbox (cell widgets
        # would otherwise come after the wizard's buttons).
        previous: QWidget = self.duplicates
        for choice in self.duplicate_combos.values():
            QWidget.setTabOrder(previous, choice)
            previous = choice
        QWidget.setTabOrder(previous, self.skip_invalid)
        self.duplicates.resizeColumnToContents(0)
        self.duplicates.resizeRowsToContents()
        rest = len(plan.duplicates) - len(dups)
        self.duplicates_note.setText(
            self.tr("Weitere {n} Doppeleinträge folgen der Wahl „Für alle“.").format(n=_n(rest))
            if rest
            else ""
        )
        self.duplicates_note.setVisible(rest > 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and watched.property("tableRow") is not None:
            self.duplicates.scrollTo(self.duplicates.model().index(int(watched.property("tableRow")), 3))
        return super().eventFilter(watched, event)

    def _row_chosen(self, row: int, combo: QComboBox) -> None:
        self.w.set_duplicate_choice(row, str(combo.currentData()))

    def _all_chosen(self) -> None:
        self.w.set_default_choice(str(self.all_choice.currentData()))

    def _explain(self) -> None:
        plan = self.w.plan
        text = ""
        if plan is not None:
            if not plan.valid_rows:
                text = self.tr(
                    "Keine Zeile kann importiert werden. Bitte die Datei oder die Zuordnung prüfen."
                )
            elif plan.invalid_rows and not self.skip_invalid.isChecked():
                text = self.tr(
                    "Solange fehlerhafte Zeilen dabei sind, wird nichts importiert. Bitte die Datei korrigieren "
                    "(der Fehlerbericht nennt jede Zeile mit Grund) oder die fehlerhaften Zeilen auslassen."
                )
        self.explanation.setText(text)
        self.explanation.setVisible(bool(text))
        self.completeChanged.emit()

    def _save_report(self) -> None:
        start = str(self.w.report_start_path())
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Fehlerbericht speichern"), start, self.tr("CSV für Excel (*.csv)")
        )
        if path:
            self.w.save_rejects(path)

    def isComplete(self) -> bool:
        plan = self.w.plan
        return (
            plan is not None
            and not self.w.checking
            and self.w.plan_key() == self.w.checked_key
            and bool(plan.valid_rows)
            and (not plan.invalid_rows or self.skip_invalid.isChecked())
        )


# ---------------------------------------------------------------------------
# 3a. New terms: create, or map to an existing one
# ---------------------------------------------------------------------------


class TermsPage(QWizardPage):
    """One line per category, target group, sector or quarter the rows to import name and
    the database does not know: "neu anlegen" or "zuordnen zu „…“"."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Neue Begriffe"))
        self.setSubTitle(
            self.tr(
                "Diese Werte der Liste gibt es noch nicht. Sie werden mit dem Import neu angelegt – "
                "oder wählen Sie einen vorhandenen Eintrag, für den der Wert steht."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Importieren"))
        self.combos: dict[tuple[str, str], _ChoiceCombo] = {}
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Art"),
                self.tr("Wert in der Liste"),
                self.tr("Zeilen"),
                self.tr("Ähnlich vorhanden"),
                self.tr("Übernahme"),
            ]
        )
        self.table.setAccessibleName(self.tr("Neue Begriffe"))
        CheckPage._table_style(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.note = _plain()
        self.quarter_note = _plain()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(self.quarter_note)

    def initializePage(self) -> None:
        terms = self.w.terms_to_decide()
        existing = self.w.existing_terms()
        self.table.setRowCount(len(terms))
        self.combos = {}
        for r, term in enumerate(terms):
            key = (term.vocabulary, term.key)
            self.table.setItem(r, 0, _item(TERM_LABELS[term.vocabulary]))
            self.table.setItem(r, 1, _item(term.name))
            self.table.setItem(r, 2, _item(self._rows(term.rows), tooltip=", ".join(map(str, term.rows))))
            self.table.setItem(r, 3, _item(", ".join(term.suggestions) or "–"))
            combo = _ChoiceCombo()
            combo.addItem(self.tr("neu anlegen"), None)
            names = existing.get(term.vocabulary, [])
            by_name = {name: record_id for record_id, name in names}
            for name in term.suggestions:
                if name in by_name:
                    combo.addItem(self.tr("zuordnen zu „{name}“").format(name=name), by_name[name])
            if names:
                combo.insertSeparator(combo.count())
            for record_id, name in names:
                if name not in term.suggestions:
                    combo.addItem(self.tr("zuordnen zu „{name}“").format(name=name), record_id)
            combo.setCurrentIndex(max(combo.findData(self.w.term_choice(*key)), 0))
            combo.setAccessibleName(
                self.tr("{what} „{name}“: Übernahme").format(
                    what=TERM_LABELS[term.vocabulary], name=term.name
                )
            )
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(
                lambda _i, k=key, c=combo: self.w.set_term_choice(k[0], k[1], c.currentData())
            )
            self.table.setCellWidget(r, 4, combo)
            self.combos[key] = combo
        previous: QWidget = self.table
        for combo in self.combos.values():
            QWidget.setTabOrder(previous, combo)
            previous = combo
        if self.combos:  # one height for every line: the combo's
            height = max(c.sizeHint().height() for c in self.combos.values()) + 2
            self.table.verticalHeader().setMinimumSectionSize(height)
            self.table.verticalHeader().setDefaultSectionSize(height)
            for r in range(self.table.rowCount()):
                self.table.setRowHeight(r, height)
        remembered = sum(1 for key in self.combos if self.w.term_choice(*key) is not None)
        self.note.setText(
            self.tr("{n} Zuordnung(en) vom letzten Import übernommen.").format(n=remembered)
            if remembered
            else ""
        )
        self.note.setVisible(bool(remembered))
        self.refresh()

    @staticmethod
    def _rows(rows: tuple[int, ...]) -> str:
        shown = ", ".join(str(r) for r in rows[:4])
        return shown + (f", … ({len(rows)})" if len(rows) > 4 else "")

    def refresh(self) -> None:
        """The note on quarters that will be created without a boundary."""
        quarters = [
            t.name
            for t in self.w.terms_to_decide()
            if t.vocabulary == QUARTER and self.w.term_choice(t.vocabulary, t.key) is None
        ]
        self.quarter_note.setText(
            self.tr(
                "Neue Quartiere ({names}) haben noch keine Grenze: Sie stehen erst auf der Karte, wenn ihre "
                "Grenze importiert ist (Orte → Quartiersgrenzen importieren …)."
            ).format(names=", ".join(quarters))
            if quarters
            else ""
        )
        self.quarter_note.setVisible(bool(quarters))

    def nextId(self) -> int:
        return IMPORT


# ---------------------------------------------------------------------------
# 4. Import
# ---------------------------------------------------------------------------


class ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Import"))
        self.setSubTitle(self.tr("Die Einträge werden in einem Schritt gespeichert: ganz oder gar nicht."))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Fertig"))
        self.status = _plain()
        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v von %m Einträgen"))
        self.cancel_button = QPushButton(self.tr("Import abbre&chen"))
        self.cancel_button.clicked.connect(self.w.cancel_import)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        self.result = _plain()
        bold = QFont(self.font())
        bold.setBold(True)
        self.result.setFont(bold)
        self.error = _plain()
        self.error.setStyleSheet(ERROR_STYLE)
        self.hint = _plain()
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(running)
        layout.addWidget(self.result)
        layout.addWidget(self.error)
        layout.addWidget(self.hint)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.w.start_import()

    def cleanupPage(self) -> None:
        self.w.set_commit_page()  # back on the page before: Importieren again

    def nextId(self) -> int:
        return -1

    def show_running(self) -> None:
        self.status.setText(self.tr("Die Einträge werden gespeichert …"))
        self.status.show()
        self.progress.show()
        self.progress.setRange(0, 0)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.result.setText("")
        self.result.hide()
        self.error.setText("")
        self.error.hide()
        self.hint.setText("")
        self.hint.hide()
        self.completeChanged.emit()

    def step(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.status.setText(self.tr("Wird abgebrochen … Es wird nichts gespeichert."))

    def show_result(self, result: ImportResult, notes: list[str]) -> None:
        self.status.setText(self.tr("Der Import ist abgeschlossen."))
        self.progress.hide()
        self.cancel_button.hide()
        self.result.setText(result.summary())
        self.result.show()
        self.hint.setText("\n".join(notes))
        self.hint.setVisible(bool(notes))
        self.completeChanged.emit()

    def show_failure(self, message: str, cancelled: bool) -> None:
        # Cancelled: the message says so itself ("… abgebrochen. Es wurde nichts gespeichert.").
        self.status.setText("" if cancelled else self.tr("Der Import ist fehlgeschlagen."))
        self.status.setVisible(not cancelled)
        self.progress.hide()
        self.cancel_button.hide()
        self.error.setText(
            message
            + "\n"
            + self.tr("Mit „Zurück“ lässt sich die Prüfung wiederholen und der Import erneut starten.")
        )
        self.error.show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.result is not None and not self.w.importing


# ---------------------------------------------------------------------------
# The wizard
# ---------------------------------------------------------------------------


class ImportWizard(QWizard):
    """Datei → Importieren …: file, columns, check, import.

    ``kind`` presets the kind of records ("institution", "offer", "contact", "actor");
    ``path`` starts reading that file at once; ``mapping_folder`` is where the confirmed
    mappings are kept (default: the user's configuration folder, shared with the command
    line). ``imported`` carries the :class:`ImportResult` after a successful import.
    """

    file_read = Signal(object)  # RawTable, or None when the file was refused
    checked = Signal(object)  # ImportPlan, or None (failed or cancelled)
    imported = Signal(object)  # ImportResult
    import_failed = Signal(str)  # German message (cancelled: nothing was written)

    def __init__(
        self,
        atlas: Atlas,
        kind: str | None = None,
        path: str | None = None,
        mapping_folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.atlas = atlas
        self.mapping_store = MappingStore(mapping_folder)
        self.setWindowTitle(self.tr("Liste importieren"))
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveHelpButton, False)
        # Limits of the file check (tests lower them).
        self.max_bytes = MAX_FILE_BYTES
        self.max_unpacked = MAX_UNPACKED_BYTES

        # State, plain data only.
        self.kind: str = kind if kind in KINDS else KINDS[0]
        self.path: str | None = None
        self.encoding: str | None = None  # chosen by the user (None: detect)
        self.separator: str | None = None
        self.sheet: str | None = None
        self.table: RawTable | None = None
        self.refusal: str = ""
        self.reading = False
        self.table_serial = 0
        self._mapping: dict[int, str] = {}
        self._mapping_key: tuple[Any, ...] | None = None
        self.saved_mapping_used = False
        self.plan: ImportPlan | None = None
        self.checked_key: tuple[Any, ...] | None = None
        self.checking = False
        self.check_message = ""
        self._choices: dict[int, str] = {}
        self.default_choice: str = "skip"
        self._term_choices: dict[tuple[str, str], int | None] = {}  # None: neu anlegen
        self._existing_terms: dict[str, list[tuple[int, str]]] | None = None
        self.result: ImportResult | None = None  # type: ignore[assignment]  # replaces QDialog.result()
        self.importing = False
        self.import_message = ""
        self.rejects_written: int | None = None

        self._read_serial = 0
        self._check_serial = 0
        self._import_serial = 0
        self._read_cancel = threading.Event()
        self._check_cancel = threading.Event()
        self._import_cancel = threading.Event()
        self.tasks = TaskRunner(1, self)
        self.relay = _Progress(self)
        self.relay.check_step.connect(self._check_step)
        self.relay.import_step.connect(self._import_step)

        self.file_page = FilePage(self)
        self.columns_page = ColumnsPage(self)
        self.check_page = CheckPage(self)
        self.terms_page = TermsPage(self)
        self.import_page = ImportPage(self)
        self.setPage(FILE, self.file_page)
        self.setPage(COLUMNS, self.columns_page)
        self.setPage(CHECK, self.check_page)
        self.setPage(TERMS, self.terms_page)
        self.setPage(IMPORT, self.import_page)
        self.file_page.kind_combo.setCurrentIndex(KINDS.index(self.kind))
        self.setMinimumSize(760, 520)
        self.resize(900, 600)
        if path:
            self.load_file(path)

    # -- 1. reading ------------------------------------------------------------------
    def load_file(self, path: str | Path) -> None:
        """Read a new file (encoding, separator and sheet detected); emits ``file_read``."""
        self.path = str(path)
        self.encoding = self.separator = self.sheet = None
        self._read()

    def set_kind(self, kind: str) -> None:
        self.file_page.kind_combo.setCurrentIndex(KINDS.index(kind))  # -> self.kind

    def set_encoding(self, encoding: str) -> None:
        """Read the file again with this encoding (one of ``ENCODINGS``)."""
        self.encoding = encoding
        FilePage._select(self.file_page.encoding_combo, encoding)
        self._read()

    def set_separator(self, separator: str) -> None:
        self.separator = separator
        FilePage._select(self.file_page.separator_combo, separator)
        self._read()

    def set_sheet(self, sheet: str) -> None:
        self.sheet = sheet
        self._read()

    def _read(self) -> None:
        if not self.path:
            return
        self._read_cancel.set()  # a read still running is no longer wanted
        self._read_cancel = cancel = threading.Event()
        self._read_serial += 1
        serial = self._read_serial
        self.table = None
        self.reading = True
        self.file_page.reading(self.path)
        path, encoding, separator, sheet = self.path, self.encoding, self.separator, self.sheet
        max_bytes, max_unpacked = self.max_bytes, self.max_unpacked
        self.tasks.run(
            lambda: read_table(
                path,
                encoding,
                separator,
                sheet=sheet,
                max_bytes=max_bytes,
                max_unpacked=max_unpacked,
                cancelled=cancel.is_set,
            ),
            lambda table: self._read_done(serial, table),
            lambda error: self._read_failed(serial, error),
        )

    def _read_done(self, serial: int, table: RawTable) -> None:
        if serial != self._read_serial:
            return
        self.reading = False
        self.table = table
        self.refusal = ""
        self.table_serial += 1
        self.file_page.show_table(table)
        self.file_read.emit(table)

    def _read_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._read_serial:
            return
        self.reading = False
        self.table = None
        self.refusal = self._message(error)
        self.file_page.show_refusal(self.refusal)
        self.file_read.emit(None)

    def _message(self, error: BaseException) -> str:
        if isinstance(error, AtlasError):
            return str(error)
        # never the driver's text: it holds SQL and the row's values
        return self.tr("Unerwarteter Fehler ({kind}). Es wurde nichts importiert.").format(
            kind=type(error).__name__
        )

    # -- 2. mapping ------------------------------------------------------------------
    def ensure_mapping(self) -> tuple[Any, ...] | None:
        """The suggested mapping for this file and kind, unless the user already chose."""
        if self.table is None:
            return None
        key = (self.table.headers, self.kind)
        if key != self._mapping_key:
            saved = self.mapping_store.load(self.kind)
            self._mapping = suggest_mapping(self.kind, self.table.headers, saved=saved)
            self.saved_mapping_used = any(heading_key(h) in saved for h in self.table.headers)
            self._mapping_key = key
        return key

    def mapping(self) -> dict[int, str]:
        """Column index -> field name of the columns taken over."""
        self.ensure_mapping()
        return dict(self._mapping)

    def set_mapping(self, column: int | str, field: str | None) -> None:
        """Map a column (index or heading) to a field; ``None`` or "" leaves it out."""
        self.ensure_mapping()
        if isinstance(column, str):
            assert self.table is not None
            column = self.table.headers.index(column)
        if field:
            if field not in {f.name for f in import_fields(self.kind)}:
                raise ValueError(field)
            self._mapping[column] = field
        else:
            self._mapping.pop(column, None)
        self.columns_page.refresh()

    def mapping_problems(self) -> list[str]:
        """German sentences for what keeps the mapping from being used."""
        if self.table is None:
            return []
        self.ensure_mapping()
        fields = import_fields(self.kind)
        labels = {f.name: f.label for f in fields}
        mapped = set(self._mapping.values())
        problems = []
        missing = [f.label for f in fields if f.required and f.name not in mapped]
        if self.kind == "contact" and not mapped & {"full_name", "last_name"}:
            missing.append(self.tr("„{a}“ oder „{b}“").format(a=labels["full_name"], b=labels["last_name"]))
        if missing:
            problems.append(
                self.tr("Bitte eine Spalte zuordnen für: {fields} (Pflichtfeld).").format(
                    fields=", ".join(missing)
                )
            )
        by_field: dict[str, list[str]] = {}
        for index, name in sorted(self._mapping.items()):
            by_field.setdefault(name, []).append(self.table.headers[index])
        for name, headings in by_field.items():
            if len(headings) > 1:
                problems.append(
                    self.tr(
                        "„{field}“ ist mehreren Spalten zugeordnet ({columns}). Bitte nur eine wählen."
                    ).format(field=labels[name], columns=", ".join(f"„{h}“" for h in headings))
                )
        return problems

    # -- 3. check --------------------------------------------------------------------
    def plan_key(self) -> tuple[Any, ...]:
        return (self.table_serial, self.kind, tuple(sorted(self._mapping.items())))

    def _go_to(self, page_id: int) -> bool:
        while self.currentId() < page_id:
            if self.currentId() == -1 or not self.currentPage().isComplete():
                return False
            self.next()
        return self.currentId() == page_id

    def run_check(self) -> bool:
        """Go to the check page and check the rows on the worker; emits ``checked``."""
        if self.currentId() < CHECK:
            return self._go_to(CHECK)  # the page starts the check when it is shown
        if self.table is None or self.importing:
            return False
        self._check_cancel.set()
        self._check_cancel = cancel = threading.Event()
        self._check_serial += 1
        serial = self._check_serial
        self.plan = None
        self.checked_key = self.plan_key()
        self.checking = True
        self.check_message = ""
        self._choices = {}
        self.check_page.show_running()
        atlas, kind, table, mapping = self.atlas, self.kind, self.table, dict(self._mapping)
        relay = self.relay

        def work() -> ImportPlan:
            return prepare(
                atlas,
                kind,
                table,
                mapping,
                progress=lambda done, total: relay.check_step.emit(serial, done, total),
                cancelled=cancel.is_set,
            )

        self.tasks.run(
            work, lambda plan: self._check_done(serial, plan), lambda error: self._check_failed(serial, error)
        )
        return True

    def cancel_check(self) -> None:
        if self.checking:
            self._check_cancel.set()

    def _check_step(self, serial: int, done: int, total: int) -> None:
        if serial == self._check_serial and self.checking:
            self.check_page.step(done, total)

    def _check_done(self, serial: int, plan: ImportPlan) -> None:
        if serial != self._check_serial:
            return
        self.checking = False
        self.plan = plan
        self._existing_terms = None
        # Remembered from the last import; this session's choices (before a new check) win.
        self._term_choices = {**self._remembered_term_choices(plan), **self._term_choices}
        self.check_page.show_plan(plan)
        self.checked.emit(plan)

    def _check_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._check_serial:
            return
        self.checking = False
        if isinstance(error, ImportCancelled):
            self.check_message = self.tr(
                "Die Prüfung wurde abgebrochen. Mit „Neu prüfen“ beginnt sie von vorn."
            )
        else:
            self.check_message = self._message(error)
        self.check_page.show_failure(self.check_message)
        self.checked.emit(None)

    def set_skip_invalid(self, skip: bool) -> None:
        self.check_page.skip_invalid.setChecked(skip)

    @property
    def skip_invalid(self) -> bool:
        return self.check_page.skip_invalid.isChecked()

    def duplicate_choice(self, row: int) -> str:
        return self._choices.get(row, self.default_choice)

    def set_duplicate_choice(self, row: int, choice: str) -> None:
        """'skip', 'merge' or 'import' for the duplicate in this row of the file."""
        if choice not in CHOICES:
            raise ValueError(choice)
        self._choices[row] = choice
        combo = self.check_page.duplicate_combos.get(row)
        if combo is not None and combo.currentData() != choice:
            combo.setCurrentIndex(combo.findData(choice))

    def set_default_choice(self, choice: str) -> None:
        """The choice for every duplicate (the single choices are reset to it)."""
        if choice not in CHOICES:
            raise ValueError(choice)
        self.default_choice = choice
        self._choices = {}
        page = self.check_page
        page.all_choice.setCurrentIndex(page.all_choice.findData(choice))
        for combo in page.duplicate_combos.values():
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(choice))
            combo.blockSignals(False)

    # -- 3a. new terms -----------------------------------------------------------------
    def terms_to_decide(self) -> tuple[NewTerm, ...]:
        """The new terms that rows to import use (a name only broken rows use is not created)."""
        plan = self.plan
        if plan is None or not plan.new_terms:
            return ()
        used: set[int] = set()
        for row in plan.valid_rows:
            values = row.values
            used.update(
                v
                for f in ("category_id", "sector_id", "quarter_id")
                if isinstance(v := values.get(f), int) and v < 0
            )
            used.update(t for t in values.get("target_groups") or () if t < 0)
        return tuple(t for t in plan.new_terms if t.placeholder in used)

    def existing_terms(self) -> dict[str, list[tuple[int, str]]]:
        """Per vocabulary (and "quarter") the existing (id, name), sorted (one short query each)."""
        if self._existing_terms is None:
            found = {v.value: [(t.id, t.name) for t in self.atlas.taxonomy.terms(v)] for v in Vocabulary}
            found[QUARTER] = [(qid, name) for qid, name in self.atlas.quarters.choices()]
            self._existing_terms = found
        return self._existing_terms

    def _remembered_term_choices(self, plan: ImportPlan) -> dict[tuple[str, str], int | None]:
        if not plan.new_terms:
            return {}
        try:
            remembered = self.mapping_store.load_terms()
        except OSError:
            return {}
        choices: dict[tuple[str, str], int | None] = {}
        for term in plan.new_terms:
            name = remembered.get((term.vocabulary, term.key))
            if not name:
                continue
            wanted = set(term_keys(name))
            for record_id, existing in self.existing_terms().get(term.vocabulary, []):
                if wanted & set(term_keys(existing)):
                    choices[(term.vocabulary, term.key)] = record_id
                    break
        return choices

    def term_choice(self, vocabulary: str, key_or_name: str) -> int | None:
        """The existing id chosen for this new term, or None: created."""
        return self._term_choices.get((vocabulary, term_key(key_or_name)))

    def set_term_choice(self, vocabulary: str, key_or_name: str, record_id: int | None) -> None:
        """Map a new term (by its name or key) to an existing term or quarter; None: create it."""
        key = (vocabulary, term_key(key_or_name))
        self._term_choices[key] = record_id
        combo = self.terms_page.combos.get(key)
        if combo is not None and combo.currentData() != record_id:
            combo.setCurrentIndex(max(combo.findData(record_id), 0))
        self.terms_page.refresh()

    def set_commit_page(self) -> None:
        """The page before the import commits: the new terms' page if it is shown."""
        terms = bool(self.terms_to_decide())
        self.check_page.setCommitPage(not terms)
        self.terms_page.setCommitPage(terms)

    def report_start_path(self) -> Path:
        """Where "Fehlerbericht speichern …" proposes to write: beside the list if its folder
        takes a file, else in the documents folder."""
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        source = Path(self.path or "liste.csv")
        return rejects_path(source, Path(documents) if documents else Path.home())

    def save_rejects(self, path: str | Path) -> int | None:
        """The rejects report (rows, reasons) as CSV; the page says where it went."""
        if self.plan is None:
            return None
        note = self.check_page.report_note
        try:
            self.rejects_written = write_rejects(self.plan, path)
        except AtlasError as err:
            note.setText(str(err))
            note.setStyleSheet(ERROR_STYLE)
            note.show()
            return None
        note.setStyleSheet("")
        note.setText(
            self.tr("Fehlerbericht gespeichert: {path} ({n} Zeilen)").format(
                path=path, n=_n(self.rejects_written)
            )
        )
        note.show()
        return self.rejects_written

    # -- 4. import -------------------------------------------------------------------
    def run_import(self) -> bool:
        """Like pressing Importieren: from the check page (through the new terms' page with
        the choices made) starts ``apply`` on the worker."""
        if self.currentId() == CHECK:
            if not self.check_page.isComplete():
                return False
            self.next()
        if self.currentId() == TERMS:
            self.next()
        return self.importing

    def start_import(self) -> None:
        plan = self.plan
        if plan is None or self.importing:
            return
        self._import_cancel = cancel = threading.Event()
        self._import_serial += 1
        serial = self._import_serial
        self.result = None
        self.import_message = ""
        self.importing = True
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        skip_invalid = self.skip_invalid
        choices = cast(dict[int, Choice], dict(self._choices))
        term_choices = {k: v for k, v in self._term_choices.items() if v is not None}
        default = cast(Choice, self.default_choice)
        worker_atlas = _WorkerAtlas(self.atlas)
        relay = self.relay
        self.import_page.show_running()

        def work() -> ImportResult:
            return apply(
                cast(Atlas, worker_atlas),
                plan,
                skip_invalid=skip_invalid,
                duplicate_choices=choices,
                default_choice=default,
                progress=lambda done, total: relay.import_step.emit(serial, done, total),
                cancelled=cancel.is_set,
                term_choices=term_choices,
            )

        self.tasks.run(
            work,
            lambda result: self._import_done(serial, result, worker_atlas),
            lambda error: self._import_failed(serial, error),
        )

    def cancel_import(self) -> None:
        """Stop the import: the transaction is rolled back, nothing is written."""
        if self.importing:
            self._import_cancel.set()
            self.import_page.cancelling()

    def _import_step(self, serial: int, done: int, total: int) -> None:
        if serial == self._import_serial and self.importing:
            self.import_page.step(done, total)

    def _import_done(self, serial: int, result: ImportResult, worker_atlas: _WorkerAtlas) -> None:
        if serial != self._import_serial:
            return
        self.importing = False
        self.result = result
        for entities, ids in worker_atlas.changes.held:  # now, on the GUI thread
            self.atlas.changes.emit(entities, ids)
        notes = []
        assert self.table is not None
        try:
            self.mapping_store.save(self.kind, self.table.headers, self._mapping)
        except AtlasError as err:
            notes.append(
                self.tr("Die Zuordnung der Spalten konnte nicht gespeichert werden: {reason}").format(
                    reason=err
                )
            )
        else:
            notes.append(
                self.tr("Die Zuordnung der Spalten wird beim nächsten Import dieser Art vorgeschlagen.")
            )
        decided = self.terms_to_decide()
        if decided:
            names = {(v, i): n for v, pairs in self.existing_terms().items() for i, n in pairs}
            with contextlib.suppress(AtlasError):  # the note above already says so
                self.mapping_store.save_terms(
                    {
                        (t.vocabulary, t.key): names.get(
                            (t.vocabulary, self.term_choice(t.vocabulary, t.key) or 0)
                        )
                        for t in decided
                    }
                )
        if result.quarters_without_boundary:
            notes.append(
                self.tr(
                    "Noch ohne Grenze und darum nicht auf der Karte: {names}. "
                    "Grenzen über „Orte → Quartiersgrenzen importieren …“."
                ).format(names=", ".join(result.quarters_without_boundary))
            )
        if self.kind == "institution" and result.created:
            notes.append(
                self.tr(
                    "Neue Einrichtungen mit Adresse, aber ohne Koordinaten kommen über "
                    "„Orte → Fehlende Koordinaten ermitteln …“ auf die Karte."
                )
            )
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.import_page.show_result(result, notes)
        self.imported.emit(result)

    def _import_failed(self, serial: int, error: BaseException) -> None:
        if serial != self._import_serial:
            return
        self.importing = False
        self.import_message = self._message(error)
        self.check_page.setCommitPage(False)  # Zurück to try again (nothing was written)
        self.terms_page.setCommitPage(False)
        self.import_page.show_failure(self.import_message, isinstance(error, ImportCancelled))
        self.import_failed.emit(self.import_message)

    # -- closing ---------------------------------------------------------------------
    def reject(self) -> None:
        """Abbrechen, Esc, closing the window: during the import it cancels the import
        (the wizard stays open to say so); otherwise reading and checking stop."""
        if self.importing:
            self.cancel_import()
            return
        self._read_cancel.set()
        self._check_cancel.set()
        super().reject()
