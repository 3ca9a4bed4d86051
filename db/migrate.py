"""Open a database safely: refuse what is corrupt, locked, read-only or too new;
back up, then migrate to the newest schema.

Nothing here modifies a file it refuses. A file is only changed by a migration,
and only after a copy was made with SQLite's online backup API.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from atlas.errors import (
    CorruptDatabaseError,
    DatabaseOpenError,
    EmptyDatabaseError,
    MissingFolderError,
    NewerDatabaseError,
)
from atlas.i18n import _
from db import engine as db_engine
from db.backups import prune_copies
from db.engine import make_engine, sqlite_path, to_url
from db.files import (
    SQLITE_MAGIC,
    backup_sqlite,
    check_file,
    check_given_path,
    check_not_locked,
    needs_recovery,
    recover,
    ro_uri,
    sqlite_checks,
)

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration really runs: opening a database that is
# already current must not pay ~0.1 s of imports at every start (benchmarks/bench_startup.py).
_REVISION = re.compile(r"^revision\s*=\s*[\"'](?P<rev>[^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision\s*=\s*(?:None|[\"'](?P<rev>[^\"']+)[\"'])", re.MULTILINE)

MIGRATIONS = Path(__file__).with_name("migrations")
#: PostgreSQL: the advisory lock a migration holds (one opening migrates at a time).
_MIGRATION_LOCK = 0x41544C53  # "ATLS"


@dataclass(frozen=True)
class OpenResult:
    engine: Engine
    url: str
    revision_before: str | None
    revision_now: str
    backup: Path | None

    @property
    def shown(self) -> str:
        """The URL as a person may see it: a server's password replaced by ``***``."""
        return _redact(self.url)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _revision_graph() -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files without importing Alembic.

    tests/test_db.py checks that this agrees with Alembic's own view.
    """
    graph: dict[str, str | None] = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        rev, down = _REVISION.search(source), _DOWN.search(source)
        if rev is not None and down is not None:
            graph[rev.group("rev")] = down.group("rev")
    return graph


def head_revision() -> str:
    graph = _revision_graph()
    heads = set(graph) - {d for d in graph.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}")
    return heads.pop()


def known_revisions() -> set[str]:
    return set(_revision_graph())


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database, or None for a database without one."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        except DBAPIError:
            return None


def _connect(url: str) -> Engine:
    """An engine whose first connection worked; German errors for the usual failures."""
    try:
        engine = make_engine(url)
    except (ImportError, NoSuchModuleError, ArgumentError) as err:
        raise DatabaseOpenError(
            _(
                "Die Datenbank-Adresse {url} wird nicht unterstützt oder der Treiber fehlt ({reason}). "
                "Bitte eine SQLite-Datei oder eine Adresse wie postgresql+psycopg://… angeben."
            ).format(url=_redact(url), reason=err)
        ) from err
    try:
        with engine.connect():
            pass
    except DBAPIError as err:
        engine.dispose()
        raise DatabaseOpenError(
            _(
                "Der Datenbank-Server {url} ist nicht erreichbar oder lehnt die Anmeldung ab. "
                "Bitte Netzwerk, Adresse und Zugangsdaten prüfen."
            ).format(url=_redact(url))
        ) from err
    return engine


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_database(path_or_url: str | Path, *, full_check: bool = True, create: bool = False) -> OpenResult:
    """Check, back up and migrate; return a ready engine.

    Raises a :class:`atlas.errors.DatabaseOpenError` subclass with a German
    message when the database must not or cannot be used; the file is then
    left exactly as it was. A missing file in an existing folder becomes a new
    database; missing folders and a zero-byte file only with ``create`` (the user
    asked for it: ``--create``, or yes to the window's question). A link that
    points nowhere is never followed.
    """
    if "://" not in str(path_or_url):
        check_given_path(Path(str(path_or_url)).expanduser())
    url = to_url(path_or_url)
    path = sqlite_path(url)
    existed = bool(path and path.exists() and path.stat().st_size > 0)
    recovered: Path | None = None
    if path is not None:
        check_file(path, create)
        if not existed and path.is_file() and not create:
            raise EmptyDatabaseError(
                _(
                    "Die Datei {path} ist leer (0 Byte). Sie wurde nicht verändert; "
                    "eine neue Datenbank darin legt erst --create an."
                ).format(path=path),
                str(path),
            )
        if existed:
            if needs_recovery(path):
                recovered = recover(path)
            sqlite_checks(path, full_check)
            check_not_locked(path)
    engine = _connect(url)
    before = current_revision(engine)
    head = head_revision()
    if before is not None and before not in known_revisions():
        engine.dispose()
        if path is None:
            raise NewerDatabaseError(
                _(
                    "Die Datenbank {url} wurde mit einer neueren Version des Stadtteil-Atlas "
                    "eingerichtet (Stand {rev}). Bitte das Programm aktualisieren; die Datenbank "
                    "wurde nicht verändert."
                ).format(url=_redact(url), rev=before)
            )
        raise NewerDatabaseError(
            _(
                "Diese Datenbank wurde mit einer neueren Version des Stadtteil-Atlas bearbeitet "
                "(Stand {rev}). Bitte das Programm aktualisieren; die Datei wurde nicht verändert."
            ).format(rev=before)
        )
    if before is None and (existed or path is None):
        tables = set(inspect(engine).get_table_names())
        if tables:
            engine.dispose()
            if path is None:
                raise CorruptDatabaseError(
                    _(
                        "Die Datenbank {url} enthält schon Tabellen, aber keine des Stadtteil-Atlas. "
                        "Sie wurde nicht verändert; bitte eine leere Datenbank angeben."
                    ).format(url=_redact(url))
                )
            raise CorruptDatabaseError(
                _(
                    "Die Datei {path} ist eine SQLite-Datenbank, aber keine des Stadtteil-Atlas. "
                    "Sie wurde nicht verändert."
                ).format(path=path)
            )
    backup: Path | None = None
    if before != head:
        try:
            if existed and path is not None and before is not None:
                backup = backup_sqlite(path, f"update-{before}")
            _upgrade(engine, url)
        except Exception as err:
            engine.dispose()
            if isinstance(err, DatabaseOpenError):
                raise
            if backup is None:
                message = _("Die Datenbank {path} konnte nicht eingerichtet werden ({reason}).")
            else:
                message = _(
                    "Die Datenbank {path} konnte nicht auf den neuen Stand gebracht werden ({reason}). "
                    "Alle Änderungen wurden zurückgenommen; die Sicherungskopie {backup} enthält "
                    "den Stand vor dem Versuch."
                )
            raise DatabaseOpenError(
                message.format(path=path or _redact(url), reason=err, backup=backup)
            ) from err
    _index_current(engine, path or _redact(url))
    prune_copies(path)  # after the copies of this opening: the newest stay
    return OpenResult(engine, url, before, head, backup or recovered)


def _index_current(engine: Engine, where: Path | str) -> None:
    """Rebuild the search index if an older program (another folding) wrote it."""
    from atlas.records import search

    try:
        with engine.begin() as conn:
            search.ensure_current(conn)
    except DBAPIError as err:
        engine.dispose()
        raise DatabaseOpenError(
            _("Der Suchindex von {path} konnte nicht erneuert werden ({reason}).").format(
                path=where, reason=err
            )
        ) from err


def _upgrade(engine: Engine, url: str) -> None:
    """Run the migrations to head in one transaction.

    On SQLite the migration runs on its own connection with foreign keys off (as
    Alembic's batch mode needs: rebuilding a parent table would otherwise cascade
    deletes into its children) and with SQLite's own transaction control, so that
    DDL is rolled back too if a step fails. The foreign keys are checked before
    the commit.
    """
    from alembic import command

    cfg = alembic_config()
    if engine.dialect.name != "sqlite":
        # A server runs DDL in the transaction too. Two programs opening the same new
        # database at once: the second waits for the first's migration (an advisory lock)
        # and then finds nothing left to do.
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return
    migration_engine = make_engine(url, poolclass=NullPool)

    @event.listens_for(migration_engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # pysqlite would not BEGIN before DDL
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(migration_engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with migration_engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(
                    _("{n} Verweise zeigen ins Leere (z. B. in Tabelle {table}).").format(
                        n=len(broken), table=broken[0][0]
                    )
                )
    finally:
        migration_engine.dispose()


def open_for_reading(path_or_url: str | Path) -> Engine:
    """An engine that only reads a database (the source of ``db.transfer``): the same
    checks as :func:`open_database`, but nothing is created, recovered, migrated or
    re-indexed, so the database is never written. A file is opened read-only
    (``mode=ro``). Only a database at this program's schema is read: a newer one is
    refused (``NewerDatabaseError``), an older one must be opened once by the program
    (which updates it, with a copy) first."""
    if "://" not in str(path_or_url):
        check_given_path(Path(str(path_or_url)).expanduser())
    url = to_url(path_or_url)
    path = sqlite_path(url)
    where = str(path) if path is not None else _redact(url)
    if path is not None:
        if not path.is_file() or path.stat().st_size == 0:
            raise MissingFolderError(
                _("Die Datenbank {path} gibt es nicht oder sie ist leer.").format(path=path)
            )
        with path.open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                raise CorruptDatabaseError(
                    _(
                        "Die Datei {path} ist keine Stadtteil-Atlas-Datenbank oder ist beschädigt. "
                        "Sie wurde nicht verändert."
                    ).format(path=path)
                )
        if needs_recovery(path):
            raise DatabaseOpenError(
                _(
                    "Die Datenbank {path} wurde beim letzten Mal nicht sauber geschlossen. Bitte sie "
                    "einmal mit dem Stadtteil-Atlas öffnen (er stellt den letzten gespeicherten Stand "
                    "her) und dann noch einmal versuchen. Sie wurde nicht verändert."
                ).format(path=path)
            )
        sqlite_checks(path, full=True)
        uri = ro_uri(path)

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(uri, uri=True, timeout=db_engine.BUSY_TIMEOUT_MS / 1000)
            conn.execute("PRAGMA foreign_keys=ON")
            return conn

        engine = make_engine("sqlite://", creator=connect, poolclass=NullPool)
    else:
        engine = _connect(url)
    try:
        revision = current_revision(engine)
        if revision is None:
            raise CorruptDatabaseError(
                _("{path} ist keine Datenbank des Stadtteil-Atlas (kein Schema-Stand).").format(path=where)
            )
        if revision not in known_revisions():
            raise NewerDatabaseError(
                _(
                    "Die Datenbank {path} wurde mit einer neueren Version des Stadtteil-Atlas "
                    "eingerichtet (Stand {rev}). Bitte das Programm aktualisieren; die Datenbank "
                    "wurde nicht verändert."
                ).format(path=where, rev=revision)
            )
        if revision != head_revision():
            raise DatabaseOpenError(
                _(
                    "Die Datenbank {path} hat einen älteren Stand ({rev}). Bitte sie einmal mit "
                    "diesem Programm öffnen (es bringt sie auf den neuen Stand und legt vorher eine "
                    "Kopie an) und dann noch einmal versuchen. Sie wurde nicht verändert."
                ).format(path=where, rev=revision)
            )
    except BaseException:
        engine.dispose()
        raise
    return engine
