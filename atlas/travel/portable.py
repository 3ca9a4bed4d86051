"""Rows in portable form: what a record is, independent of the database it sits in.

A travelling record (``atlas.models.Travelling``) is keyed by its UUID; a link row
(attendance, membership, target group, agreement side) by the UUIDs of its sides. Its
fields are its columns without the bookkeeping (``id``, ``uuid``, stamps, ``version``),
with every reference written as the UUID of the row it points to and every value as
plain JSON (dates and times as ISO text). The same row in the office database and in a
copy has the same portable form, whatever integer ids the two databases gave it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, func, literal, select
from sqlalchemy.engine import Connection

from atlas import models as m

Key = tuple[str | None, ...]
Row = dict[str, Any]

#: Bookkeeping columns: not part of what a record says.
_META = frozenset({"id", "uuid", "created_at", "updated_at", "version"})
#: Columns the program derives from others (kept equal by the merge itself).
_DERIVED = {"attendance": frozenset({"meeting_at"})}
#: Link tables and the columns that name a row (their primary key or unique constraint).
_LINK_KEYS = {
    "offer_target_group": ("offer_id", "term_id"),
    "round_table_member": ("round_table_id", "actor_id"),
    "attendance": ("meeting_id", "actor_id", "contact_id"),
    "agreement_party": ("agreement_id", "actor_id"),
}
#: Kinds whose rows made on two sides are one when their names match (a unique name).
NAMED = {"term": ("vocabulary", "name"), "quarter": ("name",), "round_table": ("name",)}
CHUNK = 500


@dataclass(frozen=True)
class Kind:
    """One table as the merge sees it."""

    name: str
    table: Table
    key: tuple[str, ...]  # ("uuid",) or the link's columns
    fields: tuple[str, ...]
    refs: Mapping[str, str]  # column → the kind it points to
    required: frozenset[str]  # reference columns that may not be empty

    @property
    def is_link(self) -> bool:
        return self.key != ("uuid",)


def _kinds() -> tuple[Kind, ...]:
    found = []
    for table in m.Base.metadata.sorted_tables:
        travelling = "uuid" in table.c and not table.name.startswith("travel_")
        if not travelling and table.name not in _LINK_KEYS:
            continue
        refs = {}
        for col in table.c:
            for fk in col.foreign_keys:
                refs[col.name] = fk.column.table.name
        key = ("uuid",) if travelling else _LINK_KEYS[table.name]
        derived = _DERIVED.get(table.name, frozenset())
        fields = tuple(c.name for c in table.c if c.name not in _META | derived and c.name not in key)
        required = frozenset(c for c in refs if not table.c[c].nullable)
        found.append(Kind(table.name, table, key, fields, refs, required))
    return tuple(found)


#: Every kind, parents before children (the foreign keys' order).
KINDS: tuple[Kind, ...] = _kinds()
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
RECORD_KINDS = tuple(k for k in KINDS if not k.is_link)
LINK_KINDS = tuple(k for k in KINDS if k.is_link)


def value(raw: Any) -> Any:
    """A column's value as JSON can hold it."""
    if isinstance(raw, dt.datetime):
        return raw.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, bool):
        return raw
    return raw


def column_value(col: Column[Any], portable: Any) -> Any:
    """The portable value back as the column's Python type."""
    if portable is None:
        return None
    python = col.type.python_type if hasattr(col.type, "python_type") else object
    if python is dt.datetime and isinstance(portable, str):
        return dt.datetime.fromisoformat(portable)
    if python is dt.date and isinstance(portable, str):
        return dt.date.fromisoformat(portable)
    if python is bool:
        return bool(portable)
    return portable


@dataclass(frozen=True)
class _Query:
    """A kind's portable ``SELECT`` (built once per kind: building it costs more than
    running it on a small table), its column names and the expression of each column."""

    select: Any
    names: tuple[str, ...]
    columns: tuple[Any, ...]


_QUERIES: dict[str, _Query] = {}


def _select(kind: Kind) -> _Query:
    """``SELECT`` of a kind's portable columns, references joined to their UUIDs."""
    found = _QUERIES.get(kind.name)
    if found is not None:
        return found
    t = kind.table
    cols: list[Any] = []
    names: list[str] = []
    joined: Any = t
    for name in (*kind.key, *kind.fields):
        target = kind.refs.get(name)
        if target is None:
            cols.append(t.c[name])
        else:
            other = m.Base.metadata.tables[target].alias(f"ref_{name}")
            joined = joined.outerjoin(other, other.c.id == t.c[name])
            cols.append(other.c.uuid)
        names.append(name)
    found = _Query(select(*cols).select_from(joined), tuple(names), tuple(cols))
    _QUERIES[kind.name] = found
    return found


def _rows(conn: Connection, query: Any, kind: Kind, names: Sequence[str]) -> Iterator[tuple[Key, Row]]:
    n = len(kind.key)
    for raw in conn.execute(query).all():
        yield tuple(raw[:n]), {name: value(v) for name, v in zip(names[n:], raw[n:], strict=True)}


