"""The window's side of live refresh on a team server (``atlas.live``).

The other programs' changes need nothing here: the listener publishes them on the
atlas's change bus, and the window's ``ChangeRelay`` brings them to the GUI thread like
its own. What is here: the listener's state as a Qt signal (:class:`ServerState`, emitted
from the listener thread, delivered queued), the status bar's "Teamserver nicht
erreichbar" (:func:`watch_server`), and the text a form with unsaved input shows when
its record was changed elsewhere (:func:`changed_elsewhere_note`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from atlas.changes import Origin
from atlas.i18n import _

if TYPE_CHECKING:
    from atlas.core import Atlas
    from ui.workers import Workers


class ServerState(QObject):
    """The team server's listener reports here from its thread; ``reachable`` is delivered
    on the thread of each receiver. It belongs to the workers (like the change relay), so
    the listener never reports to a deleted object."""

    reachable = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last: bool | None = None

    def report(self, reachable: bool) -> None:
        if shiboken6.isValid(self):
            self.last = reachable
            self.reachable.emit(reachable)


def watch_server(window: QMainWindow, atlas: Atlas, workers: Workers) -> QLabel | None:
    """On a team server: start hearing the other programs and show in the window's status
    bar while the server cannot be reached (the label, hidden while it can). None on a file."""
    if atlas.live is None:
        return None
    label = QLabel(_("Teamserver nicht erreichbar – neuer Versuch läuft …"))
    label.setObjectName("serverUnreachable")
    label.setStyleSheet("color: #a00000; font-weight: 600;")
    label.setToolTip(
        _(
            "Änderungen der anderen erscheinen erst wieder, wenn der Server erreichbar ist. "
            "Ihre Eingaben bleiben erhalten."
        )
    )
    label.hide()
    window.statusBar().insertPermanentWidget(0, label)  # not hidden by passing messages
    state = workers.listen(atlas.live)
    state.reachable.connect(label.setHidden)
    if state.last is False:
        label.show()
    return label


def changed_elsewhere_note(origin: Origin | None, at: dt.datetime, deleted: bool = False) -> str:
    """What a form with unsaved input says when its record was changed elsewhere: who and
    when if another program said so (``origin``), else the time it was heard (``at``)."""
    when = (origin.at if origin is not None and origin.at is not None else at).strftime("%H:%M")
    by = origin.by if origin is not None else ""
    if deleted:
        if by:
            return _(
                "Dieser Eintrag wurde inzwischen von {by} um {time} gelöscht. Ihre Eingaben sind noch da."
            ).format(by=by, time=when)
        return _("Dieser Eintrag wurde inzwischen um {time} gelöscht. Ihre Eingaben sind noch da.").format(
            time=when
        )
    if by:
        return _(
            "Dieser Eintrag wurde inzwischen von {by} um {time} geändert – beim Speichern können Sie wählen."
        ).format(by=by, time=when)
    return _(
        "Dieser Eintrag wurde inzwischen an anderer Stelle geändert (um {time}) – "
        "beim Speichern können Sie wählen."
    ).format(time=when)
