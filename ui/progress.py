"""A long action on a worker, with a progress bar and "Abbrechen" (the threading rules in
docs/ARCHITECTURE.md).

``run_with_progress(runner, fn, parent, title, label)`` is the sibling of
:func:`ui.tasks.wait_for` for actions that can take more than a second (exports, Open
Referral, quarter import): ``fn(ticket)`` runs on ``runner``'s worker and hands
``ticket.progress`` and ``ticket.cancelled`` to the core function (``progress(done,
total)``/``cancelled()``, :mod:`atlas.progress`). The GUI thread waits in a nested event
loop — it keeps painting and ticking — behind a window-modal dialog that appears after
400 ms, reads the ticket every 50 ms and offers "Abbrechen". A cancel sets the ticket's
flag; the core stops at its next step, rolls back or drops its temporary file and raises
:class:`atlas.progress.Cancelled`, which is raised here like any other error. The result
is returned synchronously, so a flow keeps its return value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QProgressBar, QVBoxLayout, QWidget

from ui.collector import hold_collections
from ui.plain import plain_label
from ui.tasks import TaskRunner, wait_here

T = TypeVar("T")
#: The dialog appears only when the action takes longer than this (ms).
SHOW_AFTER_MS = 400
#: How often the dialog reads the ticket (ms).
POLL_MS = 50


class Ticket:
    """Progress and cancel between the GUI thread and one worker; plain Python, thread-safe.

    The worker calls :meth:`progress`; the GUI thread reads :meth:`state` and calls
    :meth:`cancel`; the worker asks :meth:`cancelled`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0
        self._cancel = threading.Event()

    def progress(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = done, total

    def state(self) -> tuple[int, int]:
        with self._lock:
            return self._done, self._total

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()


class ProgressDialog(QDialog):
    """Label (plain text), a bar (busy until the action knows its size) and "Abbrechen"."""

    def __init__(self, ticket: Ticket, title: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressDialog")
        self.ticket = ticket
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.label = plain_label(label, wrap=True)  # the label may name a file or record
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(self.tr("Abbrechen"))
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.update_bar)

    def cancel(self) -> None:
        """The person gave up: tell the worker, and wait for it to stop (it rolls back)."""
        if self.ticket.cancelled():
            return
        self.ticket.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(self.tr("Wird abgebrochen …"))
        self.bar.setRange(0, 0)

    def reject(self) -> None:  # Escape: the same as the button; the dialog stays until the worker is done
        self.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.cancel()

    def update_bar(self) -> None:
        if self.ticket.cancelled():
            return
        done, total = self.ticket.state()
        if total > 0:
            if self.bar.maximum() != total:
                self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))

    def start(self) -> None:
        self._poll.start()

    def finish(self) -> None:
        self._poll.stop()
        self.hide()
        self.deleteLater()


def run_with_progress(
    runner: TaskRunner,
    fn: Callable[[Ticket], T],
    parent: QWidget | None,
    title: str,
    label: str,
) -> T:
    """Run ``fn(ticket)`` on ``runner`` behind a progress dialog with "Abbrechen"; return its
    result or raise its error (:class:`atlas.progress.Cancelled` after a cancel)."""
    ticket = Ticket()
    release = hold_collections()  # first: building the dialog may start a full collection
    dialog = ProgressDialog(ticket, title, label, parent)
    dialog.start()
    show = QTimer(dialog)
    show.setSingleShot(True)
    show.timeout.connect(dialog.show)  # stopped before it fires when the action is quick
    show.start(SHOW_AFTER_MS)
    try:
        result: T = wait_here(runner, lambda: fn(ticket))
    finally:
        release()
        show.stop()
        dialog.finish()
    return result
