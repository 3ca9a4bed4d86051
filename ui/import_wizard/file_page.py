"""Step 1 of the import wizard: file and kind of records, encoding, separator, sheet, preview."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from atlas.io import ENCODINGS, KINDS, SEPARATORS, RawTable
from atlas.records import ENTITIES
from ui.import_wizard.common import ERROR_STYLE, PREVIEW_ROWS, cell, plain, select_data, thousands

if TYPE_CHECKING:
    from ui.import_wizard.wizard import ImportWizard


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
        self.status = plain()
        self.error = plain()
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
            name=table.source, rows=thousands(len(table.rows)), columns=len(table.headers)
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
            select_data(self.encoding_combo, table.encoding)
        if table is not None and table.separator is not None:
            select_data(self.separator_combo, table.separator)
        if table is not None and sheets:
            self.sheet_combo.clear()
            self.sheet_combo.addItems(list(table.sheets))
            self.sheet_combo.setCurrentText(table.sheet or "")
        self.options.setVisible(text or sheets)

    def _fill_preview(self, table: RawTable) -> None:
        rows = table.rows[:PREVIEW_ROWS]
        self.preview.clear()
        self.preview.setColumnCount(len(table.headers))
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(list(table.headers))
        self.preview.setVerticalHeaderLabels([str(number) for number, _cells in rows])
        for r, (_number, cells) in enumerate(rows):
            for c in range(len(table.headers)):
                self.preview.setItem(r, c, cell(cells[c] if c < len(cells) else ""))
        self.preview.resizeColumnsToContents()
        header = self.preview.horizontalHeader()
        for c in range(len(table.headers)):
            header.resizeSection(c, min(max(header.sectionSize(c), 60), 260))

    def isComplete(self) -> bool:
        return self.w.table is not None and not self.w.reading

    def validatePage(self) -> bool:
        return self.isComplete()
