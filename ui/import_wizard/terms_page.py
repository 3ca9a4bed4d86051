"""Step 3a of the import wizard: new terms are created or mapped to existing ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QTableWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from atlas.io import QUARTER, TERM_LABELS
from ui.import_wizard.common import IMPORT, ChoiceCombo, cell, plain, table_style

if TYPE_CHECKING:
    from ui.import_wizard.wizard import ImportWizard


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
        self.combos: dict[tuple[str, str], ChoiceCombo] = {}
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
        table_style(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.note = plain()
        self.quarter_note = plain()
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
            self.table.setItem(r, 0, cell(TERM_LABELS[term.vocabulary]))
            self.table.setItem(r, 1, cell(term.name))
            self.table.setItem(r, 2, cell(self._rows(term.rows), tooltip=", ".join(map(str, term.rows))))
            self.table.setItem(r, 3, cell(", ".join(term.suggestions) or "–"))
            combo = ChoiceCombo()
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
