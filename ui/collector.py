"""The garbage collector's full passes: short, and never in the middle of a long job.

A full pass walks every tracked object and holds the GIL while it does, so it stalls the GUI
thread wherever it runs. At the 10k size the window holds ~130,000 tracked objects (Qt's
wrappers, SQLAlchemy, the modules, the lists' and the map's data): a pass over all of them
took 90–160 ms. Three things keep the passes short (docs/ARCHITECTURE.md, "Threading"):

- ``ui.app`` freezes what exists once the window is shown (``gc.freeze()``): the program's
  own objects, which live as long as it does, are not walked again.
- :func:`hold_collections`: while a worker does a long job, full passes wait (the job's
  allocations would set them off on the worker) and what existed before the job is frozen.
- :class:`Tidier` (one per program, built with the worker layer): when the last hold ends,
  or long-lived data arrived (the map's places, a long list), it runs one pass at a quiet
  moment on the GUI thread and freezes what survived it — ``gc.collect(); gc.freeze()``,
  i.e. a pass over what is not frozen yet, then nothing of it walked again. Every
  :data:`DEEP_EVERY`-th tidy first unfreezes everything, so garbage in a cycle that was
  alive when it was frozen (a closed dialog's) is found too: that is the only pass over the
  whole heap, and it comes at a moment the tidier chose.

Without a tidier (the command line, core tests) the last release unfreezes at once, as the
collector would be without any of this.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

T = TypeVar("T")

#: A tidy runs this long after the last request (ms): after a job's result was shown, before
#: the person's next action.
TIDY_AFTER_MS = 700
#: Every so many tidies, the pass walks the whole heap (unfrozen first).
DEEP_EVERY = 8

_lock = threading.Lock()
_held = 0
_thresholds = (0, 0, 0)
_tidier: Tidier | None = None


def hold_collections() -> Callable[[], None]:
    """Hold off full garbage collections while a worker does a long job; returns the
    function that ends the hold (from any thread, once; later calls do nothing).

    The worker's allocations trigger full collections, which hold the GIL and so stall the
    GUI thread too: at 10,000 institutions each walked the window's ~100,000 objects for
    70–110 ms. Frozen, the collections during the job walk only what the job made; full
    collections of what the job itself keeps (a session of 30,000 new rows) took 170–350 ms
    each: none during the job. Holds nest: the last one ended restores the collector's
    thresholds and asks the tidier for a pass at a quiet moment (without a tidier it
    unfreezes at once)."""
    global _held, _thresholds
    with _lock:
        if _held == 0:
            gc.freeze()
            _thresholds = gc.get_threshold()
            first, second, third = _thresholds
            gc.set_threshold(first, second, max(third, 1_000_000))
        _held += 1
    ended = threading.Event()

    def release() -> None:
        global _held
        with _lock:
            if ended.is_set():
                return
            ended.set()
            _held -= 1
            if _held == 0:
                gc.set_threshold(*_thresholds)
                if _tidier is None or not _tidier.ask():
                    gc.unfreeze()

    return release


def holding_collections(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` for a worker, with full collections held off from now until it returns."""
    release = hold_collections()

    def run() -> T:
        try:
            return fn()
        finally:
            release()

    return run


def collections_held() -> bool:
    with _lock:
        return _held > 0


class Tidier(QObject):
    """The program's one maintenance pass of the collector, on the GUI thread (see the module).

    :meth:`ask` from any thread; the pass runs :data:`TIDY_AFTER_MS` after the last request,
    not while a hold stands (the release asks again). :meth:`close` (at the program's end,
    ``Workers.shutdown``) unfreezes and stands down."""

    _asked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        global _tidier
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TIDY_AFTER_MS)
        self._timer.timeout.connect(self.tidy)
        self._asked.connect(self._timer.start)  # queued when asked from a worker
        self._closed = False
        #: Tidies done; every DEEP_EVERY-th walks the whole heap.
        self.passes = 0
        with _lock:
            _tidier = self

    def ask(self) -> bool:
        """A pass soon (any thread). False once closed: the caller unfreezes itself."""
        if self._closed:
            return False
        try:
            self._asked.emit()
        except RuntimeError:  # the Qt object is gone (the program ending)
            return False
        return True

    def pending(self) -> bool:
        return self._timer.isActive()

    def tidy(self) -> bool:
        """One pass now, unless a hold stands (then its release asks again); True if done."""
        with _lock:
            if self._closed or _held > 0:
                return False
            self.passes += 1
            if self.passes % DEEP_EVERY == 0:
                gc.unfreeze()
            gc.collect()
            gc.freeze()
        return True

    def close(self) -> None:
        global _tidier
        self._timer.stop()
        with _lock:
            self._closed = True
            if _tidier is self:
                _tidier = None
            if _held == 0:
                gc.unfreeze()
