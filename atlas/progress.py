"""Progress and cancel for long core actions, without Qt.

A long action (an export, an Open Referral package, a quarter import) takes two plain
callables, as :meth:`atlas.geo.geocoding.GeocodingService.geocode_missing` does for batches:
``progress(done, total)`` is told how far it got, ``cancelled()`` is asked whether the
person gave up. Both default to doing nothing. The caller (the window's busy dialog, a
test) may call them from any thread; the action calls them on its own thread.

A cancelled action raises :class:`Cancelled` and leaves nothing half done: a write is one
transaction and is rolled back, a file is written to a temporary name and only renamed
over the target when complete (:func:`atlas.files.atomic_write`).
"""

from __future__ import annotations

from collections.abc import Callable

from atlas.errors import AtlasError
from atlas.i18n import _

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]

CANCELLED_MESSAGE = _("Abgebrochen – nichts wurde geändert.")


class Cancelled(AtlasError):
    """The person cancelled the action; nothing was changed."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or CANCELLED_MESSAGE)


def no_progress(_done: int, _total: int) -> None:
    return None


def never() -> bool:
    return False


class Steps:
    """Counts the steps of an action: ``advance()`` after each, ``check()`` between phases.

    ``total`` is the number of steps expected (it may be raised with :meth:`expect` once a
    later phase knows its size). Progress is reported at most every ``every`` steps and at
    the end of a phase; ``cancelled()`` is asked as often, and raises :class:`Cancelled`.
    """

    def __init__(
        self,
        progress: Progress | None = None,
        cancelled: IsCancelled | None = None,
        total: int = 0,
        every: int = 50,
    ) -> None:
        self._progress = progress or no_progress
        self._cancelled = cancelled or never
        self.total = max(total, 0)
        self.done = 0
        self.every = max(every, 1)
        self._since = 0

    def expect(self, total: int) -> None:
        """The whole action has ``total`` steps (never fewer than already done)."""
        self.total = max(total, self.done)
        self._progress(self.done, self.total)

    def check(self) -> None:
        """Raise :class:`Cancelled` when the person cancelled."""
        if self._cancelled():
            raise Cancelled()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._since += n
        if self._since >= self.every:
            self._since = 0
            self.check()
            self._progress(self.done, max(self.total, self.done))

    def finish_phase(self) -> None:
        self._since = 0
        self.check()
        self._progress(self.done, max(self.total, self.done))


def release(*containers: object, batch: int = 500) -> None:
    """Empty big lists, dicts and sets (and the lists and dicts directly in them) a batch at a
    time. Freed at once when a function returns, 300,000 small rows are one C-level
    cascade that holds the GIL for ~300 ms — on a worker, a stall of the GUI thread; freed
    in batches, the interpreter can switch threads in between."""
    for container in containers:
        if isinstance(container, dict):
            for value in list(container.values()):
                if isinstance(value, (list, dict)):
                    release(value, batch=batch)
            while container:
                for _ in range(min(batch, len(container))):
                    container.popitem()
        elif isinstance(container, list):
            while container:
                del container[-batch:]
        elif isinstance(container, set):
            while container:
                for _ in range(min(batch, len(container))):
                    container.pop()
