"""The search index: one folded text per record, matched as substrings.

On SQLite the index is an FTS5 table with the ``trigram`` tokenizer, which
answers ``LIKE '%term%'`` from its index instead of scanning every row (see
docs/ARCHITECTURE.md). On other databases it is a plain table queried with the
same ``LIKE``. Rows are kept current by an ``after_flush`` hook, so every write
path (forms, import, demo builder) updates the index in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, column, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.text import fold, fold_for_index, like_pattern

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


def _join(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p)


def _bodies_sql(kind: str) -> str:
    """SQL returning (id, text) for the records of ``kind`` whose id is in :ids."""
    inst_text = (
        "SELECT i.id, coalesce(i.name,'')||' '||coalesce(i.carrier,'')||' '||coalesce(i.street,'')"
        "||' '||coalesce(i.postcode,'')||' '||coalesce(i.city,'')||' '||coalesce(q.name,'')"
        "||' '||coalesce(c.name,'')||' '||coalesce(s.name,'')||' '||coalesce(i.languages,'')"
        " FROM institution i LEFT JOIN quarter q ON q.id=i.quarter_id"
        " LEFT JOIN term c ON c.id=i.category_id LEFT JOIN term s ON s.id=i.sector_id"
        " WHERE i.id IN :ids"
    )
    offer_text = (
        "SELECT o.id, coalesce(o.title,'')||' '||coalesce(o.description,'')||' '"
        "||coalesce(c.name,'')||' '||coalesce(i.name,'')||' '||coalesce(q.name,'')||' '"
        "||coalesce(o.place,'')||' '||coalesce(o.languages,'')||' '||coalesce(("
        "SELECT group_concat(t.name, ' ') FROM offer_target_group g JOIN term t ON t.id=g.term_id"
        " WHERE g.offer_id=o.id),'')"
        " FROM offer o JOIN institution i ON i.id=o.institution_id"
        " LEFT JOIN quarter q ON q.id=i.quarter_id LEFT JOIN term c ON c.id=o.category_id"
        " WHERE o.id IN :ids"
    )
    contact_text = (
        "SELECT p.id, coalesce(p.first_name,'')||' '||coalesce(p.last_name,'')||' '"
        "||coalesce(p.function,'')||' '||coalesce(p.email,'')||' '||coalesce(i.name,'')"
        " FROM contact p LEFT JOIN institution i ON i.id=p.institution_id WHERE p.id IN :ids"
    )
    actor_text = (
        "SELECT a.id, coalesce(a.name,'')||' '||coalesce(i.name,'')||' '||coalesce(s.name,'')"
        "||' '||coalesce(a.status,'')"
        " FROM actor a LEFT JOIN institution i ON i.id=a.institution_id"
        " LEFT JOIN term s ON s.id=a.sector_id WHERE a.id IN :ids"
    )
    round_table_text = (
        "SELECT r.id, coalesce(r.name,'')||' '||coalesce(r.topic,'')||' '"
        "||coalesce(r.organiser,'')||' '||coalesce(q.name,'')"
        " FROM round_table r LEFT JOIN quarter q ON q.id=r.quarter_id WHERE r.id IN :ids"
    )
    meeting_text = (
        "SELECT t.id, coalesce(t.title,'')||' '||coalesce(t.place,'')||' '||coalesce(r.name,'')"
        " FROM meeting t LEFT JOIN round_table r ON r.id=t.round_table_id WHERE t.id IN :ids"
    )
    agreement_text = (
        "SELECT g.id, coalesce(g.title,'')||' '||coalesce(g.projects,'')||' '||coalesce(("
        "SELECT group_concat(a.name, ' ') FROM agreement_party p JOIN actor a ON a.id=p.actor_id"
        " WHERE p.agreement_id=g.id),'') FROM agreement g WHERE g.id IN :ids"
    )
    quarter_text = "SELECT q.id, q.name FROM quarter q WHERE q.id IN :ids"
    return {
        "institution": inst_text,
        "offer": offer_text,
        "contact": contact_text,
        "actor": actor_text,
        "round_table": round_table_text,
        "meeting": meeting_text,
        "agreement": agreement_text,
        "quarter": quarter_text,
    }[kind]


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def create_index_sql(dialect: str) -> list[str]:
    """DDL for the index table; used by the migration."""
    if dialect == "sqlite":
        return [
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "kind UNINDEXED, ref_id UNINDEXED, body, tokenize='trigram')"
        ]
    return [
        "CREATE TABLE search_index (kind VARCHAR(20) NOT NULL, ref_id INTEGER NOT NULL,"
        " body TEXT NOT NULL, PRIMARY KEY (kind, ref_id))",
    ]


def reindex(conn: Connection, kind: str, ids: Iterable[int]) -> None:
    """Recompute the index rows of these records (missing records are dropped)."""
    id_list = sorted(set(ids))
    if not id_list:
        return
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        conn.execute(
            text("DELETE FROM search_index WHERE kind = :kind AND ref_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"kind": kind, "ids": chunk},
        )
        rows = conn.execute(
            text(_bodies_sql(kind)).bindparams(bindparam("ids", expanding=True)), {"ids": chunk}
        ).all()
        if rows:
            conn.execute(
                text("INSERT INTO search_index (kind, ref_id, body) VALUES (:kind, :ref_id, :body)"),
                [{"kind": kind, "ref_id": rid, "body": fold_for_index(body or "")} for rid, body in rows],
            )


def rebuild(conn: Connection) -> None:
    """Recompute the whole index (after a taxonomy or quarter rename, or on request)."""
    conn.execute(text("DELETE FROM search_index"))
    for kind, model in MODELS.items():
        ids = conn.execute(select(model.id)).scalars().all()
        reindex(conn, kind, ids)


def drop(conn: Connection, kind: str, ids: Iterable[int]) -> None:
    id_list = list(ids)
    if id_list:
        conn.execute(
            text("DELETE FROM search_index WHERE kind = :kind AND ref_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"kind": kind, "ids": id_list},
        )


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


def reindex_with_dependants(conn: Connection, stale: Mapping[str, Iterable[int]]) -> None:
    """Reindex these records and the records whose index text shows their names."""
    todo: dict[str, set[int]] = {kind: set(ids) for kind, ids in stale.items()}
    for kind, queries in _DEPENDANTS.items():
        ids = sorted(todo.get(kind, ()))
        if not ids:
            continue
        for dep_kind, sql in queries:
            stmt = text(sql).bindparams(bindparam("ids", expanding=True))
            for start in range(0, len(ids), 500):
                found = conn.execute(stmt, {"ids": ids[start : start + 500]}).scalars().all()
                todo.setdefault(dep_kind, set()).update(found)
    for kind, stale_ids in todo.items():
        reindex(conn, kind, stale_ids)


def terms(query: str) -> list[str]:
    """The folded words of a query; every word must occur (AND)."""
    return [w for w in fold(query).split() if w]


def _index_can_answer(word: str) -> bool:
    """Whether ``word`` may go to the trigram index as a plain two-argument LIKE."""
    return len(word) >= 3 and not any(c in word for c in "%_\\")


def matching(kind: str, query: str) -> Select[Any] | None:
    """A sub-select of the ids of ``kind`` matching ``query``, or None for 'everything'."""
    words = terms(query)
    if not words:
        return None
    # SQLite hands only two-argument LIKE to FTS5: with an ESCAPE clause the trigram
    # index is not used and every keystroke scans the whole table. So ESCAPE is only
    # added for the rare word that contains %, _ or \ (same matches either way) --
    # and for words shorter than a trigram, which the index cannot answer anyway:
    # SQLite 3.40 (shipped with Python 3.11) crashes on a short LIKE handed to FTS5
    # before a longer one ("ab cde").
    clauses = " AND ".join(
        f"body LIKE :w{i}" if _index_can_answer(w) else f"body LIKE :w{i} ESCAPE '\\'"
        for i, w in enumerate(words)
    )
    stmt = text(f"SELECT ref_id FROM search_index WHERE kind = :kind AND {clauses}").bindparams(
        kind=kind, **{f"w{i}": like_pattern(w) for i, w in enumerate(words)}
    )
    found = stmt.columns(column("ref_id", Integer)).subquery()
    return select(found.c.ref_id)


def _related(session: Session, objs: Sequence[object]) -> dict[str, set[int]]:
    """Which index rows a flush made stale."""
    stale: dict[str, set[int]] = {}
    full = False
    for obj in objs:
        if isinstance(obj, (m.Term, m.Quarter)) and obj not in session.new:
            full = True
        kind = KINDS.get(type(obj)) if isinstance(obj, m.Record) else None
        if kind is not None and isinstance(obj, m.Record) and obj.id is not None:
            stale.setdefault(kind, set()).add(obj.id)
        if isinstance(obj, m.AgreementParty):
            stale.setdefault("agreement", set()).add(obj.agreement_id)
    if full:
        stale["*"] = set()
    return stale


def install(sessions: sessionmaker[Session]) -> None:
    """Keep the index current for every session made by ``sessions``."""

    @event.listens_for(sessions, "after_flush")
    def _after_flush(session: Session, _ctx: object) -> None:
        changed = list(session.new) + list(session.dirty)
        stale = _related(session, changed)
        if any(isinstance(o, (m.Term, m.Quarter)) for o in session.deleted):
            stale["*"] = set()
        conn = session.connection()
        if "*" in stale:
            rebuild(conn)
            return
        reindex_with_dependants(conn, stale)
        for obj in session.deleted:
            if isinstance(obj, m.Record) and type(obj) in KINDS:
                drop(conn, KINDS[type(obj)], [obj.id])
