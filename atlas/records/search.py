"""The search index: one folded text per record, matched as substrings.

Every kind of record has its own index table ``search_<kind>(ref_id, body)``, so a
search in one list never looks at the rows of another. On SQLite these are FTS5
tables with the ``trigram`` tokenizer, which answer ``LIKE '%term%'`` from their
index instead of scanning every row (see docs/ARCHITECTURE.md); the rowid of each
row is the record's id, so a record's row is found without a scan. On other
databases they are plain tables queried with the same ``LIKE``.

Rows are kept current by an ``after_flush`` hook, so every write path (forms,
import, demo builder) updates the index in the same transaction. A renamed or
deleted quarter or taxonomy term reindexes only the records whose text shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, column, event, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import get_history

from atlas import models as m
from atlas.records.query import index_can_answer, words
from atlas.text import FOLD_VERSION, fold_for_index, like_pattern, phone_digits

KINDS: dict[type[m.Record], str] = {
    m.Institution: "institution",
    m.Offer: "offer",
    m.Contact: "contact",
    m.Actor: "actor",
    m.RoundTable: "round_table",
    m.Meeting: "meeting",
    m.Agreement: "agreement",
    m.Quarter: "quarter",
}
MODELS: dict[str, type[m.Record]] = {v: k for k, v in KINDS.items()}
# The index table of each kind.
TABLES: dict[str, str] = {kind: f"search_{kind}" for kind in MODELS}

_CHUNK = 500

#: What the index rows were written with: the folding (``atlas.text.FOLD_VERSION``) and
#: the texts of ``_BODIES`` (bump ``_BODIES_VERSION`` when they change). Stored in
#: ``app_setting``; :func:`ensure_current` rebuilds an index written by another version.
_BODIES_VERSION = 2
INDEX_VERSION = f"{FOLD_VERSION}.{_BODIES_VERSION}"
INDEX_VERSION_KEY = "search/index_version"


# What the index holds for each kind: SQL returning (id, text[, phone]), and its id
# column. A phone number's digits are added in Python (``text.phone_digits``).
_BODIES: dict[str, tuple[str, str]] = {
    "institution": (
        "SELECT i.id, coalesce(i.name,'')||' '||coalesce(i.carrier,'')||' '||coalesce(i.street,'')"
        "||' '||coalesce(i.postcode,'')||' '||coalesce(i.city,'')||' '||coalesce(q.name,'')"
        "||' '||coalesce(c.name,'')||' '||coalesce(s.name,'')||' '||coalesce(i.languages,'')"
        "||' '||coalesce(i.phone,''), i.phone"
        " FROM institution i LEFT JOIN quarter q ON q.id=i.quarter_id"
        " LEFT JOIN term c ON c.id=i.category_id LEFT JOIN term s ON s.id=i.sector_id",
        "i.id",
    ),
    "offer": (
        "SELECT o.id, coalesce(o.title,'')||' '||coalesce(o.description,'')||' '"
        "||coalesce(c.name,'')||' '||coalesce(i.name,'')||' '||coalesce(q.name,'')||' '"
        "||coalesce(o.place,'')||' '||coalesce(o.languages,'')||' '||coalesce(("
        "SELECT group_concat(t.name, ' ') FROM offer_target_group g JOIN term t ON t.id=g.term_id"
        " WHERE g.offer_id=o.id),'')"
        " FROM offer o JOIN institution i ON i.id=o.institution_id"
        " LEFT JOIN quarter q ON q.id=i.quarter_id LEFT JOIN term c ON c.id=o.category_id",
        "o.id",
    ),
    "contact": (
        "SELECT p.id, coalesce(p.first_name,'')||' '||coalesce(p.last_name,'')||' '"
        "||coalesce(p.function,'')||' '||coalesce(p.email,'')||' '||coalesce(i.name,'')"
        "||' '||coalesce(p.phone,''), p.phone"
        " FROM contact p LEFT JOIN institution i ON i.id=p.institution_id",
        "p.id",
    ),
    "actor": (
        "SELECT a.id, coalesce(a.name,'')||' '||coalesce(i.name,'')||' '||coalesce(s.name,'')"
        "||' '||coalesce(a.status,'')"
        " FROM actor a LEFT JOIN institution i ON i.id=a.institution_id"
        " LEFT JOIN term s ON s.id=a.sector_id",
        "a.id",
    ),
    "round_table": (
        "SELECT r.id, coalesce(r.name,'')||' '||coalesce(r.topic,'')||' '"
        "||coalesce(r.organiser,'')||' '||coalesce(q.name,'')"
        " FROM round_table r LEFT JOIN quarter q ON q.id=r.quarter_id",
        "r.id",
    ),
    "meeting": (
        "SELECT t.id, coalesce(t.title,'')||' '||coalesce(t.place,'')||' '||coalesce(r.name,'')"
        " FROM meeting t LEFT JOIN round_table r ON r.id=t.round_table_id",
        "t.id",
    ),
    "agreement": (
        "SELECT g.id, coalesce(g.title,'')||' '||coalesce(g.projects,'')||' '||coalesce(("
        "SELECT group_concat(a.name, ' ') FROM agreement_party p JOIN actor a ON a.id=p.actor_id"
        " WHERE p.agreement_id=g.id),'') FROM agreement g",
        "g.id",
    ),
    "quarter": ("SELECT q.id, q.name FROM quarter q", "q.id"),
}


def _bodies_sql(kind: str, dialect: str = "sqlite", *, every_row: bool = False) -> str:
    """SQL returning (id, text) for the records of ``kind`` whose id is in :ids
    (or, with ``every_row``, for all of them). PostgreSQL's ``group_concat`` is
    ``string_agg`` (same arguments)."""
    sql, id_col = _BODIES[kind]
    if dialect != "sqlite":
        sql = sql.replace("group_concat(", "string_agg(")
    return sql if every_row else f"{sql} WHERE {id_col} IN :ids"


# The records whose index text shows a term's or a quarter's name (see _BODIES):
# the kind, and the SQL finding them from the term or quarter ids.
_MENTIONS: dict[type[m.Term | m.Quarter], tuple[tuple[str, str], ...]] = {
    m.Term: (
        ("institution", "SELECT id FROM institution WHERE category_id IN :ids OR sector_id IN :ids"),
        (
            "offer",
            "SELECT id FROM offer WHERE category_id IN :ids"
            " UNION SELECT offer_id FROM offer_target_group WHERE term_id IN :ids",
        ),
        ("actor", "SELECT id FROM actor WHERE sector_id IN :ids"),
    ),
    m.Quarter: (
        ("institution", "SELECT id FROM institution WHERE quarter_id IN :ids"),
        (
            "offer",
            "SELECT o.id FROM offer o JOIN institution i ON i.id=o.institution_id WHERE i.quarter_id IN :ids",
        ),
        ("round_table", "SELECT id FROM round_table WHERE quarter_id IN :ids"),
    ),
}


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def create_index_sql(dialect: str) -> list[str]:
    """DDL of the index tables (migration 0001 holds a frozen copy; ``rebuild`` uses it).

    On PostgreSQL: plain tables holding the same folded text as SQLite's FTS5 tables,
    and a GIN trigram index (``pg_trgm``'s ``gin_trgm_ops``) on it that answers the same
    ``LIKE '%word%'`` (:func:`trigram_index_sql`; ``rebuild`` creates it after filling)."""
    if dialect == "sqlite":
        return [
            f"CREATE VIRTUAL TABLE {table} USING fts5(ref_id UNINDEXED, body, tokenize='trigram')"
            for table in TABLES.values()
        ]
    return [
        f"CREATE TABLE {table} (ref_id INTEGER NOT NULL PRIMARY KEY, body TEXT NOT NULL)"
        for table in TABLES.values()
    ] + trigram_index_sql()


def trigram_index_sql() -> list[str]:
    """PostgreSQL: the GIN trigram index of each index table (needs the ``pg_trgm``
    extension, which migration 0001 creates)."""
    return [
        f"CREATE INDEX IF NOT EXISTS {table}_body_trgm ON {table} USING gin (body gin_trgm_ops)"
        for table in TABLES.values()
    ]


def _key(conn: Connection) -> str:
    # On SQLite the FTS5 rowid is the record id: found through the rowid b-tree,
    # while an UNINDEXED column can only be found by reading every row.
    return "rowid" if _is_sqlite(conn) else "ref_id"


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _insert(conn: Connection, kind: str, rows: Sequence[Sequence[Any]]) -> None:
    if not rows:
        return
    key = "rowid, " if _is_sqlite(conn) else ""
    value = ":ref_id, " if _is_sqlite(conn) else ""
    conn.execute(
        text(f"INSERT INTO {TABLES[kind]} ({key}ref_id, body) VALUES ({value}:ref_id, :body)"),
        [{"ref_id": row[0], "body": _body(row)} for row in rows],
    )


def _body(row: Sequence[Any]) -> str:
    """The indexed text of one row of ``_BODIES``: folded, plus the phone's digits."""
    body = fold_for_index(row[1] or "")
    digits = phone_digits(row[2]) if len(row) > 2 else ""
    return f"{body} {digits}" if digits else body


def reindex(conn: Connection, kind: str, ids: Iterable[int]) -> None:
    """Recompute the index rows of these records (missing records are dropped)."""
    id_list = sorted(set(ids))
    if not id_list:
        return
    drop(conn, kind, id_list)
    select_bodies = text(_bodies_sql(kind, conn.dialect.name)).bindparams(bindparam("ids", expanding=True))
    for chunk in _chunks(id_list):
        _insert(conn, kind, conn.execute(select_bodies, {"ids": list(chunk)}).all())


def rebuild(conn: Connection) -> None:
    """Recompute the whole index (on request, after a bulk import, or as a repair)."""
    if _is_sqlite(conn):
        # Emptying an FTS5 table row by row costs as much as filling it; a new table is
        # almost free. pysqlite opens its transaction only before INSERT, UPDATE or
        # DELETE, so without this BEGIN the DROP would be committed on its own.
        if getattr(conn.connection.driver_connection, "in_transaction", True) is False:
            conn.exec_driver_sql("BEGIN")
        for table in TABLES.values():
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        for ddl in create_index_sql("sqlite"):
            conn.exec_driver_sql(ddl)
    else:
        # PostgreSQL: the same tables emptied (one statement, in the transaction); the
        # trigram indexes are dropped first and built again after filling (faster than
        # keeping them current row by row), and created here if an older program made
        # the tables without them.
        for table in TABLES.values():
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {table}_body_trgm")
            conn.exec_driver_sql(f"TRUNCATE {table}")
    for kind in MODELS:
        rows = conn.execute(text(_bodies_sql(kind, conn.dialect.name, every_row=True))).all()
        for start in range(0, len(rows), 5000):
            _insert(conn, kind, rows[start : start + 5000])
    if not _is_sqlite(conn):
        for ddl in trigram_index_sql():
            conn.exec_driver_sql(ddl)
    mark_current(conn)


def stored_version(conn: Connection) -> str | None:
    """The index version recorded in the database (None: written before versions)."""
    table = m.Base.metadata.tables["app_setting"]
    return conn.execute(select(table.c.value).where(table.c.key == INDEX_VERSION_KEY)).scalar_one_or_none()


def mark_current(conn: Connection) -> None:
    """Record that the index was written by this program's folding and texts."""
    table = m.Base.metadata.tables["app_setting"]
    found = conn.execute(select(table.c.id).where(table.c.key == INDEX_VERSION_KEY)).scalar_one_or_none()
    if found is None:
        conn.execute(table.insert().values(key=INDEX_VERSION_KEY, value=INDEX_VERSION))
    else:
        conn.execute(
            table.update()
            .where(table.c.id == found)
            .values(value=INDEX_VERSION, version=table.c.version + 1)  # updated_at: the column's onupdate
        )


def ensure_current(conn: Connection) -> bool:
    """Rebuild the index if it was written with another folding or other texts (an
    older program, or one from before versions were recorded); True if it did. Run
    when a database is opened (``db.migrate.open_database``), in the caller's
    transaction."""
    if stored_version(conn) == INDEX_VERSION:
        return False
    rebuild(conn)
    return True


def optimize(conn: Connection) -> None:
    """Merge each FTS5 index into one segment (after a bulk build); nothing elsewhere."""
    if _is_sqlite(conn):
        for table in TABLES.values():
            conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES('optimize')")


def drop(conn: Connection, kind: str, ids: Iterable[int]) -> None:
    """Remove the index rows of these records."""
    id_list = sorted(set(ids))
    stmt = text(f"DELETE FROM {TABLES[kind]} WHERE {_key(conn)} IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    for chunk in _chunks(id_list):
        conn.execute(stmt, {"ids": list(chunk)})


# Index texts that show another record's name: the kind whose text changes, and the
# SQL finding those records from the ids of the record that changed.
_DEPENDANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "institution": (
        ("offer", "SELECT id FROM offer WHERE institution_id IN :ids"),
        ("contact", "SELECT id FROM contact WHERE institution_id IN :ids"),
        ("actor", "SELECT id FROM actor WHERE institution_id IN :ids"),
    ),
    "round_table": (("meeting", "SELECT id FROM meeting WHERE round_table_id IN :ids"),),
    "actor": (("agreement", "SELECT agreement_id FROM agreement_party WHERE actor_id IN :ids"),),
}


#: The fields of a record that the index texts of its dependants (``_DEPENDANTS``) show:
#: a change to any other field leaves their texts as they are (tests/test_search.py
#: changes every other column and compares the texts).
SHOWN_ELSEWHERE: dict[str, frozenset[str]] = {
    "institution": frozenset({"name", "quarter_id"}),
    "round_table": frozenset({"name"}),
    "actor": frozenset({"name"}),
}


def _find(conn: Connection, queries: Iterable[tuple[str, str]], ids: Iterable[int]) -> dict[str, set[int]]:
    """Run each (kind, SQL with :ids) over ``ids`` in chunks: the ids found, by kind."""
    id_list = sorted(set(ids))
    found: dict[str, set[int]] = {}
    for kind, sql in queries:
        stmt = text(sql).bindparams(bindparam("ids", expanding=True))
        for chunk in _chunks(id_list):
            hits = set(conn.execute(stmt, {"ids": list(chunk)}).scalars())
            if hits:
                found.setdefault(kind, set()).update(hits)
    return found


def _with_dependants(conn: Connection, stale: Mapping[str, Iterable[int]]) -> dict[str, set[int]]:
    todo: dict[str, set[int]] = {kind: set(ids) for kind, ids in stale.items()}
    for kind, queries in _DEPENDANTS.items():
        if todo.get(kind):
            for dep_kind, dep_ids in _find(conn, queries, todo[kind]).items():
                todo.setdefault(dep_kind, set()).update(dep_ids)
    return todo


def reindex_with_dependants(conn: Connection, stale: Mapping[str, Iterable[int]]) -> None:
    """Reindex these records and the records whose index text shows their names."""
    for kind, ids in _with_dependants(conn, stale).items():
        reindex(conn, kind, ids)


def mentioning(conn: Connection, model: type[m.Term | m.Quarter], ids: Iterable[int]) -> dict[str, set[int]]:
    """The records whose index text shows the name of these terms or quarters, by kind."""
    return _find(conn, _MENTIONS[model], ids)


#: The kinds of record whose names or data a kind's index text shows (``_BODIES``): a
#: change to one of them may change that kind's texts.
SHOWN_IN: dict[str, frozenset[str]] = {
    "institution": frozenset({"institution", "quarter", "term"}),
    "offer": frozenset({"offer", "institution", "quarter", "term"}),
    "contact": frozenset({"contact", "institution"}),
    "actor": frozenset({"actor", "institution", "term"}),
    "round_table": frozenset({"round_table", "quarter"}),
    "meeting": frozenset({"meeting", "round_table"}),
    "agreement": frozenset({"agreement", "actor"}),
    "quarter": frozenset({"quarter"}),
}


def bodies(conn: Connection, kind: str) -> dict[int, str]:
    """The index text of every record of ``kind``, by record id."""
    return {int(ref): body for ref, body in conn.execute(text(f"SELECT ref_id, body FROM {TABLES[kind]}"))}


def matching(kind: str, query: str) -> Select[Any] | None:
    """A sub-select of the ids of ``kind`` matching ``query``, or None for 'everything'."""
    split = words(query)
    if not split:
        return None
    # SQLite hands only two-argument LIKE to FTS5: with an ESCAPE clause the trigram
    # index is not used and every keystroke scans the whole table. So ESCAPE is only
    # added for the rare word that contains %, _ or \ (same matches either way) --
    # and for words shorter than a trigram, which the index cannot answer anyway:
    # SQLite 3.40 (shipped with Python 3.11) crashes on a short LIKE handed to FTS5
    # before a longer one ("ab cde").
    table = TABLES[kind]
    clauses: list[str] = []
    either: list[str] = []  # a word with two spellings: its own select, intersected
    params: dict[str, str] = {}
    for i, (word, alt) in enumerate(split):
        params[f"w{i}"] = like_pattern(word)
        if alt is not None and index_can_answer(word) and index_can_answer(alt):
            params[f"v{i}"] = like_pattern(alt)
            either.append(
                f"SELECT ref_id FROM (SELECT ref_id FROM {table} WHERE body LIKE :w{i}"
                f" UNION SELECT ref_id FROM {table} WHERE body LIKE :v{i}) AS either{i}"
            )
        elif index_can_answer(word):
            clauses.append(f"body LIKE :w{i}")
        else:
            clauses.append(f"body LIKE :w{i} ESCAPE '\\'")
    selects = ([f"SELECT ref_id FROM {table} WHERE {' AND '.join(clauses)}"] if clauses else []) + either
    stmt = text(" INTERSECT ".join(selects)).bindparams(**params)
    found = stmt.columns(column("ref_id", Integer)).subquery()
    return select(found.c.ref_id)


# session.info key: records a flush will make stale through a renamed or deleted
# term or quarter, found before the flush (a delete unlinks them).
_MENTIONED = "atlas.records.search.mentioned"


def _name_changed(obj: m.Term | m.Quarter) -> bool:
    return get_history(obj, "name").has_changes()


def _changed_records(session: Session, objs: Sequence[object]) -> dict[str, set[int]]:
    """Which records a flush wrote: their own index rows are stale."""
    stale: dict[str, set[int]] = {}
    for obj in objs:
        kind = KINDS.get(type(obj)) if isinstance(obj, m.Record) else None
        if kind is not None and isinstance(obj, m.Record) and obj.id is not None:
            stale.setdefault(kind, set()).add(obj.id)
        if isinstance(obj, m.AgreementParty):
            stale.setdefault("agreement", set()).add(obj.agreement_id)
    return stale


def install(sessions: sessionmaker[Session]) -> None:
    """Keep the index current for every session made by ``sessions``."""

    @event.listens_for(sessions, "before_flush")
    def _before_flush(session: Session, _ctx: object, _instances: object) -> None:
        named: dict[type[m.Term | m.Quarter], set[int]] = {}
        for obj in list(session.dirty) + list(session.deleted):
            if (
                isinstance(obj, (m.Term, m.Quarter))
                and obj.id is not None
                and (obj in session.deleted or _name_changed(obj))
            ):
                named.setdefault(type(obj), set()).add(obj.id)
        if not named:
            return
        conn = session.connection()
        pending: dict[str, set[int]] = session.info.setdefault(_MENTIONED, {})
        for model, ids in named.items():
            for kind, found in mentioning(conn, model, ids).items():
                pending.setdefault(kind, set()).update(found)

    @event.listens_for(sessions, "after_flush")
    def _after_flush(session: Session, _ctx: object) -> None:
        conn = session.connection()
        todo = _with_dependants(conn, _changed_records(session, list(session.new) + list(session.dirty)))
        # A new name of a term or quarter changes only the texts that show it, not
        # the names those records show elsewhere: no dependants needed.
        for kind, ids in session.info.pop(_MENTIONED, {}).items():
            todo.setdefault(kind, set()).update(ids)
        for kind, ids in todo.items():
            reindex(conn, kind, ids)
        for obj in session.deleted:
            if isinstance(obj, m.Record) and type(obj) in KINDS:
                drop(conn, KINDS[type(obj)], [obj.id])

    @event.listens_for(sessions, "after_soft_rollback")
    def _after_rollback(session: Session, _previous: object) -> None:
        session.info.pop(_MENTIONED, None)
