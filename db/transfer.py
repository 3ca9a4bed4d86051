"""Move a whole database: SQLite → PostgreSQL (an office becomes a team) and PostgreSQL →
SQLite (a laptop copy) — ``stadtteil-atlas transfer QUELLE ZIEL``.

The source is opened for reading only (:func:`db.migrate.open_for_reading`: checked, at
this program's schema, never written; one snapshot: a read transaction on SQLite,
``REPEATABLE READ READ ONLY`` on PostgreSQL). The target is opened as always
(:func:`db.migrate.open_database`: created and migrated) and then filled in **one
transaction**: its tables are emptied (a target holding records is refused unless
``replace``), every table of ``atlas.models`` is copied in foreign-key order with its ids
(``yield_per`` batches, so memory stays bounded), the id counters are moved to where the
source's stood (PostgreSQL sequences, SQLite's ``sqlite_sequence``: an id handed out once
is never handed out again), every table's rows are counted and checksummed on both sides,
and the search index is built anew. A mismatch or any error rolls everything back (a
target file made for the transfer is removed again) and says which table.

Copied as is, personal data included (it is the same organisation's database): the
erasure register travels with it, so ``reapply_register`` keeps erased people erased.
``alembic_version`` stays the target's own (both are at head).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from atlas import models as m
from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.records import search
from db.engine import sqlite_path, to_url
from db.migrate import MIGRATIONS, open_database, open_for_reading

#: Rows read and written at a time (one ``executemany``).
BATCH = 1000

Progress = Callable[[str], None]


class TransferError(AtlasError):
    """The transfer was refused or failed; the target is as it was before."""


def _labels() -> dict[str, str]:
    """Each table's German name (plural) for progress and the summary (the entities' as
    in ``atlas.records.schema``, which ``db/`` does not import)."""
    return {
        "institution": _("Einrichtungen"),
        "offer": _("Angebote"),
        "contact": _("Kontakte"),
        "actor": _("Akteure"),
        "round_table": _("Runde Tische"),
        "meeting": _("Treffen"),
        "agreement": _("Vereinbarungen"),
        "quarter": _("Quartiere"),
        "term": _("Begriffe"),
        "attendance": _("Teilnahmen"),
        "round_table_member": _("Mitgliedschaften"),
        "offer_target_group": _("Zielgruppen von Angeboten"),
        "agreement_party": _("Partner von Vereinbarungen"),
        "actor_status_event": _("Statuswechsel"),
        "actor_override": _("Status-Festlegungen"),
        "follow_up": _("Aufgaben"),
        "erasure_register": _("Einträge im Löschregister"),
        "app_setting": _("Einstellungen"),
        "geocode_cache": _("gespeicherte Geocoder-Antworten"),
        "travel_copy": _("Unterwegs-Kopien"),
        "travel_base": _("Stände von Unterwegs-Kopien"),
    }


#: The order of the summary line: what a coach counts first.
_SUMMARY = (
    "institution",
    "offer",
    "contact",
    "actor",
    "round_table",
    "meeting",
    "attendance",
    "agreement",
    "quarter",
)


def number(n: int) -> str:
    """10000 → "10.000"."""
    return f"{n:,}".replace(",", ".")


@dataclass(frozen=True)
class TableResult:
    name: str
    label: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class TransferResult:
    source: str
    target: str
    tables: tuple[TableResult, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def summary(self) -> str:
        by_name = {t.name: t for t in self.tables}
        parts = [f"{number(by_name[n].rows)} {by_name[n].label}" for n in _SUMMARY if n in by_name]
        return _("Übertragen: {parts} ({rows} Zeilen in {tables} Tabellen) – Prüfsummen stimmen.").format(
            parts=", ".join(parts), rows=number(self.rows), tables=len(self.tables)
        )


# --- checksums -------------------------------------------------------------------------


def _normal(value: object) -> object:
    """A value as both backends give it back: dates and times as ISO text, floats by
    ``repr``, booleans as 0/1, text and whole numbers as they are, None as None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value


def normal_row(row: Sequence[object]) -> list[object]:
    return [_normal(v) for v in row]


