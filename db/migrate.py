"""Open a database safely: refuse what is corrupt, locked, read-only or too new;
back up, then migrate to the newest schema.

Nothing here modifies a file it refuses. A file is only changed by a migration,
and only after a copy was made with SQLite's online backup API.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from atlas.errors import (
    CorruptDatabaseError,
    LockedDatabaseError,
    NewerDatabaseError,
    ReadOnlyDatabaseError,
)
from atlas.i18n import _
from db.engine import make_engine, sqlite_path, to_url

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class OpenResult:
    engine: Engine
    url: str
    revision_before: str | None
    revision_now: str
    backup: Path | None


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _check_file(path: Path) -> None:
    """Refuse files we must not touch, before SQLite sees them."""
    if not path.exists():
        parent = path.parent
        if not parent.exists():
            parent.mkdir(parents=True, exist_ok=True)
        if not os.access(parent, os.W_OK):
            raise ReadOnlyDatabaseError(
                _("Im Ordner {folder} darf keine Datenbank angelegt werden (keine Schreibrechte).").format(
                    folder=parent
                )
            )
        return
    if path.is_dir():
        raise CorruptDatabaseError(_("{path} ist ein Ordner, keine Datenbankdatei.").format(path=path))
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as err:
        raise ReadOnlyDatabaseError(
            _("Die Datenbank {path} kann nicht gelesen werden: {reason}").format(
                path=path, reason=err.strerror
            )
        ) from err
    if header and header != SQLITE_MAGIC:
        raise CorruptDatabaseError(
            _(
                "Die Datei {path} ist keine Stadtteil-Atlas-Datenbank oder ist beschädigt. "
                "Sie wurde nicht verändert."
            ).format(path=path)
        )
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise ReadOnlyDatabaseError(
            _(
                "Die Datenbank {path} ist schreibgeschützt. Bitte eine Kopie an einem Ort mit "
                "Schreibrechten öffnen."
            ).format(path=path)
        )


def _sqlite_checks(path: Path, full: bool) -> None:
    """Integrity and lock checks on a raw connection, read-only."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as err:
        raise CorruptDatabaseError(
            _("Die Datenbank {path} lässt sich nicht öffnen: {reason}").format(path=path, reason=err)
        ) from err
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as err:
        if "locked" in str(err) or "busy" in str(err):
            raise LockedDatabaseError(
                _(
                    "Die Datenbank {path} wird gerade von einem anderen Programm benutzt. "
                    "Bitte das andere Programm schließen und es noch einmal versuchen."
                ).format(path=path)
            ) from err
        raise CorruptDatabaseError(
            _("Die Datenbank {path} ist beschädigt ({reason}). Sie wurde nicht verändert.").format(
                path=path, reason=err
            )
        ) from err
    except sqlite3.DatabaseError as err:
        raise CorruptDatabaseError(
            _("Die Datenbank {path} ist beschädigt ({reason}). Sie wurde nicht verändert.").format(
                path=path, reason=err
            )
        ) from err
    finally:
        conn.close()
    if [r[0] for r in rows] != ["ok"]:
        detail = "; ".join(str(r[0]) for r in rows[:3])
        raise CorruptDatabaseError(
            _(
                "Die Datenbank {path} ist beschädigt ({detail}). Sie wurde nicht verändert. "
                "Bitte eine Sicherungskopie öffnen."
            ).format(path=path, detail=detail)
        )


def _check_not_locked(path: Path) -> None:
    conn = sqlite3.connect(str(path), timeout=1.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as err:
        raise LockedDatabaseError(
            _(
                "Die Datenbank {path} wird gerade von einem anderen Programm benutzt. "
                "Bitte das andere Programm schließen und es noch einmal versuchen."
            ).format(path=path)
        ) from err
    finally:
        conn.close()


def backup_sqlite(path: Path, label: str) -> Path:
    """Copy the file with SQLite's backup API (consistent even while open)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.vor-{label}-{stamp}{path.suffix or '.sqlite'}")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_database(path_or_url: str | Path, *, full_check: bool = True) -> OpenResult:
    """Check, back up and migrate; return a ready engine.

    Raises a :class:`atlas.errors.DatabaseOpenError` subclass with a German
    message when the database must not or cannot be used; the file is then
    left exactly as it was.
    """
    url = to_url(path_or_url)
    path = sqlite_path(url)
    existed = bool(path and path.exists() and path.stat().st_size > 0)
    if path is not None:
        _check_file(path)
        if existed:
            _sqlite_checks(path, full_check)
            _check_not_locked(path)
    engine = make_engine(url)
    before = current_revision(engine)
    head = head_revision()
    if before is not None and before not in known_revisions():
        engine.dispose()
        raise NewerDatabaseError(
            _(
                "Diese Datenbank wurde mit einer neueren Version des Stadtteil-Atlas bearbeitet "
                "(Stand {rev}). Bitte das Programm aktualisieren; die Datei wurde nicht verändert."
            ).format(rev=before)
        )
    if before is None and existed and path is not None:
        tables = set(inspect(engine).get_table_names())
        if tables:
            engine.dispose()
            raise CorruptDatabaseError(
                _(
                    "Die Datei {path} ist eine SQLite-Datenbank, aber keine des Stadtteil-Atlas. "
                    "Sie wurde nicht verändert."
                ).format(path=path)
            )
    backup = None
    if before != head:
        if existed and path is not None and before is not None:
            backup = backup_sqlite(path, f"update-{before}")
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return OpenResult(engine, url, before, head, backup)
