"""Work off the GUI thread, results back on it (the threading rules in docs/ARCHITECTURE.md).

``TaskRunner.run(fn, done, failed)`` runs ``fn()`` on a worker and calls ``done(result)``
or ``failed(error)`` on the GUI thread through a queued signal. Database reads run on
one worker at a time (``database`` runner); ``fn`` must open its own session (the
services do) and return plain data, never ORM objects or widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as err:  # reported on the GUI thread, never lost
            self.relay.failed.emit(err)
        else:
            self.relay.finished.emit(result)


class TaskRunner(QObject):
    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relays: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        relay = _Relay()  # lives on the GUI thread: its signals are delivered there

        def finish(result: Any) -> None:
            self._relays.discard(relay)
            if shiboken6.isValid(self):  # the window that asked may be gone by now
                done(result)

        def fail(error: Any) -> None:
            self._relays.discard(relay)
            if not shiboken6.isValid(self):
                return
            if failed is not None:
                failed(error)
            else:
                raise error

        relay.finished.connect(finish)
        relay.failed.connect(fail)
        self._relays.add(relay)
        self.pool.start(_Job(fn, relay))

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
