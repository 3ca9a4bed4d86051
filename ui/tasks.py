"""Work off the GUI thread, results back on it (the threading rules in docs/ARCHITECTURE.md).

``TaskRunner.run(fn, done, failed, owner=widget)`` runs ``fn()`` on a worker and calls
``done(result)`` or ``failed(error)`` on the GUI thread through a queued signal — unless
``owner`` was deleted meanwhile: then the outcome is dropped. ``reporter(slot, owner=…)``
gives a job a function to report progress with from its thread. ``fn`` must open its own
session (the services do) and return plain data, never ORM objects or widgets.

The program has exactly two runners, built once in ``ui.app`` as :class:`ui.workers.Workers`
(``database``: one thread; ``background``: network and rendering); widgets are handed them
and never build their own (``tests/test_architecture.py``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ui.plain import plain_label

T = TypeVar("T")


class _Relay(QObject):
    """Carries a job's outcome to the GUI thread: ``(token, ok, payload)``.

    One relay per runner, created after its pool and so destroyed after it (children are
    deleted in creation order, and the pool waits for its jobs): a worker never emits on
    a deleted relay, and no relay is ever destroyed on a worker thread. (A relay per job,
    freed by whichever thread dropped the last reference, crashed the suite once in ~650
    tests with a segfault in a worker thread.)
    """

    outcome = Signal(int, bool, object)
    step = Signal(int, object)  # channel, the arguments of a reporter's call


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


class _Call(QRunnable):
    def __init__(self, job: Callable[[], None]) -> None:
        super().__init__()
        self.job = job

    def run(self) -> None:
        self.job()


class TaskRunner(QObject):
    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)  # after the pool: see _Relay
        self._relay.outcome.connect(self._arrived)
        self._relay.step.connect(self._stepped)
        self._waiting: dict[
            int, tuple[Callable[[Any], None], Callable[[BaseException], None] | None, _Owner]
        ] = {}
        self._channels: dict[int, tuple[Callable[..., None], _Owner]] = {}
        self._tokens = itertools.count(1)

    def run(
        self,
        fn: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
        *,
        owner: QObject | None,
    ) -> None:
        """Run ``fn()`` on a worker; ``done``/``failed`` on the GUI thread while ``owner``
        (the widget they belong to; None: nobody is deleted) still exists."""
        token = next(self._tokens)
        self._waiting[token] = (done, failed, _Owner(owner))
        self.pool.start(_Job(fn, self._relay, token))

    def reporter(self, slot: Callable[..., None], *, owner: QObject) -> Callable[..., None]:
        """A function any thread may call with ``slot``'s arguments: ``slot`` runs on the GUI
        thread, as long as ``owner`` exists (the signal is the runner's, which outlives every
        job, so a worker never emits on a widget's object that is being deleted)."""
        channel = next(self._tokens)
        self._channels[channel] = (slot, _Owner(owner))
        owner.destroyed.connect(lambda _obj=None: self._channels.pop(channel, None))
        relay = self._relay

        def report(*args: Any) -> None:
            relay.step.emit(channel, args)

        return report

    def _stepped(self, channel: int, args: tuple[Any, ...]) -> None:
        found = self._channels.get(channel)
        if found is not None and found[1].alive():
            found[0](*args)

    def _arrived(self, token: int, ok: bool, payload: Any) -> None:
        done, failed, owner = self._waiting.pop(token)
        if not owner.alive():
            return  # the widget is gone: nobody to tell
        if ok:
            done(payload)
        elif failed is not None:
            failed(payload)
        else:
            raise payload

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn()`` on this runner and wait for its result on the calling thread: for a
        job on another runner whose writes belong in this one's order (the geocoding batch
        waits on the network on the background worker and writes on the database worker).
        Never from the GUI thread (it would stand still) nor from this runner's own threads
        (the job would wait for itself)."""
        assert threading.current_thread() is not threading.main_thread(), (
            "call() blocks: not on the GUI thread"
        )
        finished = threading.Event()
        box: list[Any] = []

        def job() -> None:
            try:
                box.append((True, fn()))
            except BaseException as err:  # raised again on the calling thread
                box.append((False, err))
            finally:
                finished.set()

        self.pool.start(_Call(job))
        finished.wait()
        ok, value = box[0]
        if not ok:
            raise value
        return cast(T, value)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)

    def pending(self) -> int:
        """Jobs whose outcome has not been delivered yet (queued, running or on their way)."""
        return len(self._waiting)


class _Owner:
    """The widget a job's outcome belongs to, asked on the GUI thread whether it still exists."""

    __slots__ = ("obj",)

    def __init__(self, obj: QObject | None) -> None:
        self.obj = obj

    def alive(self) -> bool:
        return self.obj is None or shiboken6.isValid(self.obj)


class ChangeRelay(QObject):
    """The UI's adapter of the core's change bus: any thread may announce a change (a
    worker that saved, erased or imported); the window hears it on the GUI thread
    (``arrived`` is delivered queued when emitted elsewhere, directly on the GUI thread)."""

    arrived = Signal(object)

    def announce(self, change: object) -> None:
        if shiboken6.isValid(self):  # the window may be gone while a worker still writes
            self.arrived.emit(change)


def wait_here(runner: TaskRunner, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` on ``runner`` and wait for it in a local event loop (the window keeps
    painting and taking events); return its result or raise its error. The caller shows
    whatever dialog the person should see meanwhile (:func:`wait_for`,
    ``ui.progress.run_with_progress``)."""
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def done(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(error: BaseException) -> None:
        outcome["error"] = error
        loop.quit()

    runner.run(fn, done, failed, owner=None)  # waited for right here
    if not outcome:  # a queued result cannot have arrived yet, but stay safe
        loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


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
    busy = QProgressDialog(parent)
    busy.setLabel(plain_label(label))  # the label names a record: plain text, never markup
    busy.setRange(0, 0)
    busy.setWindowTitle(title)
    busy.setCancelButton(None)
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(400)
    busy.setAutoClose(False)
    try:
        return wait_here(runner, fn)
    finally:
        busy.reset()
        busy.deleteLater()
