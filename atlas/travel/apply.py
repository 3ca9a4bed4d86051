"""Writing a reviewed plan into the office database, and undoing it as one step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.clock import Clock
from atlas.errors import ConflictError
from atlas.i18n import _
from atlas.privacy import erase_within
from atlas.records import find as find_mentions
from atlas.records import replace as replace_mentions
from atlas.records import search, snapshot
from atlas.travel.checkin import Item, Plan
from atlas.travel.checkout import OUT, register_copy
from atlas.travel.merge import Action, Decision, Side
from atlas.travel.portable import BY_NAME, KINDS, Kind, Row, column_value, dumps, ids_of, key_text, link_ids
from atlas.travel.words import title

COPIES = cast(Table, m.TravelCopy.__table__)
ATTENDANCE = cast(Table, m.Attendance.__table__)

_ORDER = {k.name: n for n, k in enumerate(KINDS)}


@dataclass
class Choices:
    """The reviewer's answers. A conflicting field takes the copy's value unless chosen
    otherwise; a row deleted on one side and changed on the other is kept unless chosen."""

    fields: dict[Item, dict[str, Side]] = field(default_factory=dict)
    delete: set[Item] = field(default_factory=set)

    def side(self, item: Item, name: str) -> Side:
        return self.fields.get(item, {}).get(name, Side.COPY)

    def keeps(self, item: Item) -> bool:
        return item not in self.delete


@dataclass
class Undo:
    """What ``undo`` needs: rows the merge made, values it replaced, rows it deleted."""

    copy_uuid: str
    inserted: list[tuple[str, int | None, dict[str, Any]]] = field(default_factory=list)  # parents first
    unlinked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # id-less link rows deleted
    updated: list[tuple[str, int, dict[str, Any], int]] = field(
        default_factory=list
    )  # old values, version after
    deleted: list[snapshot.Snapshot] = field(default_factory=list)
    base_before: list[dict[str, Any]] = field(default_factory=list)  # the office's base rows it replaced
    base_keys: list[tuple[str, str]] = field(default_factory=list)
    copy_row: dict[str, Any] = field(default_factory=dict)  # travel_copy "out" before
    erased: int = 0


@dataclass
class Applied:
    counts: dict[str, dict[str, int]]
    notes: list[str]
    undo: Undo
    touched: dict[str, set[int]]  # table → ids inserted, changed or deleted (for the window)

    @property
    def total(self) -> int:
        return sum(sum(v.values()) for v in self.counts.values())


class _Writer:
    def __init__(self, conn: Connection, plan: Plan, choices: Choices, clock: Clock) -> None:
        self.conn = conn
        self.plan = plan
        self.choices = choices
        self.clock = clock
        self.ids: dict[str, dict[str, int | None]] = {}  # None: asked, not in the office
        self.undo = Undo(plan.info.uuid)
        self.notes: list[str] = []
        self.counts: dict[str, dict[str, int]] = {}
        self.touched: dict[str, set[int]] = {}
        self.meetings_moved: set[int] = set()
        self.quiet: dict[str, set[int]] = {}  # updated, but in no field other records' index texts show

    # -- references ---------------------------------------------------------------
    def id_of(self, kind: str, uuid: str | None) -> int | None:
        if uuid is None:
            return None
        known = self.ids.setdefault(kind, {})
        if uuid not in known:
            known.update(ids_of(self.conn, BY_NAME[kind], [uuid]))
            known.setdefault(uuid, None)
        return known.get(uuid)

    def resolved(self, kind: Kind, row: Mapping[str, Any], title: str) -> dict[str, Any] | None:
        """The row's columns with references as office ids; None if a required one is gone."""
        values: dict[str, Any] = {}
        for name, portable in row.items():
            if name not in kind.table.c:
                continue
            target = kind.refs.get(name)
            if target is None:
                values[name] = column_value(kind.table.c[name], portable)
                continue
            ref = self.id_of(target, portable)
            if ref is None and portable is not None and name in kind.required:
                self.notes.append(
                    _("{what} nicht übernommen: es gehört zu etwas, das im Büro gelöscht ist.").format(
                        what=title
                    )
                )
                return None
            values[name] = ref
        return values

    def linked(self, kind: Kind, values: Mapping[str, Any]) -> None:
        _linked(self.touched, kind, values)

    def count(self, kind: str, what: str) -> None:
        per = self.counts.setdefault(kind, {})
        per[what] = per.get(what, 0) + 1

    # -- rows ---------------------------------------------------------------------
    def insert(self, items: list[tuple[Decision, Row]]) -> None:
        """New rows of one kind, written together (one statement per batch of the same
        columns; the new ids come back in order)."""
        if not items:
            return
        kind = BY_NAME[items[0][0].kind]
        made: list[tuple[Decision, dict[str, Any]]] = []
        for d, row in items:
            full = dict(row)
            if kind.is_link:
                full.update(zip(kind.key, d.key, strict=True))
            values = self.resolved(kind, full, title(d))
            if values is None:
                continue
            if not kind.is_link:
                values["uuid"] = d.key[0]
            made.append((d, values))
        if kind.name == "attendance" and made:
            meetings = {v["meeting_id"] for _d, v in made}
            starts = dict(
                self.conn.execute(
                    select(m.Meeting.id, m.Meeting.starts_at).where(m.Meeting.id.in_(meetings))
                ).all()
            )
            for _d, values in made:
                values["meeting_at"] = starts.get(values["meeting_id"])
        t = kind.table
        groups: dict[tuple[str, ...], list[tuple[Decision, dict[str, Any]]]] = {}
        for d, values in made:
            groups.setdefault(tuple(sorted(values)), []).append((d, values))
        for group in groups.values():
            rows = [values for _d, values in group]
            if "id" not in t.c:  # target groups, members: named by their two sides
                self.conn.execute(insert(t), rows)
                for values in rows:
                    self.undo.inserted.append((kind.name, None, values))
                    self.linked(kind, values)
            else:
                made_ids = self.conn.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), rows)
                for (d, values), new_id in zip(group, made_ids.scalars().all(), strict=True):
                    if kind.is_link:  # a tick, an agreement side: kept for the undo's reindexing
                        self.linked(kind, values)
                    else:
                        self.ids.setdefault(kind.name, {})[str(d.key[0])] = new_id
                    self.undo.inserted.append((kind.name, new_id, values if kind.is_link else {}))
                    self.touched.setdefault(kind.name, set()).add(new_id)
            for d, _values in group:
                self.count(d.kind, "insert")

    def row_id(self, d: Decision) -> int | None:
        kind = BY_NAME[d.kind]
        if kind.is_link:
            return link_ids(self.conn, kind, [d.key]).get(d.key)
        return self.id_of(d.kind, str(d.key[0]))

    def update(self, items: list[tuple[Decision, Mapping[str, Any]]]) -> None:
        """Changed fields of rows of one kind: the old values read in one query, the new
        written in one statement per set of columns."""
        if not items:
            return
        kind = BY_NAME[items[0][0].kind]
        t = kind.table
        todo: list[tuple[Decision, int, dict[str, Any]]] = []
        for d, changes in items:
            row_id = self.row_id(d)
            if row_id is None or not changes:
                continue
            values = self.resolved(kind, changes, title(d))
            if values is not None:
                todo.append((d, row_id, values))
        if not todo:
            return
        columns = sorted({name for _d, _i, values in todo for name in values})
        old: dict[int, Any] = {}
        row_ids = [row_id for _d, row_id, _v in todo]
        for start in range(0, len(row_ids), 500):
            query = select(t.c.id, t.c.version, *(t.c[n] for n in columns)).where(
                t.c.id.in_(row_ids[start : start + 500])
            )
            old.update({row.id: row for row in self.conn.execute(query).mappings().all()})
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for d, row_id, values in todo:
            before = old[row_id]
            self.undo.updated.append((d.kind, row_id, {n: before[n] for n in values}, before["version"] + 1))
            groups.setdefault(tuple(sorted(values)), []).append(
                {"row_id": row_id, **{f"new_{n}": v for n, v in values.items()}}
            )
            self.touched.setdefault(d.kind, set()).add(row_id)
            if d.kind == "meeting" and "starts_at" in values:
                self.meetings_moved.add(row_id)
            if not set(values) & search.SHOWN_ELSEWHERE.get(d.kind, frozenset()):
                self.quiet.setdefault(d.kind, set()).add(row_id)
            self.count(d.kind, "update")
        for names, rows in groups.items():
            statement = (
                update(t)
                .where(t.c.id == bindparam("row_id"))
                .values({**{n: bindparam(f"new_{n}") for n in names}, "version": t.c.version + 1})
            )
            self.conn.execute(statement, rows)

    def delete(self, d: Decision) -> None:
        kind = BY_NAME[d.kind]
        if "id" not in kind.table.c:
            values = self.resolved(kind, dict(zip(kind.key, d.key, strict=True)), title(d))
            if values is None or None in values.values():
                return
            t = kind.table
            if self.conn.execute(delete(t).where(*(t.c[k] == v for k, v in values.items()))).rowcount:
                self.undo.unlinked.append((d.kind, values))
                self.linked(kind, values)
                self.count(d.kind, "delete")
            return
        row_id = self.row_id(d)
        if row_id is None:
            return
        snap = snapshot.collect(self.conn, d.kind, [row_id])
        self.conn.execute(delete(BY_NAME[d.kind].table).where(BY_NAME[d.kind].table.c.id == row_id))
        self.undo.deleted.append(snap)
        for table, rows in snap.rows.items():
            self.touched.setdefault(table, set()).update(r["id"] for r in rows if "id" in r)
            if table in BY_NAME and BY_NAME[table].is_link:
                for row in rows:
                    self.linked(BY_NAME[table], row)
        for table, unlinked_id, _col, _ref in snap.unlinked:  # emptied by the delete: their texts showed it
            self.touched.setdefault(table, set()).add(unlinked_id)
        self.count(d.kind, "delete")

    # -- the whole plan ---------------------------------------------------------------
    def prefetch(self) -> None:
        """The office ids of every record the plan names or points to, one query per kind."""
        wanted: dict[str, set[str]] = {}
        for d in self.plan.decisions:
            kind = BY_NAME[d.kind]
            if not kind.is_link:
                wanted.setdefault(d.kind, set()).add(str(d.key[0]))
            for col, target in kind.refs.items():
                for row in (d.copy, d.office):
                    if row and row.get(col):
                        wanted.setdefault(target, set()).add(str(row[col]))
            if kind.is_link:
                for col, part in zip(kind.key, d.key, strict=True):
                    if part is not None:
                        wanted.setdefault(kind.refs[col], set()).add(part)
        for name, uuids in wanted.items():
            known = self.ids.setdefault(name, {})
            known.update(dict.fromkeys(uuids))
            known.update(ids_of(self.conn, BY_NAME[name], uuids))

    def run(self) -> None:
        self.prefetch()
        deletes: list[Decision] = []
        inserts: list[tuple[Decision, Row]] = []
        updates: list[tuple[Decision, Mapping[str, Any]]] = []
        for d in self.plan.decisions:  # parents first: a kind's rows are written before its children's
            if (inserts or updates) and (inserts or updates)[0][0].kind != d.kind:
                self.insert(inserts)
                self.update(updates)
                inserts, updates = [], []
            item = (d.kind, d.key)
            if d.action is Action.INSERT:
                inserts.append((d, d.copy or {}))
            elif d.action is Action.UPDATE:
                changes = dict(d.values)
                for c in d.conflicts:
                    if self.choices.side(item, c.field) is Side.COPY:
                        changes[c.field] = c.copy
                if d.office is None:  # new on both sides under one key: nothing to update
                    continue
                updates.append((d, changes))
            elif d.action is Action.DELETE:
                deletes.append(d)
            elif d.action is Action.KEEP_OR_DELETE:
                keep = self.choices.keeps(item)
                if d.deleted_on is Side.OFFICE and keep:
                    inserts.append((d, d.copy or {}))
                elif d.deleted_on is Side.COPY and not keep:
                    deletes.append(d)
        self.insert(inserts)
        self.update(updates)
        for d in sorted(deletes, key=lambda d: -_ORDER[d.kind]):
            self.delete(d)
        for meeting_id in self.meetings_moved:
            starts = select(m.Meeting.starts_at).where(m.Meeting.id == meeting_id).scalar_subquery()
            self.conn.execute(
                update(ATTENDANCE).where(m.Attendance.meeting_id == meeting_id).values(meeting_at=starts)
            )

    def erase_copied(self, session: Session) -> None:
        """People erased on the laptop, erased here first: the plan compared ticks and
        agreement sides as the erasure leaves them (without the person)."""
        for uuid in sorted(self.plan.erased_in_copy):
            contact_id = self.id_of("contact", uuid)
            if contact_id is not None:
                erase_within(session, contact_id, self.clock)
                self.undo.erased += 1
                self.count("contact", "erase")
        session.flush()

    def erasures(self, session: Session) -> None:
        for uuid in sorted(self.plan.erased_in_office):
            person = self.plan.erased_names.get(uuid)
            if person is not None and person.name:
                found = find_mentions(self.conn, person)
                changed = replace_mentions(self.conn, found)
                for table, ids in changed.items():
                    self.touched.setdefault(table, set()).update(ids)
            self.notes.append(_("Eine im Büro gelöschte Person (DSGVO) wurde nicht zurückgebracht."))

    def reindex(self) -> None:
        """The index rows of what the merge wrote; of the records showing their names only
        where a shown field changed (a note on an institution leaves its offers' texts)."""
        stale = {kind: ids for kind, ids in self.touched.items() if kind in search.TABLES}
        if "term" in self.touched:
            for kind, ids in search.mentioning(self.conn, m.Term, self.touched["term"]).items():
                stale.setdefault(kind, set()).update(ids)
        quiet = {kind: ids for kind, ids in self.quiet.items() if kind in stale}
        for kind, ids in quiet.items():
            search.reindex(self.conn, kind, ids)
        search.reindex_with_dependants(self.conn, {k: ids - quiet.get(k, set()) for k, ids in stale.items()})

    def remember(self, now: dt.datetime) -> None:
        """The office keeps what it took from the copy: the copy's next base."""
        t = m.travel_base
        copy_uuid = self.plan.info.uuid
        rows = []
        by_kind: dict[str, list[str]] = {}
        for (kind, key), (version, row_id, row) in self.plan.copy_rows.items():
            text = key_text(key)
            by_kind.setdefault(kind, []).append(text)
            self.undo.base_keys.append((kind, text))
            rows.append(
                {
                    "copy_uuid": copy_uuid,
                    "kind": kind,
                    "key": text,
                    "version": version if row is not None else -1,
                    "row_id": row_id,
                    "data": dumps(row),
                }
            )
        for kind, texts in by_kind.items():  # the rows of an earlier merge: kept for the undo, replaced
            for start in range(0, len(texts), 500):
                where = (
                    t.c.copy_uuid == copy_uuid,
                    t.c.kind == kind,
                    t.c.key.in_(texts[start : start + 500]),
                )
                before = self.conn.execute(select(t).where(*where)).mappings().all()
                if before:
                    self.undo.base_before += [dict(b) for b in before]
                    self.conn.execute(delete(t).where(*where))
        if rows:
            self.conn.execute(insert(t), rows)
        c = COPIES
        found = self.conn.execute(select(c).where(c.c.uuid == copy_uuid, c.c.role == OUT)).mappings().first()
        info = self.plan.info
        if found is None:
            register_copy(self.conn, info, merged_at=now)
        else:
            self.undo.copy_row = {"merged_at": found["merged_at"], "merges": found["merges"]}
            self.conn.execute(
                update(c)
                .where(c.c.id == found["id"])
                .values(merged_at=now, merges=c.c.merges + 1, version=c.c.version + 1)
            )


