"""Delete with undo: record everything a delete removes or unlinks, and put it back.

Works on the table level from the foreign keys' ``ON DELETE`` rules, so it covers
every entity (and any added later) without per-entity code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, select, update

from atlas.models import Base

if TYPE_CHECKING:
    from atlas.mentions import Person


@dataclass(frozen=True)
class Snapshot:
    """What one delete took away: whole rows per table, and links that were set to NULL."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unlinked: list[tuple[str, int, str, int]] = field(default_factory=list)

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
                linked = conn.execute(select(child.c.id, child.c[col]).where(child.c[col].in_(row_ids))).all()
                snap.unlinked.extend((child.name, cid, col, ref) for cid, ref in linked)

    visit(Base.metadata.tables[table_name], "id", list(ids))
    # A row that is deleted anyway need not be re-linked afterwards.
    deleted = {(t, r["id"]) for t, rows in snap.rows.items() for r in rows if "id" in r}
    snap.unlinked[:] = [u for u in snap.unlinked if (u[0], u[1]) not in deleted]
    return snap


def restore(conn: Connection, snap: Snapshot) -> None:
    """Insert the rows again (parents first) and re-link what was set to NULL."""
    for table in Base.metadata.sorted_tables:
        rows = snap.rows.get(table.name)
        if rows:
            conn.execute(table.insert(), rows)
    for table_name, row_id, col, ref in snap.unlinked:
        table = Base.metadata.tables[table_name]
        conn.execute(update(table).where(table.c.id == row_id).values({col: ref}))


def purge(snap: Snapshot, person: Person) -> Snapshot:
    """The snapshot without an erased person (Art. 17), so an undo cannot bring her back:
    her own contact row is dropped, links to her are cleared (an attendance stays without
    her, as the erasure keeps it), and every mention of her in a text value is replaced
    as the erasure replaced it in the database (``atlas.mentions``)."""
    from atlas.mentions import Matcher

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
    return Snapshot(rows, unlinked)
