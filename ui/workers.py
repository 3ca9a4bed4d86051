"""The program's worker layer: two runners, built once where the window is built (``ui.app``).

- ``database``: one thread. Reads and writes of the database in the order they were asked
  for (a typed search, the overview, the map's data, an import's check and write, an
  erasure behind ``ui.tasks.wait_for``, a report's queries).
- ``background``: a small pool (2 threads) for work that waits on the network or renders
  without the database's order: geocoding, writing a PDF file. (QtWebEngine — the map
  page, the PDF renderer's page — stays on the GUI thread.)

``MainWindow`` is handed the one ``Workers`` and hands it on to every widget that runs
work (sections, overview, map pane, import wizard, geocoding dialogs, report dialogs);
they take it as a required argument and never build a runner of their own
(``tests/test_architecture.py``). Tests get theirs from the ``workers`` fixture
(``tests/ui/conftest.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject

from ui.tasks import ChangeRelay, TaskRunner

BACKGROUND_THREADS = 2


class Workers(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Set by :meth:`shutdown`: long jobs (a geocoding batch, an import) stop at their
        #: next check (see :meth:`cancelled`).
        self.stopping = threading.Event()
        self.database = TaskRunner(1, self)
        self.background = TaskRunner(BACKGROUND_THREADS, self)

    def cancelled(self, event: threading.Event) -> Callable[[], bool]:
        """A job's ``cancelled()``: its own cancel, or the program shutting down."""
        stopping = self.stopping
        return lambda: event.is_set() or stopping.is_set()

    def change_relay(self) -> ChangeRelay:
        """A window's adapter of its atlas's change bus. It belongs to the workers, not to
        the window: it lives as long as any job that may announce a change, so a worker never
        emits on a relay being deleted; Qt drops the connection to a closed window."""
        return ChangeRelay(self)

    def shutdown(self, msecs: int = 30000) -> bool:
        """At the program's end: ask long jobs to stop, then wait for both runners."""
        self.stopping.set()
        database = self.database.wait(msecs)
        background = self.background.wait(msecs)
        return database and background
