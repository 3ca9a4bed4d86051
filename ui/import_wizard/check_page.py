"""Step 3 of the import wizard: the check (counts, invalid rows, duplicates, rejects report)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from atlas.io import Choice, Duplicate, ImportPlan
from ui.import_wizard.check_tables import (
    CHOICE,
    ChoiceDelegate,
    DuplicatesModel,
    DuplicatesView,
    TextRows,
    error_rows,
)
from ui.import_wizard.common import (
    ERROR_STYLE,
    IMPORT,
    SHOWN_DUPLICATES,
    SHOWN_ERRORS,
    TERMS,
    plain,
    thousands,
)

if TYPE_CHECKING:
    from ui.import_wizard.wizard import ImportWizard


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

        self.errors_model = TextRows([self.tr("Zeile"), self.tr("Spalte"), self.tr("Fehler")], self)
        self.errors = QTableView()
        self.errors.setModel(self.errors_model)
        self.errors.setAccessibleName(self.tr("Fehlerhafte Zeilen"))
        self.errors.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.errors.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.errors.setAlternatingRowColors(True)
        self.errors.setTabKeyNavigation(False)
        self.errors.setWordWrap(False)
        self.errors.verticalHeader().hide()
        self.errors.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.errors.verticalHeader().setDefaultSectionSize(self.errors.fontMetrics().height() + 10)
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
        self.duplicates_model = DuplicatesModel(
            [self.tr("Zeile"), self.tr("Eintrag in der Datei"), self.tr("Ähnlich wie"), self.tr("Übernahme")],
            self.choice_labels(),
            self.w.duplicate_choice,
            self.w.set_duplicate_choice,
            self,
        )
        self.duplicates = DuplicatesView(self.duplicates_model, ChoiceDelegate(self.choice_labels(), self))
        self.duplicates.setAccessibleName(self.tr("Mögliche Doppeleinträge"))
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
        """The first :data:`SHOWN_ERRORS` errors; a row's texts are made when it is painted."""
        errors = plan.errors
        shown = errors[:SHOWN_ERRORS]
        self.errors_model.set_rows(len(shown), error_rows(shown))
        metrics = self.errors.fontMetrics()
        widest = max((len(str(e.row)) for e in shown[:1] + shown[-1:]), default=1)
        self.errors.setColumnWidth(
            0, max(metrics.horizontalAdvance("9" * widest), metrics.horizontalAdvance(self.tr("Zeile"))) + 24
        )
        self.errors.setColumnWidth(1, min(max(self.errors.sizeHintForColumn(1) + 16, 90), 220))
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
        """The first :data:`SHOWN_DUPLICATES` duplicates, in a model: a row's texts are made
        when it is painted, and a choice box exists only while the person edits a choice
        (500 boxes, one per row, stalled the window 135–150 ms at 10,000 rows even when
        built ten per turn of the event loop)."""
        dups = plan.duplicates[:SHOWN_DUPLICATES]
        self.all_choice.setCurrentIndex(max(self.all_choice.findData(self.w.default_choice), 0))
        self.duplicates_model.set_duplicates(dups, self._like)
        self.duplicates.fit_row_column()
        rest = len(plan.duplicates) - len(dups)
        self.duplicates_note.setText(
            self.tr("Weitere {n} Doppeleinträge folgen der Wahl „Für alle“.").format(n=thousands(rest))
            if rest
            else ""
        )
        self.duplicates_note.setVisible(rest > 0)

    def _like(self, dup: Duplicate) -> str:
        """What the row looks like: a stored record, or an earlier row of the file."""
        if dup.existing_id is not None:
            like = dup.existing_title + (f" ({dup.existing_summary})" if dup.existing_summary else "")
            like = self.tr("{like} – im Bestand").format(like=like)
        else:
            like = self.tr("Zeile {row} dieser Datei").format(row=dup.other_row)
        return like + f" · {round(dup.score)} %"

    def choice_changed(self, row: int | None = None) -> None:
        """The wizard's choice for a row of the file (``None``: for all) changed: shown,
        also in an open choice box."""
        self.duplicates_model.choice_changed(row)
        editor = self.duplicates.editor()
        if editor is not None:
            self.duplicates.delegate.setEditorData(
                editor, self.duplicates.currentIndex().siblingAtColumn(CHOICE)
            )

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
