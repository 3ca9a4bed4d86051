"""Two programs on one file: a second Atlas over its own engine, and a lock held by
another program (a plain sqlite3 connection). The fixtures built on these, ``other`` (a
second Atlas on the file of ``atlas``) and ``short_busy_timeout``, are in tests/conftest.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from atlas.clock import Clock, FixedClock
from atlas.core import Atlas
from db.engine import make_engine, make_sessions, to_url
from tests.conftest import TEST_DAY


def second_atlas(db_path: Path | str, clock: Clock | None = None) -> Atlas:
    """Another window or program on the same file (or the same PostgreSQL database, given
    its URL): its own engine, its own connections."""
    return Atlas(make_sessions(make_engine(to_url(db_path))), clock=clock or FixedClock(TEST_DAY))


def dispose(atlas: Atlas) -> None:
    bind = atlas.sessions.kw["bind"]
    getattr(bind, "_proxied", bind).dispose()


def use_new_connections(atlas: Atlas) -> None:
    """Drop the pooled connections (made with the old busy timeout)."""
    dispose(atlas)


@contextmanager
def write_lock(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program holds the file's write lock (``BEGIN EXCLUSIVE``) until the block ends."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=5)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        yield conn
        conn.execute("ROLLBACK")
    finally:
        conn.close()
