"""Taking a copy out: the copy trimmed to its part, its identity and its base.

The copy itself is made by ``db.travel`` (a whole-database transfer into a new file);
this module then works on the two open connections: ``prepare_copy`` trims the copy to
the chosen quarters and round tables (personal data only of those), writes what it is
(``travel_copy`` "self") and its base (``travel_base``: every travelling row as taken),
``register_copy`` notes the copy in the office (``travel_copy`` "out").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint, delete, insert, or_, select
from sqlalchemy.engine import Connection

from atlas import models as m
from atlas.errors import AtlasError
from atlas.i18n import _
from atlas.records import search
from atlas.travel.portable import KINDS, dumps, key_text, read_all

COPIES = cast(Table, m.TravelCopy.__table__)
ATTENDANCE = cast(Table, m.Attendance.__table__)

SELF = "self"
OUT = "out"


class TravelError(AtlasError):
    """Taking a copy out or merging it back was refused; nothing was changed."""


@dataclass(frozen=True)
class Scope:
    """Which part travels: quarters and round tables by name (empty: everything)."""

    quarters: tuple[str, ...] = ()
    round_tables: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.quarters and not self.round_tables

    def as_json(self) -> str:
        return json.dumps(
            {"quarters": list(self.quarters), "round_tables": list(self.round_tables)}, ensure_ascii=False
        )

    @classmethod
    def from_json(cls, text: str | None) -> Scope:
        data = json.loads(text) if text else {}
        return cls(tuple(data.get("quarters", ())), tuple(data.get("round_tables", ())))

    def describe(self) -> str:
        parts = []
        if self.quarters:
            parts.append(_("Quartiere: {names}").format(names=", ".join(self.quarters)))
        if self.round_tables:
            parts.append(_("Runde Tische: {names}").format(names=", ".join(self.round_tables)))
        return "; ".join(parts) or _("alles")


@dataclass(frozen=True)
class CopyInfo:
    uuid: str
    database_uuid: str
    taken_at: dt.datetime
    taken_by: str | None
    scope: Scope
    merged_at: dt.datetime | None = None
    merges: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def database_uuid(conn: Connection) -> str:
    settings = m.AppSetting.__table__
    found = conn.execute(
        select(settings.c.value).where(settings.c.key == m.DATABASE_KEY)
    ).scalar_one_or_none()
    if not found:
        raise TravelError(_("Die Datenbank hat keine Kennung (sie stammt von einer zu alten Version)."))
    return str(found)


def copy_info(conn: Connection) -> CopyInfo | None:
    """What the database is if it is an offline copy, else None."""
    t = COPIES
    row = conn.execute(select(t).where(t.c.role == SELF)).first()
    if row is None:
        return None
    return CopyInfo(
        row.uuid,
        row.database_uuid,
        row.taken_at,
        row.taken_by,
        Scope.from_json(row.scope),
        row.merged_at,
        row.merges,
    )


def _names_ids(conn: Connection, table: str, names: Sequence[str]) -> list[int]:
    t = m.Base.metadata.tables[table]
    wanted = list(names)
    found = dict(conn.execute(select(t.c.name, t.c.id).where(t.c.name.in_(wanted))).all())
    missing = [n for n in wanted if n not in found]
    if missing:
        label = _("Quartier") if table == "quarter" else _("Runder Tisch")
        raise TravelError(_("{label} „{name}“ gibt es nicht.").format(label=label, name=missing[0]))
    return list(found.values())


def _ids(conn: Connection, query: object) -> set[int]:
    return {i for i in conn.execute(query).scalars() if i is not None}  # type: ignore[call-overload]


def _delete_except(conn: Connection, model: type[m.Record], keep: set[int]) -> None:
    t = cast(Table, model.__table__)
    gone = sorted(_ids(conn, select(t.c.id)) - keep)
    for start in range(0, len(gone), 500):
        conn.execute(delete(t).where(t.c.id.in_(gone[start : start + 500])))


def _trim(conn: Connection, scope: Scope) -> None:
    """Delete from the copy what is outside the part: the chosen round tables and those
    in the chosen quarters with their meetings, the institutions in the chosen quarters,
    the actors of both and their institutions; personal data only of those (contacts of
    the kept institutions and actors, guests of the kept meetings, agreement partners)."""
    i, rt, a, mt, at = m.Institution, m.RoundTable, m.Actor, m.Meeting, m.Attendance
    quarters = _names_ids(conn, "quarter", scope.quarters)
    chosen = _names_ids(conn, "round_table", scope.round_tables)
    tables = _ids(conn, select(rt.id).where(or_(rt.quarter_id.in_(quarters), rt.id.in_(chosen))))
    meetings = _ids(conn, select(mt.id).where(mt.round_table_id.in_(tables)))
    members = m.round_table_member.c
    in_quarters = _ids(conn, select(i.id).where(i.quarter_id.in_(quarters)))
    actors = _ids(conn, select(members.actor_id).where(members.round_table_id.in_(tables)))
    actors |= _ids(conn, select(at.actor_id).where(at.meeting_id.in_(meetings)))
    actors |= _ids(conn, select(a.id).where(a.institution_id.in_(in_quarters)))
    # Meetings of no round table (bilateral) with a kept actor travel too.
    meetings |= _ids(
        conn,
        select(at.meeting_id)
        .join(mt, mt.id == at.meeting_id)
        .where(mt.round_table_id.is_(None), at.actor_id.in_(actors)),
    )
    institutions = in_quarters | _ids(conn, select(a.institution_id).where(a.id.in_(actors)))
    agreements = _ids(
        conn, select(m.AgreementParty.agreement_id).where(m.AgreementParty.actor_id.in_(actors))
    )
    people = _ids(conn, select(m.Contact.id).where(m.Contact.institution_id.in_(institutions)))
    people |= _ids(conn, select(a.contact_id).where(a.id.in_(actors)))
    people |= _ids(conn, select(at.contact_id).where(at.meeting_id.in_(meetings)))
    people |= _ids(
        conn, select(m.AgreementParty.contact_id).where(m.AgreementParty.agreement_id.in_(agreements))
    )
    for model, keep in (
        (m.Agreement, agreements),
        (mt, meetings),
        (rt, tables),
        (a, actors),
        (m.Contact, people),
        (i, institutions),
    ):
        _delete_except(conn, model, keep)


@contextmanager
def _child_indexes(conn: Connection) -> Iterator[None]:
    """Indexes on the reference columns that have none, while the trim deletes: each
    deleted contact otherwise makes SQLite read every tick for a reference to her
    (``ON DELETE SET NULL``), 40,000 deletions × every tick at the 10k size."""
    made = []
    for table in m.Base.metadata.sorted_tables:
        leading = {ix.columns[0].name for ix in table.indexes if ix.columns}
        leading |= {
            c.columns[0].name
            for c in table.constraints
            if isinstance(c, PrimaryKeyConstraint | UniqueConstraint) and len(c.columns)
        }
        for col in table.c:
            if col.foreign_keys and col.name not in leading:
                name = f"ix_trim_{table.name}_{col.name}"
                conn.exec_driver_sql(f'CREATE INDEX "{name}" ON "{table.name}" ("{col.name}")')
                made.append(name)
    try:
        yield
    finally:
        for name in made:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')


def prepare_copy(
    conn: Connection, *, office_uuid: str, scope: Scope, taken_at: dt.datetime, taken_by: str | None
) -> CopyInfo:
    """Make the freshly transferred database ``conn`` an offline copy (one transaction,
    the caller's): trim it, write its identity and its base. Returns what it is."""
    conn.execute(delete(COPIES))
    conn.execute(delete(m.travel_base))
    if not scope.everything:
        with _child_indexes(conn):
            _trim(conn, scope)
        # The index held every record's text, the people left at home too: built anew.
        search.rebuild(conn)
    info = CopyInfo(m.new_uuid(), office_uuid, taken_at, taken_by, scope)
    conn.execute(
        insert(COPIES).values(
            uuid=info.uuid,
            role=SELF,
            database_uuid=office_uuid,
            taken_at=taken_at,
            taken_by=taken_by,
            scope=scope.as_json(),
            merges=0,
        )
    )
    counts = write_base(conn, info.uuid)
    return CopyInfo(info.uuid, office_uuid, taken_at, taken_by, scope, counts=counts)


def write_base(conn: Connection, copy_uuid: str) -> dict[str, int]:
    """Every travelling row of ``conn`` as its base, in batches; the count per kind."""
    counts = {}
    for kind in KINDS:
        rows = read_all(conn, kind)
        ids_versions: dict[str, tuple[int, int]] = {}
        if not kind.is_link:
            t = kind.table
            ids_versions = {u: (i, v) for u, i, v in conn.execute(select(t.c.uuid, t.c.id, t.c.version))}
        batch = []
        for key, row in rows.items():
            row_id, version = ids_versions.get(str(key[0]), (None, 0)) if not kind.is_link else (None, 0)
            batch.append(
                {
                    "copy_uuid": copy_uuid,
                    "kind": kind.name,
                    "key": key_text(key),
                    "version": version,
                    "row_id": row_id,
                    "data": dumps(row),
                }
            )
            if len(batch) >= 1000:
                conn.execute(insert(m.travel_base), batch)
                batch = []
        if batch:
            conn.execute(insert(m.travel_base), batch)
        counts[kind.name] = len(rows)
    return counts


def register_copy(conn: Connection, info: CopyInfo, merged_at: dt.datetime | None = None) -> None:
    """Note in the office that this copy is out (``merged_at``: and came back then, the
    first time the office hears of it — a copy taken by another program's office)."""
    conn.execute(
        insert(COPIES).values(
            uuid=info.uuid,
            role=OUT,
            database_uuid=info.database_uuid,
            taken_at=info.taken_at,
            taken_by=info.taken_by,
            scope=info.scope.as_json(),
            merges=0 if merged_at is None else 1,
            merged_at=merged_at,
        )
    )