class _Checksum:
    """sha256 over a table's rows in primary-key order, each row normalised."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self._hash.update(json.dumps(normal_row(row), ensure_ascii=False).encode())
            self._hash.update(b"\n")
            self.rows += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _ordered(table: Table) -> Any:
    return select(table).order_by(*table.primary_key.columns)


def table_checksum(conn: Connection, table: Table) -> tuple[int, str]:
    """Rows and checksum of ``table`` as ``conn`` sees it (streamed in batches)."""
    checksum = _Checksum()
    for batch in conn.execute(_ordered(table), execution_options={"yield_per": BATCH}).partitions():
        checksum.add(batch)
    return checksum.rows, checksum.hexdigest()


# --- the target ------------------------------------------------------------------------


def _seeded_terms() -> set[tuple[str, str]]:
    """The terms a new database gets from migration 0001 (they are not records)."""
    script = next((MIGRATIONS / "versions").glob("*_0001_*.py"))
    spec = importlib.util.spec_from_file_location("atlas_migration_0001", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seeded = {("category", name) for name, _color in module.CATEGORIES}
    seeded |= {("target_group", name) for name in module.TARGET_GROUPS}
    seeded |= {("sector", name) for name in module.SECTORS}
    return seeded


def holding_records(conn: Connection) -> list[str]:
    """The German names of the target's tables that hold something a person made:
    anything but the terms and the search index version a new database starts with."""
    labels = _labels()
    found = []
    for table in m.Base.metadata.sorted_tables:
        query = select(func.count()).select_from(table)
        if table.name == "app_setting":
            query = query.where(table.c.key.not_in([search.INDEX_VERSION_KEY, m.DATABASE_KEY]))
        if table.name == "term":
            seeded = _seeded_terms()
            terms = conn.execute(select(table.c.vocabulary, table.c.name, table.c.version)).all()
            if any(version != 1 or (vocabulary, name) not in seeded for vocabulary, name, version in terms):
                found.append(labels[table.name])
            continue
        if conn.execute(query).scalar_one():
            found.append(labels[table.name])
    return found


def _id_tables() -> list[Table]:
    return [
        t
        for t in m.Base.metadata.sorted_tables
        if "id" in t.c and t.c.id.primary_key and t.c.id.autoincrement
    ]


def _counters(conn: Connection) -> dict[str, int]:
    """The highest id each table has handed out (deleted ones included)."""
    found: dict[str, int] = {}
    if conn.dialect.name == "sqlite":
        for name, seq in conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all():
            found[str(name)] = int(seq or 0)
        return found
    for table in _id_tables():
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        ).scalar_one()
        if sequence is None:
            continue
        last, called = conn.exec_driver_sql(f"SELECT last_value, is_called FROM {sequence}").one()
        found[table.name] = int(last) if called else int(last) - 1
    return found


def _set_counters(conn: Connection, counters: dict[str, int]) -> None:
    """Move the target's id counters to the source's (at least past every id copied)."""
    for table in _id_tables():
        top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        high = max(int(top), counters.get(table.name, 0))
        if conn.dialect.name == "sqlite":
            updated = conn.execute(
                text("UPDATE sqlite_sequence SET seq = :high WHERE name = :t"),
                {"high": high, "t": table.name},
            )
            if not updated.rowcount and high:
                conn.execute(
                    text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :high)"),
                    {"high": high, "t": table.name},
                )
        elif high:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :high, true)"),
                {"t": table.name, "high": high},
            )
        else:
            conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"), {"t": table.name})


def _begin_target(conn: Connection) -> None:
    """The write lock first: SQLite's whole file; on PostgreSQL no one writes to the
    tables until the transfer commits (others may still read)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    elif conn.dialect.name == "postgresql":
        names = ", ".join(t.name for t in m.Base.metadata.sorted_tables)
        conn.exec_driver_sql(f"LOCK TABLE {names} IN EXCLUSIVE MODE")