def read_all(conn: Connection, kind: Kind) -> dict[Key, Row]:
    """Every row of a kind in portable form."""
    query = _select(kind)
    return dict(_rows(conn, query.select, kind, query.names))


def _read_where(conn: Connection, kind: Kind, column: Any, values: Iterable[Any]) -> dict[Key, Row]:
    query = _select(kind)
    wanted = sorted(set(values))
    found: dict[Key, Row] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(_rows(conn, query.select.where(column.in_(chunk)), kind, query.names))
    return found


def read_some(conn: Connection, kind: Kind, uuids: Iterable[str]) -> dict[Key, Row]:
    """The rows of a record kind with these UUIDs (absent ones are missing)."""
    assert not kind.is_link
    return _read_where(conn, kind, kind.table.c.uuid, uuids)


def read_links(conn: Connection, kind: Kind, keys: Iterable[Key]) -> dict[Key, Row]:
    """The rows of a link kind that share these keys' sides other than a person (a tick
    is found with every person at that meeting for that actor, so a key without an
    erased person finds the rows that had her)."""
    assert kind.is_link
    columns = _select(kind).columns
    sides = [n for n, col in enumerate(kind.key) if kind.refs.get(col) != "contact"]
    wanted = list(set(keys))
    found: dict[Key, Row] = {}
    query = _select(kind)
    first = sides[0]
    by_first: dict[Any, set[Any]] = {}
    for key in wanted:
        by_first.setdefault(key[first], set()).add(key[sides[1]] if len(sides) > 1 else None)
    firsts = sorted(by_first)
    for start in range(0, len(firsts), CHUNK):
        chunk = firsts[start : start + CHUNK]
        where = columns[first].in_(chunk)
        if len(sides) > 1:
            seconds = {s for f in chunk for s in by_first[f]}
            second = columns[sides[1]]
            known = sorted(s for s in seconds if s is not None)
            where = where & (second.in_(known) | second.is_(None) if None in seconds else second.in_(known))
        found.update(_rows(conn, query.select.where(where), kind, query.names))
    return found


def read_referring(conn: Connection, kind: Kind, column: str, ids: Sequence[int]) -> dict[Key, Row]:
    """The rows of a kind whose ``column`` points to one of these ids."""
    return _read_where(conn, kind, kind.table.c[column], ids)


def link_key_query(kind: Kind) -> Any:
    """``SELECT`` of the key text (``key_text``) of every row of a link kind, made by the
    database: comparing these strings with the base's keys (``EXCEPT``) is how the review
    finds the few links that changed among tens of thousands without reading them."""
    assert kind.is_link
    columns = _select(kind).columns[: len(kind.key)]
    text: Any = None
    for column in columns:
        part = func.coalesce(column, literal(""))
        text = part if text is None else text + literal("|") + part
    return _select(kind).select.with_only_columns(text)


def link_texts_where(conn: Connection, kind: Kind, part: int, uuids: Iterable[str]) -> set[str]:
    """The key texts of a link kind's rows whose side number ``part`` is one of these."""
    query = link_key_query(kind)
    column = _select(kind).columns[part]
    wanted = sorted(set(uuids))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(conn.execute(query.where(column.in_(wanted[start : start + CHUNK]))).scalars().all())
    return found


def versions(conn: Connection, kind: Kind) -> dict[str, int]:
    """UUID → version of every row of a record kind."""
    t = kind.table
    return {u: v for u, v in conn.execute(select(t.c.uuid, t.c.version)).all()}


def ids_of(conn: Connection, kind: Kind, uuids: Iterable[str]) -> dict[str, int]:
    """UUID → id for these UUIDs of a record kind (absent ones are missing)."""
    t = kind.table
    wanted = sorted({u for u in uuids if u is not None})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(conn.execute(select(t.c.uuid, t.c.id).where(t.c.uuid.in_(chunk))).all())
    return found


def link_ids(conn: Connection, kind: Kind, keys: Iterable[Key]) -> dict[Key, int]:
    """Link key (UUIDs) → the row's id, for the keys present."""
    t = kind.table
    wanted = set(keys)
    found: dict[Key, int] = {}
    if not wanted:
        return found
    # A link's key columns joined to UUIDs; the row's id beside them.
    joined: Any = t
    cols: list[Any] = []
    for name in kind.key:
        other = m.Base.metadata.tables[kind.refs[name]].alias(f"k_{name}")
        joined = joined.outerjoin(other, other.c.id == t.c[name])
        cols.append(other.c.uuid)
    for *key, row_id in conn.execute(select(*cols, t.c.id).select_from(joined)).all():
        if tuple(key) in wanted:
            found[tuple(key)] = row_id
    return found


def dumps(row: Row | None) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def loads(text: str) -> Row | None:
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else None


def key_text(key: Key) -> str:
    """A key as stored in ``travel_base.uuid`` (a link's UUIDs joined by "|")."""
    return "|".join("" if part is None else part for part in key)


def key_of(text: str) -> Key:
    return tuple(part or None for part in text.split("|"))
