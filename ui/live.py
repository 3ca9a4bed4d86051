"""The window's side of live refresh on a team server (``atlas.live``).

The other programs' changes need nothing here: the listener publishes them on the
atlas's change bus, and the window's ``ChangeRelay`` brings them to the GUI thread like
its own. What is here: the listener's state as a Qt signal (:class:`ServerState`, emitted
from the listener thread, delivered queued), the status bar's "Teamserver nicht
erreichbar" (:func:`watch_server`), a page that cannot be opened meanwhile
(:func:`page_unreachable`), and the text a form with unsaved input shows when
its record was changed elsewhere (:func:`changed_elsewhere_note`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QMainWindow, QWidget

from atlas.changes import Origin
from atlas.errors import ServerGoneError
from atlas.i18n import _
from ui.plain import warn

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


def page_unreachable(parent: QWidget, nav: QListWidget, shown: int, error: ServerGoneError) -> None:
    """A page opened for the first time while the team server is gone (its lists and
    choices are read as it is built): the navigation stays on the page shown (``shown``)
    and the click is answered once, in German; the next click, with the server back, opens it.
    After the click's own handling (the list view selects the clicked row after it set it
    current), so the row shown and the page shown agree."""
    message = str(error)

    def answer() -> None:
        nav.blockSignals(True)
        nav.setCurrentRow(shown)
        nav.blockSignals(False)
        warn(parent, _("Teamserver nicht erreichbar"), message)

    QTimer.singleShot(0, nav, answer)


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
