"""The base of a copy brought back: what the copy looked like when taken, as the copy's
``travel_base`` holds it, overlaid by what the office kept from an earlier merge of the same
copy. ``Base.touched`` finds the rows the copy changed (the database joins each table with
the base on the version); the rest is read only when asked (see ``checkin``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, text
from sqlalchemy.engine import Connection

from atlas import models as m
from atlas.travel.portable import LINK_KINDS, Key, Kind, Row, key_of, key_text, link_key_query, loads

_TOUCHED: dict[str, tuple[Any, Any]] = {}


def _touched_queries(kind: Kind) -> tuple[Any, Any]:
    """The copy's rows of a kind whose version is not the base's, and the base's keys
    without a row now (built once per kind; the copy's UUID is a parameter)."""
    found = _TOUCHED.get(kind.name)
    if found is None:
        t, b = kind.table, m.travel_base
        # The base's versions from its covering index, the table's from its (uuid,
        # version) index (migration 0008): unasked, SQLite reads the base's rows with
        # their data (twice the time at 50,000 contacts). The copy is always SQLite.
        changed = text(
            f'SELECT t.uuid FROM "{t.name}" AS t LEFT JOIN travel_base AS b INDEXED BY ix_travel_base_versions'
            " ON b.copy_uuid = :copy_uuid AND b.kind = :kind AND b.key = t.uuid WHERE b.version IS NOT t.version"
        ).bindparams(kind=kind.name)
        mine = and_(b.c.copy_uuid == bindparam("copy_uuid"), b.c.kind == kind.name)
        gone = select(b.c.key).where(mine, ~exists().where(t.c.uuid == b.c.key))
        found = _TOUCHED[kind.name] = (changed, gone)
    return found


@dataclass
class Base:
    """The base of one copy. What the copy touched is found by the database itself: each
    table of the copy joined with the copy's own ``travel_base`` on the version, each link
    table's keys compared as text with the base's. The few keys the office keeps from an
    earlier merge of this copy (``overlay``, ``link_overlay``: their base instead) are
    compared here. Rows are read when needed, never the whole base."""

    copy_uuid: str
    copy: Connection
    office: Connection
    overlay: dict[tuple[str, str], int]  # (kind, key) → version the office keeps (-1: gone)
    link_overlay: dict[str, dict[str, Row | None]]  # link kind → key text → row (None: gone)
    office_row_ids: dict[str, int]  # contacts: the office's id, as kept at an earlier merge
    _keys: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _present: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    def touched(self, kind: Kind, copy_versions: Mapping[str, int] | None = None) -> set[str]:
        """The UUIDs of a record kind whose row in the copy is not the base's (changed, new
        or gone)."""
        changed, gone = _touched_queries(kind)
        mine = {"copy_uuid": self.copy_uuid}
        found = set(self.copy.execute(changed, mine).scalars().all())
        found |= set(self.copy.execute(gone, mine).scalars().all())
        mine_overlay = {key: v for (k, key), v in self.overlay.items() if k == kind.name}
        if not mine_overlay:
            return found
        found -= set(mine_overlay)
        if copy_versions is not None:
            now = dict(copy_versions)
        else:
            now = {u: v for u, (_i, v) in ids_versions(self.copy, kind, mine_overlay).items()}
        for key, version in mine_overlay.items():
            there = now.get(key)
            if there is None and version == -1:
                continue  # gone then, gone now
            if there != version:
                found.add(key)
        return found

    def has(self, kind: str, key: Key) -> bool:
        text = key_text(key)
        if (kind, text) in self.overlay:
            return self.overlay[(kind, text)] != -1
        if kind == "contact":  # tens of thousands of people: asked one by one
            if (kind, text) not in self._present:
                self._present[(kind, text)] = bool(self._base_keys(kind, [text]))
            return self._present[(kind, text)]
        if kind not in self._keys:  # a kind's keys read once (parents of what the copy touched)
            self._keys[kind] = self._base_keys(kind)
        return text in self._keys[kind]

    def _base_keys(self, kind: str, among: list[str] | None = None) -> set[str]:
        b = m.travel_base
        query = select(b.c.key).where(b.c.copy_uuid == self.copy_uuid, b.c.kind == kind)
        if among is None:
            return set(self.copy.execute(query).scalars().all())
        found: set[str] = set()
        for start in range(0, len(among), 500):
            chunk = among[start : start + 500]
            found.update(self.copy.execute(query.where(b.c.key.in_(chunk))).scalars().all())
        return found

    def contact_keys(self) -> set[str]:
        """Every person of the base (read only when the office erased someone since)."""
        b = m.travel_base
        query = select(b.c.key).where(b.c.copy_uuid == self.copy_uuid, b.c.kind == "contact")
        found = set(self.copy.execute(query).scalars().all())
        return found | {key for (kind, key) in self.overlay if kind == "contact"}

    def row_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """Contacts: the id the erasure register names — in the copy as taken, the
        office's own for one that came in at an earlier merge."""
        b = m.travel_base
        wanted = sorted(set(keys))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            query = select(b.c.key, b.c.row_id).where(
                b.c.copy_uuid == self.copy_uuid,
                b.c.kind == "contact",
                b.c.key.in_(wanted[start : start + 500]),
                b.c.row_id.is_not(None),
            )
            found.update({key: row_id for key, row_id in self.copy.execute(query).all()})
        found.update({k: self.office_row_ids[k] for k in wanted if k in self.office_row_ids})
        return found

    def rows(self, kind: str, keys: Iterable[Key]) -> dict[Key, Row | None]:
        t = m.travel_base
        wanted: dict[bool, list[str]] = {True: [], False: []}
        for key in keys:
            text = key_text(key)
            wanted[(kind, text) in self.overlay].append(text)
        found: dict[Key, Row | None] = {}
        for from_office, texts in wanted.items():
            conn = self.office if from_office else self.copy
            for start in range(0, len(texts), 500):
                chunk = texts[start : start + 500]
                query = select(t.c.key, t.c.data).where(
                    t.c.copy_uuid == self.copy_uuid, t.c.kind == kind, t.c.key.in_(chunk)
                )
                for text, data in conn.execute(query).all():
                    found[key_of(text)] = loads(data)
        return found

    def link_diff(self, kind: Kind) -> set[str]:
        """The key texts of a link kind in the copy but not in its base or the other way
        round (the office's overlay is not looked at here). Both lists of key texts are
        read whole and compared here: measured at 30,000 target groups, faster than
        SQLite's ``EXCEPT`` or ``NOT EXISTS``, which sort or probe every row."""
        in_copy = set(self.copy.execute(link_key_query(kind)).scalars().all())
        return in_copy ^ self._base_keys(kind.name)

    def link_keys_naming(self, kind: Kind, part: int, uuids: Iterable[str]) -> set[str]:
        """The base's link keys whose side number ``part`` is one of these UUIDs."""
        b = m.travel_base
        found: set[str] = set()
        for uuid in sorted(set(uuids)):
            query = select(b.c.key).where(
                b.c.copy_uuid == self.copy_uuid,
                b.c.kind == kind.name,
                b.c.key.contains(uuid, autoescape=True),
            )
            found.update(t for t in self.copy.execute(query).scalars().all() if t.split("|")[part] == uuid)
        found.update(t for t in self.link_overlay.get(kind.name, {}) if t.split("|")[part] in uuids)
        return found

    def links_present(self, kind: str, texts: Iterable[str]) -> set[str]:
        """Which of these link keys the base has: as the office keeps them from an
        earlier merge of this copy, else as the copy was taken."""
        overlay = self.link_overlay.get(kind, {})
        wanted = set(texts)
        found = {t for t in wanted if t in overlay and overlay[t] is not None}
        return found | self._base_keys(kind, sorted(wanted - set(overlay)))

    def links(self, kind: str, keys: Iterable[str] | None = None) -> dict[Key, Row]:
        """Link rows of the base: all of a kind, or those with these key texts."""
        b = m.travel_base
        mine = (b.c.copy_uuid == self.copy_uuid, b.c.kind == kind)
        rows: dict[str, Row] = {}
        wanted_texts = None if keys is None else set(keys)
        if wanted_texts is None:
            for text, data in self.copy.execute(select(b.c.key, b.c.data).where(*mine)).all():
                rows[text] = {} if data == "{}" else (loads(data) or {})
        else:
            wanted = sorted(wanted_texts)
            for start in range(0, len(wanted), 500):
                query = select(b.c.key, b.c.data).where(*mine, b.c.key.in_(wanted[start : start + 500]))
                for text, data in self.copy.execute(query).all():
                    rows[text] = {} if data == "{}" else (loads(data) or {})
        for text, row in self.link_overlay.get(kind, {}).items():
            if wanted_texts is not None and text not in wanted_texts:
                continue
            if row is None:
                rows.pop(text, None)
            else:
                rows[text] = row
        return {key_of(text): row for text, row in rows.items()}


def read_base(office: Connection, copy: Connection, copy_uuid: str) -> Base:
    """The base of a copy: what the office keeps of it from earlier merges (the rest is
    read from the copy when asked)."""
    t = m.travel_base
    base = Base(copy_uuid, copy, office, {}, {k.name: {} for k in LINK_KINDS}, {})
    link_names = list(base.link_overlay)
    query = select(t.c.kind, t.c.key, t.c.version, t.c.row_id, t.c.data).where(t.c.copy_uuid == copy_uuid)
    for kind, key, version, row_id, data in office.execute(query).all():
        if kind in link_names:
            base.link_overlay[kind][key] = {} if data == "{}" else loads(data)  # None: gone
            continue
        base.overlay[(kind, key)] = version
        if kind == "contact" and row_id is not None:
            base.office_row_ids[key] = row_id
    return base


def ids_versions(conn: Connection, kind: Kind, uuids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """UUID → (id, version) of these rows (absent ones are missing)."""
    t = kind.table
    wanted = sorted(uuids)
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(wanted), 500):
        query = select(t.c.uuid, t.c.id, t.c.version).where(t.c.uuid.in_(wanted[start : start + 500]))
        found.update({u: (i, v) for u, i, v in conn.execute(query).all()})
    return found