def _linked(touched: dict[str, set[int]], kind: Kind, values: Mapping[str, Any]) -> None:
    """A link row came or went: its records changed, not a term it names (a term counts
    as changed only itself: everything mentioning it is indexed again)."""
    for col, target in kind.refs.items():
        if target != "term" and values.get(col) is not None:
            touched.setdefault(target, set()).add(values[col])


def write(session: Session, plan: Plan, choices: Choices, clock: Clock) -> Applied:
    """Apply the plan in the caller's transaction (which holds the write lock)."""
    writer = _Writer(session.connection(), plan, choices, clock)
    writer.erase_copied(session)
    writer.run()
    writer.erasures(session)
    writer.reindex()
    writer.remember(clock.now())
    return Applied(writer.counts, writer.notes, writer.undo, writer.touched)


def undo(session: Session, done: Undo) -> dict[str, set[int]]:
    """Take a merge back in the caller's transaction: rows it made go (if nobody changed
    them since), values it replaced come back, rows it deleted come back. Erasures stay.
    Raises ``ConflictError`` naming what changed since; then nothing is undone."""
    conn = session.connection()
    changed = []
    for table, row_id, _values in done.inserted:
        if row_id is None:
            continue
        t = BY_NAME[table].table
        version = conn.execute(select(t.c.version).where(t.c.id == row_id)).scalar()
        if version is not None and version != 1:
            changed.append(
                snapshot.describe(table, conn.execute(select(t).where(t.c.id == row_id)).mappings().one())
            )
    for table, row_id, _old, after in done.updated:
        t = BY_NAME[table].table
        version = conn.execute(select(t.c.version).where(t.c.id == row_id)).scalar()
        if version is not None and version != after:
            changed.append(
                snapshot.describe(table, conn.execute(select(t).where(t.c.id == row_id)).mappings().one())
            )
    if changed:
        raise ConflictError(
            _(
                "{what} wurde nach dem Zurückführen geändert – Rückgängig nicht möglich, ohne diese "
                "Änderung zu überschreiben. Es wurde nichts zurückgenommen."
            ).format(what=snapshot.listed(changed))
        )
    touched: dict[str, set[int]] = {}
    if done.deleted:
        # One restore for all the merge's deletions: two of them may have unlinked the same
        # row (an actor of a deleted institution and of its deleted contact), and each
        # re-link raises its version; rows come back parents first across all of them.
        snap = _together(done.deleted)
        snapshot.restore(conn, snap)
        for table, rows in snap.rows.items():
            touched.setdefault(table, set()).update(r["id"] for r in rows if "id" in r)
            if table in BY_NAME and BY_NAME[table].is_link:
                for row in rows:
                    _linked(touched, BY_NAME[table], row)
        for table, unlinked_id, _col, _ref in snap.unlinked:  # linked again: their texts show it
            touched.setdefault(table, set()).add(unlinked_id)
    for table, row_id, old, _after in reversed(done.updated):
        t = BY_NAME[table].table
        conn.execute(update(t).where(t.c.id == row_id).values(**old, version=t.c.version + 1))
        touched.setdefault(table, set()).add(row_id)
    for table, values in done.unlinked:
        conn.execute(insert(BY_NAME[table].table).values(**values))
        _linked(touched, BY_NAME[table], values)
    for table, row_id, values in reversed(done.inserted):
        t = BY_NAME[table].table
        if row_id is None:
            conn.execute(delete(t).where(*(t.c[k] == v for k, v in values.items())))
            _linked(touched, BY_NAME[table], values)
            continue
        conn.execute(delete(t).where(t.c.id == row_id))
        touched.setdefault(table, set()).add(row_id)
        if BY_NAME[table].is_link:
            _linked(touched, BY_NAME[table], values)
    b = m.travel_base
    for kind, text in done.base_keys:
        conn.execute(delete(b).where(b.c.copy_uuid == done.copy_uuid, b.c.kind == kind, b.c.key == text))
    if done.base_before:
        conn.execute(insert(b), done.base_before)
    c = COPIES
    where = (c.c.uuid == done.copy_uuid, c.c.role == OUT)
    if done.copy_row:
        conn.execute(update(c).where(*where).values(**done.copy_row, version=c.c.version + 1))
    else:
        conn.execute(delete(c).where(*where))
    stale = {kind: ids for kind, ids in touched.items() if kind in search.TABLES}
    search.reindex_with_dependants(conn, stale)
    return touched


def _together(snaps: list[snapshot.Snapshot]) -> snapshot.Snapshot:
    """Several deletions' snapshots as one (the first version seen of an unlinked row)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    unlinked: list[tuple[str, int, str, int]] = []
    versions: dict[tuple[str, int], int] = {}
    for snap in snaps:
        for table, found in snap.rows.items():
            rows.setdefault(table, []).extend(found)
        unlinked.extend(snap.unlinked)
        for key, version in snap.versions.items():
            versions.setdefault(key, version)
    return snapshot.Snapshot(rows, unlinked, versions)
