"""Delete with undo: record everything a delete removes or unlinks, and put it back.

Works on the table level from the foreign keys' ``ON DELETE`` rules, so it covers
every entity (and any added later) without per-entity code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, select, update

from atlas.errors import ConflictError
from atlas.i18n import _
from atlas.models import Base

if TYPE_CHECKING:
    from atlas.records.mentions import Person


@dataclass(frozen=True)
class Snapshot:
    """What one delete took away: whole rows per table, and links that were set to NULL."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unlinked: list[tuple[str, int, str, int]] = field(default_factory=list)
    # (table, id) -> version of each unlinked row right after the delete (the database's
    # SET NULL leaves it as it was): ``restore`` re-links only rows nobody changed since.
    versions: dict[tuple[str, int], int] = field(default_factory=dict)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, []))


def _referencing(table: Table) -> list[tuple[Table, str, str]]:
    """(child table, fk column, ondelete rule) for every FK pointing at ``table``."""
    found = []
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table:
                found.append((child, fk.parent.name, (fk.ondelete or "NO ACTION").upper()))
    return found


def collect(conn: Connection, table_name: str, ids: Iterable[int]) -> Snapshot:
    """Everything deleting ``ids`` from ``table_name`` would remove (cascade) or unlink."""
    snap = Snapshot()
    seen: set[tuple[str, Any]] = set()

    def visit(table: Table, where_col: str, values: list[Any]) -> None:
        if not values:
            return
        rows = conn.execute(select(table).where(table.c[where_col].in_(values))).mappings().all()
        pk_cols = [c.name for c in table.primary_key.columns]
        new_rows = []
        for row in rows:
            key = (table.name, tuple(row[c] for c in pk_cols))
            if key in seen:
                continue
            seen.add(key)
            new_rows.append(dict(row))
        if not new_rows:
            return
        snap.rows.setdefault(table.name, []).extend(new_rows)
        if "id" not in table.c:
            return
        row_ids = [r["id"] for r in new_rows]
        for child, col, rule in _referencing(table):
            if rule == "CASCADE":
                visit(child, col, row_ids)
            elif rule == "SET NULL" and "id" in child.c:
                has_version = "version" in child.c
                version_col = child.c.version if has_version else child.c.id
                linked = conn.execute(
                    select(child.c.id, child.c[col], version_col).where(child.c[col].in_(row_ids))
                ).all()
                snap.unlinked.extend((child.name, cid, col, ref) for cid, ref, _v in linked)
                if has_version:
                    snap.versions.update(((child.name, cid), v) for cid, _ref, v in linked)

    visit(Base.metadata.tables[table_name], "id", list(ids))
    # A row that is deleted anyway need not be re-linked afterwards.
    deleted = {(t, r["id"]) for t, rows in snap.rows.items() for r in rows if "id" in r}
    snap.unlinked[:] = [u for u in snap.unlinked if (u[0], u[1]) not in deleted]
    return snap


def restore(conn: Connection, snap: Snapshot) -> None:
    """Insert the rows again (parents first) and re-link what was set to NULL.

    A row to re-link that someone changed after the delete (another version, or the
    link set again) is never overwritten: nothing is restored and a
    :class:`~atlas.errors.ConflictError` names what changed. Re-linked rows get a new
    version, so a form holding the old one sees the change."""
    changed = changed_rows(conn, ((t, r, c, None) for t, r, c, _ref in snap.unlinked), snap.versions)
    if changed:
        raise ConflictError(
            _(
                "{what} wurde inzwischen geändert – Rückgängig nicht möglich, ohne diese Änderung "
                "zu überschreiben. Es wurde nichts wiederhergestellt."
            ).format(what=listed(changed))
        )
    for table in Base.metadata.sorted_tables:
        rows = snap.rows.get(table.name)
        if rows:
            conn.execute(table.insert(), rows)
    links: dict[tuple[str, int], dict[str, Any]] = {}  # a row may have lost two links
    for table_name, row_id, col, ref in snap.unlinked:
        links.setdefault((table_name, row_id), {})[col] = ref
    for (table_name, row_id), values in links.items():
        table = Base.metadata.tables[table_name]
        where = [table.c.id == row_id, *[table.c[col].is_(None) for col in values]]
        recorded = snap.versions.get((table_name, row_id))
        if recorded is not None:
            where.append(table.c.version == recorded)
        if "version" in table.c:
            values = {**values, "version": table.c.version + 1}
        if conn.execute(update(table).where(*where).values(values)).rowcount != 1:
            # changed between the check and here, or deleted: still never overwritten
            still = conn.execute(select(table.c.id).where(table.c.id == row_id)).first()
            if still is not None:
                raise ConflictError(
                    _(
                        "Die Daten wurden gerade an anderer Stelle geändert. Es wurde nichts wiederhergestellt."
                    )
                )


def changed_rows(
    conn: Connection,
    links: Iterable[tuple[str, int, str, Any]],
    versions: Mapping[tuple[str, int], int],
) -> list[str]:
    """Names of the rows ("Einrichtung „Kita X“") whose link column no longer holds the
    value an undo expects, or whose version moved on from the one recorded: someone changed
    them since. ``links`` are (table, id, column, expected value); rows deleted since are not
    touched by the undo and need no check. Used by the delete's and the merge's undo."""
    changed: list[str] = []
    for table_name, row_id, col, expected in links:
        table = Base.metadata.tables[table_name]
        row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
        if row is None:
            continue
        recorded = versions.get((table_name, row_id))
        if row[col] != expected or (recorded is not None and row["version"] != recorded):
            changed.append(describe(table_name, row))
    return changed


def listed(names: list[str]) -> str:
    """The first five names for a message, "…" if there are more."""
    return ", ".join(names[:5]) + (" …" if len(names) > 5 else "")


def describe(table_name: str, row: Any) -> str:
    from atlas.records.schema import ENTITIES  # the entities' names; schema does not import this module

    for spec in ENTITIES.values():
        if spec.model.__tablename__ == table_name:
            if table_name == "contact":
                title = " ".join(p for p in (row["first_name"], row["last_name"]) if p)
            else:
                title = str(row[spec.title_field] or "")
            return f"{spec.singular} „{title}“"
    return f"{table_name} {row['id']}"


def purge(snap: Snapshot, person: Person) -> Snapshot:
    """The snapshot without an erased person (Art. 17), so an undo cannot bring her back:
    her own contact row is dropped, links to her are cleared (an attendance stays without
    her, as the erasure keeps it), and every mention of her in a text value is replaced
    as the erasure replaced it in the database (``atlas.records.mentions``)."""
    from atlas.records.mentions import Matcher

    matcher = Matcher(person)
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, table_rows in snap.rows.items():
        kept = []
        for row in table_rows:
            if table == "contact" and person.contact_id is not None and row.get("id") == person.contact_id:
                continue
            clean = {k: matcher.scrub(v) if isinstance(v, str) else v for k, v in row.items()}
            if person.contact_id is not None and clean.get("contact_id") == person.contact_id:
                clean["contact_id"] = None
            kept.append(clean)
        if kept:
            rows[table] = kept
    unlinked = [u for u in snap.unlinked if not (u[2] == "contact_id" and u[3] == person.contact_id)]
    return Snapshot(rows, unlinked, snap.versions)
