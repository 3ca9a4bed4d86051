"""Engines for SQLite files (one user) and server URLs (a team on PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker


def to_url(path_or_url: str | Path) -> str:
    """An SQLAlchemy URL for a file path or a URL given as is."""
    text = str(path_or_url)
    if "://" in text:
        return text
    # Quoted, so that '%', '#' or '?' in a file name mean themselves.
    url = URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    return url.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for other databases and memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


#: How long a connection waits for another program's write lock before SQLite answers
#: "database is locked" (``atlas.busy`` turns that into a German BusyError). Read when a
#: connection is made; tests shorten it (then dispose the engine's pool).
BUSY_TIMEOUT_MS = 3000


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    # Deleted content is overwritten, not left in free pages (an erasure under Art. 17
    # must not survive in the file; atlas.privacy.rights also vacuums after one).
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. On a server, each pooled connection is checked before use
    (``pool_pre_ping``: one round trip, well under a millisecond on a LAN): after the
    server was restarted the pool's connections are dead, and the first save after it is
    back would otherwise fail once more (``atlas.busy`` turns a lost server into
    ``ServerGoneError``). A file needs no such check."""
    if make_url(url).get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
