"""Merge two records that are the same (a duplicate), with undo.

:meth:`MergeService.merge` keeps one record with the field values chosen per field,
moves every reference to the other one over to it (found from the foreign keys, as
:mod:`atlas.records.snapshot` finds what a delete touches: offers, contacts and actors of an
institution; actors, attendance and agreement sides of a contact; …) and deletes the
other one — all in one transaction. A reference that would then exist twice (the same
person at the same meeting for the same actor) is not moved but removed with the
merged record. Both records must still have the versions the user compared
(optimistic locking); otherwise nothing is changed and a :class:`ConflictError` says so.

:meth:`MergeService.unmerge` undoes it: the merged record comes back with its id, the
moved references point at it again, and the kept record gets its old values back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, UniqueConstraint, and_, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.errors import ConflictError, NotFoundError
from atlas.i18n import _
from atlas.records import search, snapshot
from atlas.records.schema import ENTITIES
from atlas.records.service import RecordData, RecordService

__all__ = ["MergeService", "MergedRecords"]


@dataclass(frozen=True)
class MergedRecords:
    """What :meth:`MergeService.merge` did; pass it to ``unmerge`` to undo."""

    entity: str
    kept_id: int
    dropped_id: int | None  # None: the other one was never saved (a new record's form)
    title: str  # of the kept record, after the merge
    kept_version: int  # after the merge: an undo refuses if the record changed since
    kept_row: Mapping[str, Any]  # the kept record's row as it was
    kept_links: Mapping[str, tuple[Mapping[str, Any], ...]]  # its rows in link tables (no id)
    moved: tuple[tuple[str, int, str], ...]  # (table, row id, column) now pointing at the kept one
    removed: snapshot.Snapshot = field(default_factory=snapshot.Snapshot)  # dropped record, doubles
    # (table, row id) -> version of each moved row after the merge: an undo moves back
    # only rows nobody changed since (and never overwrites a later change)
    moved_versions: Mapping[tuple[str, int], int] = field(default_factory=dict)


def _link_tables(table: Table) -> list[tuple[Table, str]]:
    """Tables without an id of their own that point at ``table`` (target groups, members)."""
    return [(child, col) for child, col, _rule in snapshot._referencing(table) if "id" not in child.c]


def _unique_sets(child: Table, col: str) -> list[list[str]]:
    """The other columns of each unique key of ``child`` that contains ``col``."""
    sets: list[list[str]] = []
    keys = [list(c.columns.keys()) for c in child.constraints if isinstance(c, UniqueConstraint)]
    if "id" not in child.c:
        keys.append([c.name for c in child.primary_key.columns])
    for names in keys:
        if col in names:
            sets.append([n for n in names if n != col])
    return sets


def _merge_snapshots(parts: list[snapshot.Snapshot]) -> snapshot.Snapshot:
    merged = snapshot.Snapshot()
    for part in parts:
        for table, rows in part.rows.items():
            merged.rows.setdefault(table, []).extend(rows)
        merged.unlinked.extend(part.unlinked)
        merged.versions.update(part.versions)
    return merged


class MergeService:
    """Merge duplicates of any entity; the window offers it for institutions and contacts."""

    def __init__(
        self, records: Mapping[str, RecordService], sessions: sessionmaker[Session], changes: ChangeBus
    ) -> None:
        self._records = records
        self._sessions = sessions
        self._changes = changes

    def references(self, entity: str, record_id: int) -> list[str]:
        """German lines saying what points at the record, e.g. '3 Angebote'."""
        table = m.Base.metadata.tables[ENTITIES[entity].model.__tablename__]
        lines: list[str] = []
        with self._sessions() as session:
            conn = session.connection()
            for child, col, _rule in snapshot._referencing(table):
                n = len(conn.execute(select(child.c[col]).where(child.c[col] == record_id)).all())
                if n:
                    lines.append(_describe_rows(child.name, n))
        return lines

    def merge(
        self,
        entity: str,
        keep: RecordData,
        drop: RecordData | None,
        values: Mapping[str, Any],
    ) -> MergedRecords:
        """Keep ``keep`` with ``values`` (the chosen value of every field), move what
        points at ``drop`` to it and delete ``drop``; one transaction. ``keep`` and
        ``drop`` are the records as the user compared them: if either was changed or
        deleted since, nothing happens (:class:`ConflictError`, :class:`NotFoundError`).
        ``drop=None``: the other record was never saved (a new record's form found a
        duplicate): only ``keep`` takes the chosen values."""
        spec = ENTITIES[entity]
        service = self._records[entity]
        model = spec.model
        table = m.Base.metadata.tables[model.__tablename__]
        if drop is not None and keep.id == drop.id:
            raise ConflictError(_("Ein Eintrag kann nicht mit sich selbst zusammengeführt werden."))
        with self._sessions() as session:
            kept = session.get(model, keep.id)
            dropped = session.get(model, drop.id) if drop is not None else None
            compared = [(kept, keep)] + ([(dropped, drop)] if drop is not None else [])
            for obj, seen in compared:
                if obj is None:
                    raise NotFoundError(
                        _("„{title}“ wurde inzwischen gelöscht. Es wurde nichts zusammengeführt.").format(
                            title=seen.title
                        )
                    )
                if obj.version != seen.version:
                    raise ConflictError(_conflict(spec.singular, seen.title))
            assert kept is not None
            conn = session.connection()
            kept_row = dict(conn.execute(select(table).where(table.c.id == keep.id)).mappings().one())
            kept_links = {
                child.name: tuple(
                    dict(r) for r in conn.execute(select(child).where(child.c[col] == keep.id)).mappings()
                )
                for child, col in _link_tables(table)
            }
            try:
                moved: list[tuple[str, int, str]] = []
                removed: list[snapshot.Snapshot] = []
                if dropped is not None:
                    moved, removed = self._move_references(conn, table, keep.id, dropped.id)
                    # Nothing points at it any more: the snapshot holds just its row.
                    removed.insert(0, snapshot.collect(conn, table.name, [dropped.id]))
                service.apply_values(session, kept, values)
                if dropped is not None:
                    session.delete(dropped)
                session.flush()
                stale = {entity: {keep.id}}
                kinds = {s.model.__tablename__: s.key for s in ENTITIES.values()}
                for table_name, row_id, _col in moved:
                    if table_name in kinds:
                        stale.setdefault(kinds[table_name], set()).add(row_id)
                search.reindex_with_dependants(conn, stale)
                result = MergedRecords(
                    entity=entity,
                    kept_id=keep.id,
                    dropped_id=drop.id if drop is not None else None,
                    title=service._title(kept),
                    kept_version=kept.version,
                    kept_row=kept_row,
                    kept_links=kept_links,
                    moved=tuple(moved),
                    removed=_merge_snapshots(removed),
                    moved_versions=_versions(conn, moved),
                )
                session.commit()
            except StaleDataError as err:
                session.rollback()
                raise ConflictError(_conflict(spec.singular, keep.title)) from err
            except IntegrityError as err:
                session.rollback()
                raise ConflictError(
                    _("Die Daten haben sich beim Zusammenführen geändert. Es wurde nichts zusammengeführt.")
                ) from err
        self._changes.emit(_entities(entity, result), [keep.id] + ([drop.id] if drop is not None else []))
        return result

    def _move_references(
        self, conn: Connection, table: Table, keep_id: int, drop_id: int
    ) -> tuple[list[tuple[str, int, str]], list[snapshot.Snapshot]]:
        """Point every reference to ``drop_id`` at ``keep_id``. A row that would then
        exist twice is deleted instead (its snapshot is returned for the undo)."""
        moved: list[tuple[str, int, str]] = []
        doubles: list[snapshot.Snapshot] = []
        for child, col, _rule in snapshot._referencing(table):
            rows = conn.execute(select(child).where(child.c[col] == drop_id)).mappings().all()
            if not rows:
                continue
            unique = _unique_sets(child, col)
            has_id = "id" in child.c
            for row in rows:
                twice = any(
                    conn.execute(
                        select(child.c[col]).where(
                            child.c[col] == keep_id, *[child.c[n] == row[n] for n in others]
                        )
                    ).first()
                    is not None
                    for others in unique
                )
                if has_id:
                    if twice:
                        doubles.append(snapshot.collect(conn, child.name, [row["id"]]))
                        conn.execute(delete(child).where(child.c.id == row["id"]))
                    else:
                        values: dict[str, Any] = {col: keep_id}
                        if "version" in child.c:  # a form holding it sees the move
                            values["version"] = child.c.version + 1
                        conn.execute(update(child).where(child.c.id == row["id"]).values(values))
                        moved.append((child.name, row["id"], col))
                else:
                    # A link row (no id): the dropped record's rows come back from the
                    # snapshot on undo; here they are replaced by the kept record's.
                    where = and_(*[child.c[k] == v for k, v in row.items()])
                    conn.execute(delete(child).where(where))
                    doubles.append(snapshot.Snapshot(rows={child.name: [dict(row)]}))
                    if not twice:
                        conn.execute(child.insert().values({**row, col: keep_id}))
        return moved, doubles

    def unmerge(self, merged: MergedRecords) -> None:
        """Undo :meth:`merge` in one transaction: the merged record and what was
        removed with it come back, the moved references point at it again, and the
        kept record gets its old values. Refused when the kept record was changed
        after the merge (:class:`ConflictError`)."""
        spec = ENTITIES[merged.entity]
        table = m.Base.metadata.tables[spec.model.__tablename__]
        with self._sessions() as session:
            conn = session.connection()
            version = conn.execute(select(table.c.version).where(table.c.id == merged.kept_id)).scalar()
            if version != merged.kept_version:
                raise ConflictError(
                    _(
                        "„{title}“ wurde nach dem Zusammenführen geändert oder gelöscht; das "
                        "Zusammenführen kann nicht mehr rückgängig gemacht werden."
                    ).format(title=merged.title)
                )
            moved = ((t, r, c, merged.kept_id) for t, r, c in merged.moved)
            changed = snapshot.changed_rows(conn, moved, merged.moved_versions)
            if changed:
                raise ConflictError(
                    _(
                        "{what} wurde nach dem Zusammenführen geändert – Rückgängig nicht möglich, ohne "
                        "diese Änderung zu überschreiben. Es wurde nichts zurückgenommen."
                    ).format(what=snapshot.listed(changed))
                )
            try:
                # The kept record's link rows as they were (the dropped one's come back
                # with the snapshot).
                for child, col in _link_tables(table):
                    conn.execute(delete(child).where(child.c[col] == merged.kept_id))
                    rows = list(merged.kept_links.get(child.name, ()))
                    if rows:
                        conn.execute(child.insert(), rows)
                snapshot.restore(conn, merged.removed)
                back: dict[tuple[str, int], list[str]] = {}  # a row may point twice
                for table_name, row_id, col in merged.moved:
                    back.setdefault((table_name, row_id), []).append(col)
                for (table_name, row_id), cols in back.items():
                    child = m.Base.metadata.tables[table_name]
                    values: dict[str, Any] = dict.fromkeys(cols, merged.dropped_id)
                    where = [child.c.id == row_id, *[child.c[col] == merged.kept_id for col in cols]]
                    recorded = merged.moved_versions.get((table_name, row_id))
                    if recorded is not None:
                        values["version"] = child.c.version + 1
                        where.append(child.c.version == recorded)
                    done = conn.execute(update(child).where(*where).values(values)).rowcount
                    if not done and conn.execute(select(child.c.id).where(child.c.id == row_id)).first():
                        raise ConflictError(
                            _(
                                "Die Daten wurden gerade an anderer Stelle geändert. Es wurde nichts "
                                "zurückgenommen."
                            )
                        )
                ids = [merged.kept_id] + ([merged.dropped_id] if merged.dropped_id is not None else [])
                old = {k: v for k, v in merged.kept_row.items() if k not in ("id", "version")}
                result = conn.execute(
                    update(table)
                    .where(table.c.id == merged.kept_id, table.c.version == merged.kept_version)
                    .values({**old, "version": merged.kept_version + 1})
                )
                if result.rowcount != 1:
                    raise ConflictError(_conflict(spec.singular, merged.title))
                kinds = {s.model.__tablename__: s.key for s in ENTITIES.values()}
                stale: dict[str, set[int]] = {merged.entity: set(ids)}
                for table_name, row_id, _col in merged.moved:
                    if table_name in kinds:
                        stale.setdefault(kinds[table_name], set()).add(row_id)
                for table_name, removed in merged.removed.rows.items():
                    if table_name in kinds:
                        stale.setdefault(kinds[table_name], set()).update(r["id"] for r in removed)
                search.reindex_with_dependants(conn, stale)
                session.commit()
            except IntegrityError as err:
                session.rollback()
                raise ConflictError(
                    _(
                        "Das Zusammenführen von „{title}“ kann nicht rückgängig gemacht werden: die Daten "
                        "wurden inzwischen geändert."
                    ).format(title=merged.title)
                ) from err
        self._changes.emit(_entities(merged.entity, merged), ids)


def _versions(conn: Connection, moved: list[tuple[str, int, str]]) -> dict[tuple[str, int], int]:
    """The version of each moved row that has one, as the merge leaves it."""
    found: dict[tuple[str, int], int] = {}
    for table_name, row_id, _col in moved:
        child = m.Base.metadata.tables[table_name]
        if "version" in child.c:
            version = conn.execute(select(child.c.version).where(child.c.id == row_id)).scalar()
            if version is not None:
                found[(table_name, row_id)] = version
    return found


def _conflict(what: str, title: str) -> str:
    return _(
        "{what} „{title}“ wurde inzwischen an anderer Stelle geändert. Es wurde nichts "
        "zusammengeführt; bitte die beiden Einträge neu vergleichen."
    ).format(what=what, title=title)


_TABLE_LABELS = {
    "attendance": _("Teilnahmeeinträge"),
    "agreement_party": _("Vereinbarungsseiten"),
    "round_table_member": _("Mitgliedschaften"),
    "offer_target_group": _("Zielgruppen"),
    "actor_status_event": _("Statusschritte"),
    "actor_override": _("Statusentscheidungen"),
}


def _describe_rows(name: str, n: int) -> str:
    """'2 Angebote', '1 Kontakt', '3 Teilnahmeeinträge'."""
    for spec in ENTITIES.values():
        if spec.model.__tablename__ == name:
            return f"{n} {spec.singular if n == 1 else spec.plural}"
    return f"{n} {_TABLE_LABELS.get(name, name)}"


def _entities(entity: str, merged: MergedRecords) -> set[str]:
    tables = {t for t, _i, _c in merged.moved} | set(merged.removed.rows)
    touched = {s.key for s in ENTITIES.values() if s.model.__tablename__ in tables}
    return {entity} | touched
