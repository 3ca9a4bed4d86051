"""Take the database's write lock at the start of a transaction that must read and then
write without anyone writing in between (an import checking its duplicates).

SQLite: ``BEGIN IMMEDIATE`` takes the write lock before the first read; a second writer
waits (busy timeout) and then gets "database is locked", which :mod:`atlas.busy` turns
into a German :class:`~atlas.errors.BusyError`. Readers go on reading meanwhile.
The driver (pysqlite) opens its transactions itself before the first write, so the
explicit ``BEGIN IMMEDIATE`` must be the first statement of the session's connection.

PostgreSQL: a transaction-level advisory lock (``pg_advisory_xact_lock``) per name:
every writer that takes the same name waits for the one holding it; the lock ends with
the transaction (commit or rollback). Plain form saves need no lock there: their
version check catches a race.

The same call works for both: ``lock_for_writing(session, "import")``.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_for_writing(session: Session, name: str) -> None:
    """Hold the write lock (SQLite: the whole file; PostgreSQL: ``name``) until the
    session's transaction ends. Call before the session has run any statement."""
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        driver = conn.connection.dbapi_connection
        if driver is not None and getattr(driver, "in_transaction", False):
            raise RuntimeError("lock_for_writing must come first in the transaction")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        key = zlib.crc32(f"stadtteil-atlas:{name}".encode()) & 0x7FFFFFFF
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
