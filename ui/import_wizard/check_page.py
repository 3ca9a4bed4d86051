"""Step 3 of the import wizard: the check (counts, invalid rows, duplicates, rejects report)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from atlas.io import Choice, ImportPlan
from ui.import_wizard.common import (
    ERROR_STYLE,
    IMPORT,
    SHOWN_DUPLICATES,
    SHOWN_ERRORS,
    TERMS,
    ChoiceCombo,
    cell,
    plain,
    table_style,
    thousands,
)

if TYPE_CHECKING:
    from ui.import_wizard.wizard import ImportWizard


#: Choice boxes built per turn of the event loop (each takes 1–3 ms to build and set).
COMBOS_PER_TURN = 10


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
        self._combos_due: list[tuple[int, Any]] = []
        self._combo_slices = QTimer(self)
        self._combo_slices.setInterval(0)
        self._combo_slices.timeout.connect(self._add_combos)

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

        self.counts = plain()
        bold = QFont(self.font())
        bold.setBold(True)
        self.counts.setFont(bold)
        self.message = plain()
        self.notes = plain()  # values the import changed, per row (a postcode's leading 0)
        self.notes.setObjectName("importNotes")
        self.notes.hide()

        self.errors = QTableWidget(0, 3)
        self.errors.setHorizontalHeaderLabels([self.tr("Zeile"), self.tr("Spalte"), self.tr("Fehler")])
        self.errors.setAccessibleName(self.tr("Fehlerhafte Zeilen"))
        table_style(self.errors)
        self.errors.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.errors_note = plain()

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
        table_style(self.duplicates)
        header = self.duplicates.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.duplicates_note = plain()

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
        self.explanation = plain()
        self.explanation.setStyleSheet(ERROR_STYLE)
        self.report_button = QPushButton(self.tr("Fehler&bericht speichern …"))
        self.report_button.setToolTip(
            self.tr("Die fehlerhaften Zeilen mit Zeilennummer und Grund als CSV-Datei für Excel speichern")
        )
        self.report_button.clicked.connect(self._save_report)
        self.again_button = QPushButton(self.tr("&Neu prüfen"))
        self.again_button.setToolTip(self.tr("Die Datei noch einmal gegen den aktuellen Bestand prüfen"))
        self.again_button.clicked.connect(self.w.run_check)
        self.report_note = plain()
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
                total=thousands(len(plan.rows)),
                good=thousands(len(valid)),
                bad=thousands(len(invalid)),
                dups=thousands(len(plan.duplicates)),
            )
        )
        self.message.hide()
        self._show_notes(plan)
        self._fill_errors(plan)
        self._fill_duplicates(plan)
        self.tabs.setTabText(0, self.tr("Fehlerhafte Zeilen ({n})").format(n=thousands(len(invalid))))
        self.tabs.setTabText(
            1, self.tr("Mögliche Doppeleinträge ({n})").format(n=thousands(len(plan.duplicates)))
        )
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
            lines.append(self.tr("… und {n} weitere.").format(n=thousands(len(notes) - 5)))
        self.notes.setText(
            self.tr("Hinweise ({n}):").format(n=thousands(len(notes))) + "\n" + "\n".join(lines)
        )
        self.notes.show()

    def _fill_errors(self, plan: ImportPlan) -> None:
        errors = plan.errors
        shown = errors[:SHOWN_ERRORS]
        self.errors.setRowCount(len(shown))
        for r, error in enumerate(shown):
            row_item = cell(str(error.row))
            row_item.setData(Qt.ItemDataRole.UserRole, error.row)
            self.errors.setItem(r, 0, row_item)
            self.errors.setItem(r, 1, cell(error.column))
            self.errors.setItem(r, 2, cell(error.message, tooltip=str(error)))
        self.errors.resizeColumnToContents(0)
        self.errors.setColumnWidth(1, min(max(self.errors.sizeHintForColumn(1) + 16, 90), 220))
        self.errors.resizeRowsToContents()
        if len(errors) > len(shown):
            self.errors_note.setText(
                self.tr("Die ersten {shown} von {total} Fehlern; alle stehen im Fehlerbericht.").format(
                    shown=thousands(len(shown)), total=thousands(len(errors))
                )
            )
            self.errors_note.show()
        else:
            self.errors_note.hide()

    def _fill_duplicates(self, plan: ImportPlan) -> None:
        """The rows at once; their choice boxes :data:`COMBOS_PER_TURN` at a time, one slice
        per turn of the event loop: 500 combo boxes built in one go stalled the window
        750 ms at 10,000 rows (each is a widget of its own, laid out as it is set)."""
        dups = plan.duplicates[:SHOWN_DUPLICATES]
        self._combo_slices.stop()
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
            self.duplicates.setItem(r, 0, cell(str(dup.row)))
            self.duplicates.setItem(r, 1, cell(dup.title))
            self.duplicates.setItem(r, 2, cell(like, tooltip=dup.describe()))
        self.duplicates.resizeColumnToContents(0)
        self._combos_due = list(enumerate(dups))
        self._add_combos()
        rest = len(plan.duplicates) - len(dups)
        self.duplicates_note.setText(
            self.tr("Weitere {n} Doppeleinträge folgen der Wahl „Für alle“.").format(n=thousands(rest))
            if rest
            else ""
        )
        self.duplicates_note.setVisible(rest > 0)

    @property
    def combos_pending(self) -> bool:
        """Choice boxes of shown duplicates are still being built (a slice per event-loop turn)."""
        return bool(self._combos_due)

    def _add_combos(self) -> None:
        due, self._combos_due = self._combos_due[:COMBOS_PER_TURN], self._combos_due[COMBOS_PER_TURN:]
        for r, dup in due:
            combo = ChoiceCombo()
            for value, label in self.choice_labels():
                combo.addItem(label, value)
            combo.setCurrentIndex(max(combo.findData(self.w.duplicate_choice(dup.row)), 0))
            combo.setAccessibleName(self.tr("Zeile {row}: Übernahme").format(row=dup.row))
            combo.currentIndexChanged.connect(lambda _i, row=dup.row, c=combo: self._row_chosen(row, c))
            combo.setProperty("tableRow", r)
            combo.installEventFilter(self)
            self.duplicates.setCellWidget(r, 3, combo)
            self.duplicates.resizeRowToContents(r)
            self.duplicate_combos[dup.row] = combo
        if self._combos_due:
            self._combo_slices.start()
            return
        self._combo_slices.stop()
        # Tab: from the list through its choices, then on to the checkbox (cell widgets
        # would otherwise come after the wizard's buttons).
        previous: QWidget = self.duplicates
        for choice in self.duplicate_combos.values():
            QWidget.setTabOrder(previous, choice)
            previous = choice
        QWidget.setTabOrder(previous, self.skip_invalid)

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
