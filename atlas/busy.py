"""A busy database in German: "database is locked" becomes :class:`~atlas.errors.BusyError`.

SQLite answers ``database is locked`` (``SQLITE_BUSY``) when another connection holds
the write lock longer than the busy timeout (``db.engine.BUSY_TIMEOUT_MS``); PostgreSQL
answers with a lock timeout, a serialization failure or a deadlock. Every service of the
facade works through the engine :func:`install` is given, so every such error reaches
the window, the import wizard and the command line as one German sentence, never as
SQL with row data. Nothing was written: the unit of work that failed is rolled back.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from atlas.errors import BusyError

# PostgreSQL SQLSTATEs: lock_not_available, serialization_failure, deadlock_detected
_PG_BUSY = {"55P03", "40001", "40P01"}


def is_busy(error: BaseException) -> bool:
    """Whether a driver's error means "someone else holds the lock; try again"."""
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        return "locked" in text or "busy" in text
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return code in _PG_BUSY


def _translate(context: ExceptionContext) -> None:
    if is_busy(context.original_exception):
        raise BusyError() from context.original_exception


def install(engine: Engine) -> None:
    """Turn busy errors of ``engine`` (and of its option copies) into BusyError."""
    if not event.contains(engine, "handle_error", _translate):
        event.listen(engine, "handle_error", _translate)
