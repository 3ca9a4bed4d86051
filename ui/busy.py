"""A busy database in the window: the German message with "Nochmal versuchen"/"Abbrechen".

The core raises :class:`~atlas.errors.BusyError` when another program holds the write
lock; nothing was saved, the form keeps its input, and trying again usually works.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def ask_retry(parent: QWidget | None, message: str, title: str = "") -> bool:
    """Show ``message`` (plain text); True when the user wants to try again."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        title or QCoreApplication.translate("busy", "Datenbank belegt"),
        message,
        QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    retry = box.button(QMessageBox.StandardButton.Retry)
    retry.setText(QCoreApplication.translate("busy", "Nochmal versuchen"))
    box.button(QMessageBox.StandardButton.Cancel).setText(QCoreApplication.translate("busy", "Abbrechen"))
    box.setDefaultButton(QMessageBox.StandardButton.Retry)
    return bool(box.exec() == QMessageBox.StandardButton.Retry)
