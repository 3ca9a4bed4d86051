"""Answering the erasure dialog (``ui.privacy_dialog.ErasureDialog``) like a person:
when it is up, read it, then click one of its buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ui.privacy_dialog import ErasureDialog


class ErasureAnswer:
    """Clicks "Endgültig löschen" (``erase=True``) or "Abbrechen" in the next erasure
    dialog; keeps what it showed (question, rows of the mentions table) and a picture."""

    def __init__(self, erase: bool, picture: str | None = None) -> None:
        self.erase = erase
        self.picture = picture
        self.question = ""
        self.rows: list[tuple[str, ...]] = []
        self.seen = False
        QTimer.singleShot(0, self._answer)

    def _answer(self) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ErasureDialog):
            QTimer.singleShot(10, self._answer)
            return
        self.seen = True
        self.question = dialog.question.text() + "\n" + dialog.intro.text()
        table = dialog.table
        self.rows = [
            tuple(table.item(r, c).text() for c in range(table.columnCount()))
            for r in range(table.rowCount())
        ]
        if self.picture:
            dialog.grab().save(self.picture)
        button = dialog.erase_button if self.erase else dialog.cancel_button
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
