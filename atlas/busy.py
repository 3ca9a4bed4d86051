"""A busy database in German: "database is locked" becomes :class:`~atlas.errors.BusyError`.

SQLite answers ``database is locked`` (``SQLITE_BUSY``) when another connection holds
the write lock longer than the busy timeout (``db.engine.BUSY_TIMEOUT_MS``); PostgreSQL
answers with a lock timeout, a serialization failure or a deadlock. Every service of the
facade works through the engine :func:`install` is given, so every such error reaches
the window, the import wizard and the command line as one German sentence, never as
SQL with row data. Nothing was written: the unit of work that failed is rolled back.

A team server's refusal (``insufficient_privilege``: a GRANT the role lacks, or the row
rule of ``app_setting``) becomes :class:`~atlas.errors.NotAllowedError` the same way,
naming the role (:func:`set_role`), so every write path says it in German.
"""

from __future__ import annotations

import sqlite3
import weakref

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from atlas.errors import BusyError, NotAllowedError

# PostgreSQL SQLSTATEs: lock_not_available, serialization_failure, deadlock_detected
_PG_BUSY = {"55P03", "40001", "40P01"}
#: insufficient_privilege: a missing GRANT, a row rule's WITH CHECK
_PG_NOT_ALLOWED = "42501"
#: The role in a coach's words, per engine ("anna, Netzwerkcoach"); set by the facade.
_roles: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def is_busy(error: BaseException) -> bool:
    """Whether a driver's error means "someone else holds the lock; try again"."""
    if isinstance(error, sqlite3.OperationalError):
        text = str(error).lower()
        return "locked" in text or "busy" in text
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return code in _PG_BUSY


def is_not_allowed(error: BaseException) -> bool:
    """Whether a driver's error means "this role may not do that" (PostgreSQL)."""
    return (getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)) == _PG_NOT_ALLOWED


def set_role(engine: Engine, role: str) -> None:
    """The role named in ``engine``'s refusals."""
    _roles[engine] = role


def _translate(context: ExceptionContext) -> None:
    error = context.original_exception
    if is_busy(error):
        raise BusyError() from error
    if is_not_allowed(error):
        engine = context.engine
        engine = getattr(engine, "_proxied", engine)  # an option copy: its engine
        role = _roles.get(engine) if engine is not None else None
        if role is None:
            role = (engine.url.username if engine is not None else None) or "?"
        raise NotAllowedError(role) from error


def install(engine: Engine) -> None:
    """Turn busy errors of ``engine`` (and of its option copies) into BusyError."""
    if not event.contains(engine, "handle_error", _translate):
        event.listen(engine, "handle_error", _translate)
