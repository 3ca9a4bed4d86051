"""A database file before it is opened: is it there, is it SQLite, is it whole, may we
write it, is it locked; a hot journal rolled back on a copy; the copies made before a
migration or a recovery (SQLite's online backup API).

Nothing here changes a file it refuses. ``db.migrate.open_database`` calls these in order.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from atlas.clock import SYSTEM
from atlas.errors import (
    CorruptDatabaseError,
    DatabaseOpenError,
    LockedDatabaseError,
    MissingFolderError,
    ReadOnlyDatabaseError,
)
from atlas.i18n import _

SQLITE_MAGIC = b"SQLite format 3\x00"


def _can_write_file(path: Path) -> bool:
    """Try it: ``os.access`` answers for the real user id and does not see Windows ACLs.

    Opening for writing and closing again changes neither the content nor the times.
    """
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    os.close(fd)
    return True


def _can_create_in(folder: Path) -> bool:
    """Whether a file (SQLite's journal, a backup) can be created in ``folder``."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def ro_uri(path: Path) -> str:
    """A read-only SQLite URI for ``path``, with '#', '?' and '%' in names escaped.

    The authority is always empty (SQLite refuses others), so a Windows share
    ``\\\\server\\share\\a.sqlite`` becomes ``file:////server/share/a.sqlite``.
    """
    posix = path.resolve().as_posix()
    if not posix.startswith("/"):
        posix = "/" + posix  # C:/Users/... -> /C:/Users/...
    return f"file://{quote(posix, safe='/:')}?mode=ro"


def check_given_path(given: Path) -> None:
    """Refuse a path through a link that points nowhere (the file or any folder on the
    way): following it would create the database somewhere the user never named."""
    for part in (given, *given.parents):
        if part.is_symlink() and not part.exists():
            raise MissingFolderError(
                _(
                    "{path} ist eine Verknüpfung auf {target}, das es nicht gibt. "
                    "Es wurde nichts angelegt; bitte den Pfad prüfen."
                ).format(path=part, target=os.readlink(part))
            )


def _make_folder(parent: Path, create: bool) -> None:
    """The folder of a new database: created only when asked, with a German refusal."""
    if parent.is_dir():
        return
    if parent.exists():
        raise MissingFolderError(
            _("{folder} ist kein Ordner; dort kann keine Datenbank angelegt werden.").format(folder=parent)
        )
    if not create:
        raise MissingFolderError(
            _(
                "Den Ordner {folder} gibt es nicht. Es wurde nichts angelegt; bitte den Pfad prüfen "
                "(oder mit --create anlegen lassen)."
            ).format(folder=parent)
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ReadOnlyDatabaseError(
            _("Der Ordner {folder} kann nicht angelegt werden: {reason}").format(
                folder=parent, reason=err.strerror or err
            )
        ) from err


def check_file(path: Path, create: bool = False) -> None:
    """Refuse files we must not touch, before SQLite sees them."""
    if not path.exists():
        parent = path.parent
        _make_folder(parent, create)
        if not _can_create_in(parent):
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
    if not _can_write_file(path) or not _can_create_in(path.parent):
        raise ReadOnlyDatabaseError(
            _(
                "Die Datenbank {path} ist schreibgeschützt. Bitte eine Kopie an einem Ort mit "
                "Schreibrechten öffnen."
            ).format(path=path)
        )


def sqlite_checks(path: Path, full: bool) -> None:
    """Integrity and lock checks on a raw connection, read-only."""
    try:
        conn = sqlite3.connect(ro_uri(path), uri=True, timeout=1.0)
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


def check_not_locked(path: Path) -> None:
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


def _unique_copy_name(path: Path, label: str) -> Path:
    stamp = SYSTEM.now().strftime("%Y%m%d-%H%M%S")
    suffix = path.suffix or ".sqlite"
    target = path.with_name(f"{path.stem}.vor-{label}-{stamp}{suffix}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.stem}.vor-{label}-{stamp}-{n}{suffix}")
    return target


# SQLITE_READONLY_ROLLBACK: a read-only connection found a hot journal.
_SQLITE_READONLY_ROLLBACK = 776


def _journal(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def needs_recovery(path: Path) -> bool:
    """Whether a write was interrupted (crash, power loss) and left a hot journal.

    A journal of a program that is still writing is not hot: it holds a lock, and
    the lock check reports it.
    """
    journal = _journal(path)
    if not journal.exists() or journal.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(ro_uri(path), uri=True, timeout=1.0)
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError as err:
        code = getattr(err, "sqlite_errorcode", None)
        return code == _SQLITE_READONLY_ROLLBACK or "readonly database" in str(err)
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return False


def recover(path: Path) -> Path:
    """Copy the file and its journal as they are, then let SQLite roll back the
    interrupted write (what any writing connection would do): the last saved state."""
    target = _unique_copy_name(path, "wiederherstellung")
    try:
        shutil.copy2(path, target)
        shutil.copy2(_journal(path), _journal(target))
    except OSError as err:
        target.unlink(missing_ok=True)
        _journal(target).unlink(missing_ok=True)
        raise DatabaseOpenError(
            _(
                "Die Datenbank {path} wurde beim letzten Mal nicht sauber geschlossen, und es konnte "
                "keine Sicherungskopie angelegt werden ({reason}). Sie wurde nicht verändert."
            ).format(path=path, reason=err.strerror)
        ) from err
    conn = sqlite3.connect(str(path), timeout=1.0)
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as err:
        raise CorruptDatabaseError(
            _(
                "Die Datenbank {path} wurde beim letzten Mal nicht sauber geschlossen und lässt sich "
                "nicht wiederherstellen ({reason}). Eine Kopie des Zustands liegt in {copy}."
            ).format(path=path, reason=err, copy=target)
        ) from err
    finally:
        conn.close()
    return target


def backup_sqlite(path: Path, label: str) -> Path:
    """Copy the file with SQLite's backup API (consistent even while open).

    Never overwrites an earlier copy. Raises :class:`DatabaseOpenError` if the copy
    cannot be made; the database itself is not touched.
    """
    target = _unique_copy_name(path, label)
    try:
        src = sqlite3.connect(ro_uri(path), uri=True)
        try:
            dst = sqlite3.connect(str(target))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as err:
        target.unlink(missing_ok=True)
        raise DatabaseOpenError(
            _(
                "Vor der Aktualisierung konnte keine Sicherungskopie von {path} angelegt werden "
                "({reason}). Die Datenbank wurde nicht verändert."
            ).format(path=path, reason=err)
        ) from err
    return target
