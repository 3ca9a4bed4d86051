"""The program's worker layer: two runners, built once where the window is built (``ui.app``).

- ``database``: one thread. Reads and writes of the database in the order they were asked
  for (a typed search, the overview, the map's data, an import's check and write, an
  erasure behind ``ui.tasks.wait_for``, a report's queries).
- ``background``: a small pool (2 threads) for work that waits on the network or renders
  without the database's order: geocoding, writing a PDF file. (QtWebEngine — the map
  page, the PDF renderer's page — stays on the GUI thread.)

- the collector's tidier (``ui.collector.Tidier``): one pass of the garbage collector at a
  quiet moment on the GUI thread after a long job or after long-lived data arrived, so the
  collector's own full passes stay short.

- one thread per team server the program listens to (``listen``): it waits for the other
  programs' notifications for as long as the program runs, so it must occupy neither of
  the runners (a forever-loop on ``database`` would stop every read). A plain
  ``threading.Thread`` running ``atlas.live.Live.listen``; it touches no widget and opens
  no session (its own psycopg connection), publishes the changes it hears on the atlas's
  change bus (the window's relay brings them to the GUI thread) and reports the server's
  state through a ``ui.live.ServerState``. ``shutdown`` stops it.

``MainWindow`` is handed the one ``Workers`` and hands it on to every widget that runs
work (sections, overview, map pane, import wizard, geocoding dialogs, report dialogs);
they take it as a required argument and never build a runner of their own
(``tests/test_architecture.py``). Tests get theirs from the ``workers`` fixture
(``tests/ui/conftest.py``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject

from ui.collector import Tidier
from ui.live import ServerState
from ui.tasks import ChangeRelay, TaskRunner


class Listener(Protocol):
    """``atlas.live.Live``: hears the other programs until ``stopping`` is set."""

    def listen(self, stopping: threading.Event, reachable: Callable[[bool], None]) -> None: ...


BACKGROUND_THREADS = 2
#: How long a thread that holds the interpreter may keep it while another waits (seconds;
#: Python's default is 5 ms). Every call from Qt into Python on the GUI thread — a list's
#: ``data()`` per cell and role, the first call of each virtual method of a widget built in
#: Python — must take the interpreter back from a worker that computes in Python: at 5 ms
#: per handover a dialog's first show cost 117 ms to 2.2 s and the window's repaint 336
#: handovers; at 0.5 ms it is 12-140 ms. A worker pays only when the GUI thread asks.
SWITCH_INTERVAL_S = 0.0005


class Workers(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # the GUI thread waits less for the workers
        #: Set by :meth:`shutdown`: long jobs (a geocoding batch, an import) stop at their
        #: next check (see :meth:`cancelled`).
        self.stopping = threading.Event()
        self.database = TaskRunner(1, self)
        self.background = TaskRunner(BACKGROUND_THREADS, self)
        self.tidier = Tidier(self)
        self._listeners: dict[int, tuple[Listener, threading.Thread, ServerState]] = {}

    def cancelled(self, event: threading.Event) -> Callable[[], bool]:
        """A job's ``cancelled()``: its own cancel, or the program shutting down."""
        stopping = self.stopping
        return lambda: event.is_set() or stopping.is_set()

    def change_relay(self) -> ChangeRelay:
        """A window's adapter of its atlas's change bus. It belongs to the workers, not to
        the window: it lives as long as any job that may announce a change, so a worker never
        emits on a relay being deleted; Qt drops the connection to a closed window."""
        return ChangeRelay(self)

    def listen(self, listener: Listener) -> ServerState:
        """Hear a team server's other programs on a thread of its own, until ``shutdown``
        (once per listener: a second window on the same atlas gets the same state)."""
        known = self._listeners.get(id(listener))
        if known is not None and known[0] is listener:
            return known[2]
        state = ServerState(self)
        thread = threading.Thread(
            target=listener.listen,
            args=(self.stopping, state.report),
            name="atlas-teamserver",
            daemon=True,  # a connect that hangs never keeps the program from ending
        )
        self._listeners[id(listener)] = (listener, thread, state)
        thread.start()
        return state

    def shutdown(self, msecs: int = 30000) -> bool:
        """At the program's end: ask long jobs to stop, then wait for both runners (and
        the listeners, which look at ``stopping`` every quarter of a second)."""
        self.stopping.set()
        database = self.database.wait(msecs)
        background = self.background.wait(msecs)
        for _listener, thread, _state in self._listeners.values():
            thread.join(msecs / 1000)
        listeners = not any(thread.is_alive() for _l, thread, _s in self._listeners.values())
        self.tidier.close()
        return database and background and listeners
