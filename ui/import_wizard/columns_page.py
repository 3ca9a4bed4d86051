"""Step 2 of the import wizard: which column of the file goes into which field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QComboBox, QFrame, QGridLayout, QScrollArea, QVBoxLayout, QWidget, QWizardPage

from atlas.io import RawTable, import_fields
from ui.import_wizard.common import ERROR_STYLE, ChoiceCombo, ElidedLabel, plain
from ui.plain import plain_label

if TYPE_CHECKING:
    from ui.import_wizard.wizard import ImportWizard


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
        self.combos: list[ChoiceCombo] = []
        self._built_for: tuple[Any, ...] | None = None
        self.note = plain()
        self.problem = plain()
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
            name = ElidedLabel(heading)
            name.setMinimumWidth(120)
            sample = ElidedLabel(" · ".join(examples[index]) or self.tr("(leer)"))
            sample.setEnabled(bool(examples[index]))
            combo = ChoiceCombo()
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