def _begin_source(conn: Connection) -> Connection:
    """One snapshot of the source for the whole copy."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")
        return conn
    conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    conn.exec_driver_sql("SELECT 1")
    return conn


def _copy_table(
    src: Connection, dst: Connection, table: Table, label: str, progress: Progress
) -> TableResult:
    total = src.execute(select(func.count()).select_from(table)).scalar_one()
    checksum = _Checksum()
    result = src.execute(_ordered(table), execution_options={"yield_per": BATCH})
    keys = list(result.keys())
    for batch in result.partitions():
        checksum.add(batch)
        dst.execute(table.insert(), [dict(zip(keys, row, strict=True)) for row in batch])
        if total > BATCH:
            progress(
                _("  {label}: {done} von {total}").format(
                    label=label, done=number(checksum.rows), total=number(total)
                )
            )
    progress(_("{label}: {rows} übertragen").format(label=label, rows=number(checksum.rows)))
    if checksum.rows != total:
        raise TransferError(
            _("{label}: {total} Zeilen gezählt, aber {rows} gelesen.").format(
                label=label, total=number(total), rows=number(checksum.rows)
            )
        )
    return TableResult(table.name, label, checksum.rows, checksum.hexdigest())


def _verify(dst: Connection, copied: Sequence[TableResult], progress: Progress) -> None:
    """Count and checksum every table on the target, in the transaction; refuse a mismatch."""
    tables = m.Base.metadata.tables
    for expected in copied:
        rows, checksum = table_checksum(dst, tables[expected.name])
        if rows != expected.rows:
            raise TransferError(
                _(
                    "Prüfung fehlgeschlagen: {label} – in der Quelle {source} Zeilen, im Ziel {target}. "
                    "Es wurde nichts übertragen."
                ).format(label=expected.label, source=number(expected.rows), target=number(rows))
            )
        if checksum != expected.checksum:
            raise TransferError(
                _(
                    "Prüfung fehlgeschlagen: {label} – die Prüfsumme im Ziel weicht von der Quelle ab "
                    "(ein Wert wurde anders gespeichert). Es wurde nichts übertragen."
                ).format(label=expected.label)
            )
    progress(_("Geprüft: Anzahl und Prüfsumme jeder Tabelle stimmen."))


def _rebuild_index(dst: Connection) -> None:
    """Build the search index of the copied records. ``search.rebuild`` marks the index
    current by saving its setting again; a setting copied as current is put back exactly
    (same version and time), so the copy stays row for row the source."""
    table = m.Base.metadata.tables["app_setting"]
    before = dst.execute(select(table).where(table.c.key == search.INDEX_VERSION_KEY)).one_or_none()
    search.rebuild(dst)
    if before is not None and before.value == search.INDEX_VERSION:
        dst.execute(
            table.update()
            .where(table.c.id == before.id)
            .values(version=before.version, updated_at=before.updated_at, created_at=before.created_at)
        )


# --- the whole move --------------------------------------------------------------------


def _same_place(source: str, target: str) -> bool:
    a, b = sqlite_path(source), sqlite_path(target)
    if a is not None and b is not None:
        return a.resolve() == b.resolve() or (b.exists() and a.exists() and a.samefile(b))
    return source == target


def _check_target_file(path: Path, replace: bool) -> bool:
    """A target file: made new (True), or an existing one replaced only when asked."""
    if path.exists() and path.is_file() and path.stat().st_size > 0:
        if not replace:
            raise TransferError(
                _(
                    "Die Zieldatei {path} gibt es schon. Sie wurde nicht verändert; bitte eine neue "
                    "Datei angeben oder mit --replace ihren Inhalt ersetzen."
                ).format(path=path)
            )
        return False
    return not path.exists() or path.stat().st_size == 0


def _remove_new_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        leftover.unlink(missing_ok=True)


def transfer(
    source: str | Path,
    target: str | Path,
    *,
    replace: bool = False,
    create: bool = False,
    progress: Progress | None = None,
) -> TransferResult:
    """Copy the whole database ``source`` into ``target`` (see the module's text).

    ``replace``: a target that holds records (or an existing target file) is emptied and
    filled; without it such a target is refused and left alone. ``create``: missing
    folders of a target file are made. ``progress`` gets German lines (tables, rows).
    Raises :class:`TransferError` or a :class:`~atlas.errors.DatabaseOpenError` subclass
    with a German message; then the target holds what it held before."""
    say: Progress = progress or (lambda _line: None)
    source_url, target_url = to_url(source), to_url(target)
    if _same_place(source_url, target_url):
        raise TransferError(_("Quelle und Ziel sind dieselbe Datenbank."))
    target_path = sqlite_path(target_url)
    new_file = _check_target_file(target_path, replace) if target_path is not None else False
    source_engine = open_for_reading(source)
    try:
        empty_file = target_path is not None and target_path.is_file()  # zero bytes: made for this
        opened = open_database(target, create=create or (new_file and empty_file))
        try:
            return _move(source_engine, opened.engine, source_url, opened.url, replace, say)
        except BaseException:
            opened.engine.dispose()  # the file is closed before it is removed
            if new_file and target_path is not None:
                _remove_new_file(target_path)
            raise
        finally:
            opened.engine.dispose()
    finally:
        source_engine.dispose()


def _move(
    source_engine: Engine,
    target_engine: Engine,
    source_url: str,
    target_url: str,
    replace: bool,
    say: Progress,
) -> TransferResult:
    labels = _labels()
    tables = m.Base.metadata.sorted_tables
    with source_engine.connect() as raw_src, target_engine.connect() as dst:
        src = _begin_source(raw_src)
        with dst.begin():
            _begin_target(dst)
            holding = holding_records(dst)
            if holding and not replace:
                raise TransferError(
                    _(
                        "Das Ziel enthält schon Daten ({tables}). Es wurde nicht verändert; bitte ein "
                        "leeres Ziel angeben oder mit --replace seinen Inhalt ersetzen."
                    ).format(tables=", ".join(holding))
                )
            for table in reversed(tables):
                dst.execute(table.delete())
            copied = []
            for table in tables:
                label = labels[table.name]
                try:
                    copied.append(_copy_table(src, dst, table, label, say))
                except SQLAlchemyError as err:
                    raise TransferError(
                        _(
                            "{label} konnten nicht übertragen werden ({reason}). Es wurde nichts "
                            "übertragen; das Ziel ist wie vorher."
                        ).format(label=label, reason=_reason(err))
                    ) from err
            _set_counters(dst, _counters(src))
            _verify(dst, copied, say)
            say(_("Suchindex wird aufgebaut …"))
            _rebuild_index(dst)
        src.rollback()
    return TransferResult(source_url, target_url, tuple(copied))


def _reason(err: SQLAlchemyError) -> str:
    """The database's own first line, without SQLAlchemy's statement and parameters."""
    if isinstance(err, DBAPIError) and err.orig is not None:
        return str(err.orig).strip().splitlines()[0]
    return str(err).splitlines()[0]
