"""A busy database or a lost team server in the window: the German message with a retry.

The core raises :class:`~atlas.errors.BusyError` when another program holds the write
lock, and :class:`~atlas.errors.ServerGoneError` when the team server cannot be reached;
either way nothing was saved, the form keeps its input, and trying again (once the lock
is let go, or the server is back) works. The busy box says "Nochmal versuchen"/"Abbrechen",
the server's "Erneut versuchen"/"Später" (later: the input stays, Speichern works again).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def ask_retry(
    parent: QWidget | None, message: str, title: str = "", retry: str = "", cancel: str = ""
) -> bool:
    """Show ``message`` (plain text); True when the user wants to try again."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        title or QCoreApplication.translate("busy", "Datenbank belegt"),
        message,
        QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setObjectName("retryBox")
    button = box.button(QMessageBox.StandardButton.Retry)
    button.setText(retry or QCoreApplication.translate("busy", "Nochmal versuchen"))
    box.button(QMessageBox.StandardButton.Cancel).setText(
        cancel or QCoreApplication.translate("busy", "Abbrechen")
    )
    box.setDefaultButton(QMessageBox.StandardButton.Retry)
    return bool(box.exec() == QMessageBox.StandardButton.Retry)


def ask_retry_server(parent: QWidget | None, message: str) -> bool:
    """The team server is gone: "Erneut versuchen" (True) or "Später" (the input stays)."""
    return ask_retry(
        parent,
        message,
        QCoreApplication.translate("busy", "Teamserver nicht erreichbar"),
        retry=QCoreApplication.translate("busy", "Erneut versuchen"),
        cancel=QCoreApplication.translate("busy", "Später"),
    )
