"""Work off the GUI thread, results back on it (the threading rules in docs/ARCHITECTURE.md).

``TaskRunner.run(fn, done, failed)`` runs ``fn()`` on a worker and calls ``done(result)``
or ``failed(error)`` on the GUI thread through a queued signal. Database reads run on
one worker at a time (``database`` runner); ``fn`` must open its own session (the
services do) and return plain data, never ORM objects or widgets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.plain import plain_label


class _Relay(QObject):
    """Carries a job's outcome to the GUI thread: ``(token, ok, payload)``.

    One relay per runner, created after its pool and so destroyed after it (children are
    deleted in creation order, and the pool waits for its jobs): a worker never emits on
    a deleted relay, and no relay is ever destroyed on a worker thread. (A relay per job,
    freed by whichever thread dropped the last reference, crashed the suite once in ~650
    tests with a segfault in a worker thread.)
    """

    outcome = Signal(int, bool, object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, token: int) -> None:
        super().__init__()
        self.fn: Callable[[], Any] | None = fn
        self.relay = relay
        self.token = token

    def run(self) -> None:
        fn, self.fn = self.fn, None  # drop the closure here, not in the pool's delete
        try:
            assert fn is not None, "a job runs once"
            result = fn()
        except Exception as err:  # reported on the GUI thread, never lost
            self.relay.outcome.emit(self.token, False, err)
        else:
            self.relay.outcome.emit(self.token, True, result)


class TaskRunner(QObject):
    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)  # after the pool: see _Relay
        self._relay.outcome.connect(self._arrived)
        self._waiting: dict[int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None]] = {}
        self._tokens = itertools.count(1)

    def run(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        token = next(self._tokens)
        self._waiting[token] = (done, failed)
        self.pool.start(_Job(fn, self._relay, token))

    def _arrived(self, token: int, ok: bool, payload: Any) -> None:
        done, failed = self._waiting.pop(token)
        if ok:
            done(payload)
        elif failed is not None:
            failed(payload)
        else:
            raise payload

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)


class ChangeRelay(QObject):
    """The UI's adapter of the core's change bus: any thread may announce a change (a
    worker that saved, erased or imported); the window hears it on the GUI thread
    (``arrived`` is delivered queued when emitted elsewhere, directly on the GUI thread)."""

    arrived = Signal(object)

    def announce(self, change: object) -> None:
        if shiboken6.isValid(self):  # the window may be gone while a worker still writes
            self.arrived.emit(change)


def wait_for(
    runner: TaskRunner,
    fn: Callable[[], Any],
    parent: QWidget | None,
    title: str,
    label: str,
) -> Any:
    """Run ``fn`` on ``runner`` while a modal busy dialog keeps the window painted, and
    return its result (or raise its error) once it is done.

    For a single action the person waits for anyway and which cannot be cancelled half-way
    (one transaction), e.g. an erasure that scans and vacuums the whole file: the GUI
    thread keeps drawing instead of freezing for seconds. The dialog appears only after
    400 ms, so short runs show nothing.
    """
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def done(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(error: BaseException) -> None:
        outcome["error"] = error
        loop.quit()

    busy = QProgressDialog(parent)
    busy.setLabel(plain_label(label))  # the label names a record: plain text, never markup
    busy.setRange(0, 0)
    busy.setWindowTitle(title)
    busy.setCancelButton(None)
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(400)
    busy.setAutoClose(False)
    runner.run(fn, done, failed)
    if not outcome:  # a queued result cannot have arrived yet, but stay safe
        loop.exec()
    busy.reset()
    busy.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
