"""The one clock: the core never reads the wall clock itself.

``Atlas`` is handed a :class:`Clock` in the wiring place (``main.bootstrap``); every
service asks it for "today" and "now". The program uses :class:`SystemClock`; the demo
database names its own fixed day (kept in the database, see ``demo_data.TODAY``), and
tests hand in a :class:`FixedClock` so that the suite passes on any date.
``tests/test_architecture.py`` fails when code under ``atlas/``, ``ui/`` or ``db/``
reads the wall clock anywhere but here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol


class Clock(Protocol):
    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime:
        """Local wall time, naive (what a coach reads on her watch)."""
        ...

    def utcnow(self) -> dt.datetime:
        """UTC, naive (what the database stores in ``created_at``/``updated_at``)."""
        ...


class SystemClock:
    """The machine's clock."""

    def today(self) -> dt.date:
        return dt.date.today()

    def now(self) -> dt.datetime:
        return dt.datetime.now()

    def utcnow(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)


SYSTEM = SystemClock()

#: Execution option under which ``Atlas`` hands its clock to the engine, so that column
#: defaults (``created_at``/``updated_at``) of ORM and Core writes read it too.
OPTION = "atlas_clock"


def clock_of(context: Any) -> Clock:
    """The clock of an SQLAlchemy execution context (see :data:`OPTION`)."""
    options = getattr(context, "execution_options", None) or {}
    found = options.get(OPTION)
    return found if found is not None else SYSTEM


def fixed_day(value: str | None) -> dt.date | None:
    """The fixed day a database names for itself (the demo's), or None."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class FixedClock:
    """A clock standing on one day (the demo's, a test's); time of day stays at noon
    unless given, and can be moved on by a test."""

    def __init__(self, at: dt.date | dt.datetime) -> None:
        self.at = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time(12, 0))

    def today(self) -> dt.date:
        return self.at.date()

    def now(self) -> dt.datetime:
        return self.at

    def utcnow(self) -> dt.datetime:
        return self.at

    def advance(self, delta: dt.timedelta) -> None:
        self.at += delta
