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

A team server that is gone (stopped, restarted, the network down: the connection is
refused, or closed under a running statement) becomes :class:`~atlas.errors.ServerGoneError`
for every read and write (:func:`is_server_gone`). The dead connection is invalidated
(``context.is_disconnect``), and the pool's connections with it; the engine checks each
pooled connection before use (``pool_pre_ping``, ``db.engine.make_engine``), so the first
call after the server is back works. The pre-ping's own failure is left to SQLAlchemy: it
is how the pool learns to connect anew.
"""

from __future__ import annotations

import re
import sqlite3
import weakref

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from atlas.errors import BusyError, NotAllowedError, ServerGoneError

# PostgreSQL SQLSTATEs: lock_not_available, serialization_failure, deadlock_detected
_PG_BUSY = {"55P03", "40001", "40P01"}
#: insufficient_privilege: a missing GRANT, a row rule's WITH CHECK
_PG_NOT_ALLOWED = "42501"
#: PostgreSQL SQLSTATEs of a server going away: admin_shutdown, crash_shutdown,
#: cannot_connect_now (starting up or shutting down); and the class "connection exception".
_PG_GONE = {"57P01", "57P02", "57P03"}
_PG_CONNECTION_CLASS = "08"
#: A connect the server answered and refused (see ``db.team.explain``): not "gone".
_REFUSED_LOGIN = re.compile(
    r"authentication failed|no password supplied|does not exist|no pg_hba.conf entry|fe_sendauth", re.I
)
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


def is_server_gone(error: BaseException, dialect_name: str, is_disconnect: bool = False) -> bool:
    """Whether a driver's error means "the team server cannot be reached" (PostgreSQL;
    an SQLite file has no server to lose). ``is_disconnect``: SQLAlchemy's own judgement.
    A connection refused or cut off carries no SQLSTATE: a driver's ``OperationalError``
    without one is such a client-side failure — unless its text says the server answered
    and refused the login (libpq reports a failed connect without the server's SQLSTATE):
    a changed password is not a server that is gone."""
    if dialect_name == "sqlite":
        return False
    if is_disconnect:
        return True
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if code:
        return code in _PG_GONE or str(code).startswith(_PG_CONNECTION_CLASS)
    return type(error).__name__ == "OperationalError" and not _REFUSED_LOGIN.search(str(error))


def set_role(engine: Engine, role: str) -> None:
    """The role named in ``engine``'s refusals."""
    _roles[engine] = role


def _translate(context: ExceptionContext) -> None:
    if context.is_pre_ping:  # a dead pooled connection: the pool connects anew (or fails then)
        return
    error = context.original_exception
    if is_server_gone(error, context.dialect.name, context.is_disconnect):
        context.is_disconnect = True  # this connection is dead: invalidated, not reused
        raise ServerGoneError() from error
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
    """Turn busy errors of ``engine`` (and of its option copies) into BusyError, refusals
    into NotAllowedError, a lost server into ServerGoneError."""
    if not event.contains(engine, "handle_error", _translate):
        event.listen(engine, "handle_error", _translate)
