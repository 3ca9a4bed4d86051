"""Step 4 of the import wizard: the import with progress and cancel, and its result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QVBoxLayout, QWizard, QWizardPage

from atlas.io import ImportResult
from ui.import_wizard.common import ERROR_STYLE, plain

if TYPE_CHECKING:
    from ui.import_wizard.wizard import ImportWizard


class ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Import"))
        self.setSubTitle(self.tr("Die Einträge werden in einem Schritt gespeichert: ganz oder gar nicht."))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Fertig"))
        self.status = plain()
        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v von %m Einträgen"))
        self.cancel_button = QPushButton(self.tr("Import abbre&chen"))
        self.cancel_button.clicked.connect(self.w.cancel_import)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        self.result = plain()
        bold = QFont(self.font())
        bold.setBold(True)
        self.result.setFont(bold)
        self.error = plain()
        self.error.setStyleSheet(ERROR_STYLE)
        self.hint = plain()
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
