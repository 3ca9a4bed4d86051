"""Bringing a copy back: what changed where (``plan``), then one transaction (``apply``).

Three states of every row the copy touched: the base (the copy's ``travel_base`` as
taken, overlaid by the rows the office kept from an earlier merge of the same copy), the
office now, the copy now. A row counts as touched in the copy when its version differs
from the base's (every write path raises the version) or when it is new or gone; only
those rows are read in full, so the review of 500 changes in a 10,000-institution
database reads 500 rows, not 80,000. Link rows (attendance, members, target groups,
agreement sides) are compared as whole sets.

Before the rules of ``merge.decide`` the plan
- matches terms, quarters and round tables made on both sides by name (one record, the
  office's; the copy's references follow it),
- lets erasures win: a person erased in the office since the copy was taken is not
  brought back (references to her become empty, mentions in the copy's texts are
  replaced), a person erased on the laptop is erased in the office too,
- turns a deletion on one side into a question when the other side made or changed
  something that belongs to the record (an offer of a deleted institution, a tick at a
  deleted meeting).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import Table, and_, exists, select
from sqlalchemy.engine import Connection

from atlas import models as m
from atlas.i18n import _
from atlas.privacy import erased_people
from atlas.records import Person
from atlas.text import fold
from atlas.travel.checkout import OUT, CopyInfo, TravelError, copy_info, database_uuid
from atlas.travel.merge import Action, Decision, Side, decide
from atlas.travel.portable import (
    BY_NAME,
    KINDS,
    LINK_KINDS,
    NAMED,
    RECORD_KINDS,
    Key,
    Kind,
    Row,
    key_of,
    key_text,
    loads,
    read_all,
    read_referring,
    read_some,
)

Item = tuple[str, Key]


@dataclass
class Base:
    """The base of one copy. What the copy touched is found by SQLite itself, joining each
    table of the copy with the copy's own ``travel_base`` on the version; the few keys the
    office keeps from an earlier merge of this copy (``overlay``: their base instead) are
    compared here. Rows are read when needed; contacts' versions and ids are held whole
    (the erasures are looked for among every person of the base)."""

    copy_uuid: str
    copy: Connection
    office: Connection
    overlay: dict[tuple[str, str], int]  # (kind, key) → version the office keeps (-1: gone)
    contacts: dict[str, int]  # key → version of every contact of the base
    row_ids: dict[str, int]  # contacts: the id in the copy (the erasure register names it)
    links: dict[str, dict[Key, Row]]
    _keys: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def touched(self, kind: Kind, copy_versions: Mapping[str, int] | None = None) -> set[str]:
        """The UUIDs of a record kind whose row in the copy is not the base's (changed, new
        or gone)."""
        t, b = kind.table, m.travel_base
        mine = and_(b.c.copy_uuid == self.copy_uuid, b.c.kind == kind.name)
        changed = (
            select(t.c.uuid)
            .select_from(t.outerjoin(b, and_(mine, b.c.key == t.c.uuid)))
            .where(b.c.version.is_distinct_from(t.c.version))
        )
        gone = select(b.c.key).where(mine, ~exists().where(t.c.uuid == b.c.key))
        found = set(self.copy.execute(changed).scalars().all()) | set(self.copy.execute(gone).scalars().all())
        mine_overlay = {key: v for (k, key), v in self.overlay.items() if k == kind.name}
        if not mine_overlay:
            return found
        found -= set(mine_overlay)
        if copy_versions is not None:
            now = dict(copy_versions)
        else:
            now = {u: v for u, (_i, v) in _ids_versions(self.copy, kind, mine_overlay).items()}
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
        if kind == "contact":
            return text in self.contacts
        if kind not in self._keys:  # a kind's keys read once (parents of what the copy touched)
            b = m.travel_base
            query = select(b.c.key).where(b.c.copy_uuid == self.copy_uuid, b.c.kind == kind)
            self._keys[kind] = set(self.copy.execute(query).scalars().all())
        return text in self._keys[kind]

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


def read_base(office: Connection, copy: Connection, copy_uuid: str) -> Base:
    t = m.travel_base
    base = Base(copy_uuid, copy, office, {}, {}, {}, {k.name: {} for k in LINK_KINDS})
    link_names = list(base.links)
    for conn, is_office in ((copy, False), (office, True)):  # the office's rows overlay the copy's
        mine = t.c.copy_uuid == copy_uuid
        if is_office:
            query = select(t.c.kind, t.c.key, t.c.version).where(mine, t.c.kind.not_in(link_names))
            for kind, key, version in conn.execute(query).all():
                base.overlay[(kind, key)] = version
                if kind == "contact":
                    base.contacts[key] = version
        else:
            query = select(t.c.key, t.c.version, t.c.row_id).where(mine, t.c.kind == "contact")
            for key, version, row_id in conn.execute(query).all():
                base.contacts[key] = version
                if row_id is not None:
                    base.row_ids[key] = row_id
        if is_office:
            ids = select(t.c.key, t.c.row_id).where(mine, t.c.kind == "contact", t.c.row_id.is_not(None))
            base.row_ids.update({key: row_id for key, row_id in conn.execute(ids).all()})
        links_query = select(t.c.kind, t.c.key, t.c.data).where(mine, t.c.kind.in_(link_names))
        for kind, key, data in conn.execute(links_query).all():
            row = {} if data == "{}" else loads(data)  # most links have no fields of their own
            if row is None:  # the office keeps "gone" for a link the copy took away
                base.links[kind].pop(key_of(key), None)
            else:
                base.links[kind][key_of(key)] = row
    return base


@dataclass
class Plan:
    """What bringing the copy back will do, before anything is written."""

    info: CopyInfo
    decisions: list[Decision]
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # kind → copy uuid → office uuid
    alias_names: list[tuple[str, str]] = field(default_factory=list)  # (kind, name) matched by name
    erased_in_office: set[str] = field(default_factory=set)  # contact uuids
    erased_in_copy: set[str] = field(default_factory=set)
    erased_names: dict[str, Person] = field(default_factory=dict)  # uuid → the person (base), for mentions
    copy_rows: dict[Item, tuple[int, int | None, Row | None]] = field(
        default_factory=dict
    )  # version, id, row
    #: The base as the review read it: the merge reuses it (the copy's base does not change
    #: after the checkout, the office's part only by a merge of the same copy, see ``plan``).
    base: Base | None = field(default=None, repr=False, compare=False)

    @property
    def conflicts(self) -> list[Decision]:
        return [d for d in self.decisions if d.conflicts or d.action is Action.KEEP_OR_DELETE]

    def signature(self) -> list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
        """What the review asked: compared again inside the write transaction."""
        return sorted(
            (d.kind, _order(d)[1], d.action.value, tuple(c.field for c in d.conflicts))
            for d in self.decisions
            if d.changes_something
        )

    def counts(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for d in self.decisions:
            if d.changes_something:
                kind = found.setdefault(d.kind, {})
                kind[d.action.value] = kind.get(d.action.value, 0) + 1
        return found


def _name_key(kind: str, row: Row) -> tuple[str, ...]:
    return tuple(fold(str(row.get(col) or "")).strip() for col in NAMED[kind])


def _rewrite(row: Row | None, kind: Kind, aliases: Mapping[str, Mapping[str, str]]) -> Row | None:
    if row is None or not aliases:
        return row
    out = dict(row)
    for col, target in kind.refs.items():
        if col in out and out[col] in aliases.get(target, {}):
            out[col] = aliases[target][out[col]]
    return out


def _rewrite_key(key: Key, kind: Kind, aliases: Mapping[str, Mapping[str, str]]) -> Key:
    if not aliases:
        return key
    return tuple(
        aliases.get(kind.refs[col], {}).get(part, part) if part is not None else None  # type: ignore[arg-type]
        for col, part in zip(kind.key, key, strict=True)
    )


def plan(office: Connection, copy: Connection, reviewed: Plan | None = None) -> Plan:
    """Compare the copy with its base and the office (see the module's text). Refuses a
    database that is no copy and a copy of another database (``TravelError``).
    ``reviewed``: the review's plan, whose base is read again only if the office merged
    this copy since (the merge's own plan, made inside its transaction)."""
    info = copy_info(copy)
    if info is None:
        raise TravelError(_("Diese Datei ist keine Unterwegs-Kopie."))
    if info.database_uuid != database_uuid(office):
        raise TravelError(
            _(
                "Diese Unterwegs-Kopie stammt aus einer anderen Datenbank. Sie kann nur dorthin "
                "zurückgeführt werden, wo sie mitgenommen wurde; es wurde nichts verändert."
            )
        )
    if copy_info(office) is not None:
        raise TravelError(_("In eine Unterwegs-Kopie kann keine andere Kopie zurückgeführt werden."))
    info = office_record(office, info)
    earlier = reviewed.base if reviewed is not None else None
    if earlier is not None and (reviewed is not None and reviewed.info == info):
        base = replace(earlier, copy=copy, office=office)
    else:
        base = read_base(office, copy, info.uuid)
    result = Plan(info, [], base=base)
    # 1. Record kinds: what the copy touched, read in full from all three.
    rows: dict[str, tuple[dict[Key, Row | None], dict[Key, Row], dict[Key, Row]]] = {}
    copy_ids: dict[str, dict[str, tuple[int, int]]] = {}
    for kind in RECORD_KINDS:
        t = kind.table
        if kind.name == "contact":  # every person's id: the erasures below
            everyone = copy.execute(select(t.c.uuid, t.c.id, t.c.version)).all()
            copy_ids[kind.name] = {u: (i, v) for u, i, v in everyone}
            touched = base.touched(kind, {u: v for u, _i, v in everyone})
        else:
            touched = base.touched(kind)
            copy_ids[kind.name] = _ids_versions(copy, kind, touched)
        keys = [(u,) for u in touched]
        b = base.rows(kind.name, keys)
        c = read_some(copy, kind, touched)
        o = read_some(office, kind, touched)
        rows[kind.name] = (b, o, c)
    # 2. Names matched: a term, quarter or round table new in the copy whose name the office has.
    for kind_name, cols in NAMED.items():
        b, o, c = rows[kind_name]
        new = {key: row for key, row in c.items() if b.get(key) is None and key not in o}
        if not new:
            continue
        t = BY_NAME[kind_name].table
        office_names = {
            tuple(fold(str(v or "")).strip() for v in named): u
            for u, *named in office.execute(select(t.c.uuid, *(t.c[col] for col in cols)))
        }
        for key, row in new.items():
            match = office_names.get(_name_key(kind_name, row))
            if match is not None and match != key[0]:
                result.aliases.setdefault(kind_name, {})[str(key[0])] = match
                result.alias_names.append((kind_name, str(row.get("name"))))
                del c[key]
    # 3. Erasures win: every person of the base gone from the office (not only those the
    #    copy touched: a tick or a link on the laptop would bring an erased person back),
    #    and those gone from the copy — by the register's fingerprints where the base still
    #    has her name, and by the register's ids (the base knows each contact's id in the
    #    copy, the office's own for every contact taken out; a person erased at an earlier
    #    merge has only a stub left in the base, and one renamed before her erasure is
    #    named by her new name in the register).
    contact_b, _contact_o, contact_c = rows["contact"]
    copy_contact_ids = {u: i for u, (i, _v) in copy_ids["contact"].items()}
    row_ids = base.row_ids
    t_contact = BY_NAME["contact"].table
    in_office = set(office.execute(select(t_contact.c.uuid)).scalars().all())
    in_base = base.contacts
    gone_keys = [(u,) for u in in_base if u not in in_office]
    gone_office = {str(k[0]): r for k, r in base.rows("contact", gone_keys).items() if r}
    people = {u: _person(row_ids.get(u) or copy_contact_ids.get(u), r) for u, r in gone_office.items()}
    result.erased_in_office = erased_people(office, people)
    gone_copy = {str(k[0]): r for k, r in contact_b.items() if r and k not in contact_c}
    result.erased_in_copy = erased_people(copy, {u: _person(row_ids.get(u), r) for u, r in gone_copy.items()})
    office_register, copy_register = _register_ids(office), _register_ids(copy)
    result.erased_in_office |= {
        u for u in in_base if u not in in_office and row_ids.get(u) in office_register
    }
    result.erased_in_copy |= {
        u for u in in_base if u not in copy_contact_ids and row_ids.get(u) in copy_register
    }
    result.erased_names = _erased_names(
        copy, info.uuid, result, {**gone_office, **{str(k[0]): r for k, r in contact_b.items() if r}}
    )
    # 4. Decisions per row.
    decisions: dict[Item, Decision] = {}
    for kind in RECORD_KINDS:
        b, o, c = rows[kind.name]
        for key in set(b) | set(c):
            if kind.name == "contact" and str(key[0]) in result.erased_in_office | result.erased_in_copy:
                continue
            copy_row = _rewrite(c.get(key), kind, result.aliases)
            d = decide(kind.name, key, b.get(key), o.get(key), copy_row)
            if d.changes_something:
                decisions[(kind.name, key)] = d
        stubbed = result.erased_in_office | result.erased_in_copy if kind.name == "contact" else set()
        for key, (row_id, version) in (
            (k, copy_ids[kind.name].get(str(k[0]), (None, 0))) for k in set(b) | set(c)
        ):
            kept: Row | None = {} if str(key[0]) in stubbed else _rewrite(c.get(key), kind, result.aliases)
            result.copy_rows[(kind.name, key)] = (version, row_id, kept)  # an erased person: a stub
    # People gone from both sides: their ticks and sides lost the person on both (by the
    # erasure, or the database emptying the link), also when erased at an earlier merge.
    gone = set(in_base) - in_office - set(copy_contact_ids)
    erased = result.erased_in_office | result.erased_in_copy | gone
    for kind in LINK_KINDS:
        b_links = _unnamed(base.links.get(kind.name, {}), kind, erased)
        c_links = _unnamed(
            {
                _rewrite_key(k, kind, result.aliases): _rewrite(r, kind, result.aliases) or {}
                for k, r in read_all(copy, kind).items()
            },
            kind,
            erased,
        )
        moved = {k for k in set(b_links) | set(c_links) if b_links.get(k) != c_links.get(k)}
        if not moved:
            continue
        o_links = _unnamed(read_all(office, kind), kind, erased)
        for key in moved:
            d = decide(kind.name, key, b_links.get(key), o_links.get(key), c_links.get(key))
            if d.changes_something:
                decisions[(kind.name, key)] = d
            result.copy_rows[(kind.name, key)] = (0, None, c_links.get(key))
    _dependents(office, copy, base, rows, decisions, result)
    result.decisions = sorted(decisions.values(), key=_order)
    return result


_ORDER = {k.name: n for n, k in enumerate(KINDS)}


def office_record(office: Connection, info: CopyInfo) -> CopyInfo:
    """The copy as the office knows it: when it was merged back, how often."""
    t = cast(Table, m.TravelCopy.__table__)
    row = office.execute(
        select(t.c.merged_at, t.c.merges).where(t.c.uuid == info.uuid, t.c.role == OUT)
    ).first()
    if row is None:
        return info
    return replace(info, merged_at=row.merged_at, merges=row.merges)


def _register_ids(conn: Connection) -> set[int]:
    t = cast(Table, m.ErasureEntry.__table__)
    return set(conn.execute(select(t.c.record_id).where(t.c.entity == "contact")).scalars())


def _erased_names(
    copy: Connection, copy_uuid: str, result: Plan, last_seen: dict[str, Row]
) -> dict[str, Person]:
    """The erased people by name, to replace their names in the texts the copy brings: as
    the copy's own base knows them (the office's base rows of them are stubs since the
    erasure), else as the copy holds them now, else as last seen."""
    t = m.travel_base
    found: dict[str, Person] = {}
    uuids = result.erased_in_office | result.erased_in_copy
    wanted = sorted(uuids)
    for start in range(0, len(wanted), 500):
        query = select(t.c.key, t.c.data).where(
            t.c.copy_uuid == copy_uuid, t.c.kind == "contact", t.c.key.in_(wanted[start : start + 500])
        )
        for key, data in copy.execute(query):
            row = loads(data)
            if row:
                found[key] = _person(None, row)
    missing = sorted(uuids - set(found))
    if missing:
        now = read_some(copy, BY_NAME["contact"], missing)
        for u in missing:
            row = now.get((u,)) or last_seen.get(u)
            if row:
                found[u] = _person(None, row)
    return found


def _order(d: Decision) -> tuple[int, tuple[str, ...]]:
    """Parents first; within a kind by key (an empty part of a link's key first)."""
    return _ORDER[d.kind], tuple(part or "" for part in d.key)


def _unnamed(links: dict[Key, Row], kind: Kind, erased: set[str]) -> dict[Key, Row]:
    """Link rows as an erasure leaves them: a tick or an agreement side of an erased
    person without the person (on both sides alike, so the erasure is no change)."""
    if not erased:
        return links

    def gone(col: str, uuid: Any) -> bool:
        return kind.refs.get(col) == "contact" and uuid in erased

    return {
        tuple(None if gone(col, part) else part for col, part in zip(kind.key, key, strict=True)): {
            col: None if gone(col, v) else v for col, v in row.items()
        }
        for key, row in links.items()
    }


def _person(contact_id: int | None, row: Row) -> Person:
    return Person(
        contact_id,
        str(row.get("first_name") or "").strip(),
        str(row.get("last_name") or "").strip(),
        str(row.get("email") or "").strip(),
        str(row.get("phone") or "").strip(),
    )


def _dependents(
    office: Connection,
    copy: Connection,
    base: Base,
    rows: dict[str, tuple[dict[Key, Row | None], dict[Key, Row], dict[Key, Row]]],
    decisions: dict[Item, Decision],
    result: Plan,
) -> None:
    """A deletion meets what the other side made for the record: a question instead."""
    known: dict[str, set[str]] = {}

    def present(kind: str) -> set[str]:
        """The office's UUIDs of a kind (read once)."""
        if kind not in known:
            known[kind] = _uuids(office, kind)
        return known[kind]

    # a) Deleted in the copy, but the office made or changed something that belongs to it
    #    (also further down: a row of it that is itself kept, which the delete would take).
    changing = True
    while changing:
        changing = False
        for item, d in list(decisions.items()):
            if d.action is not Action.DELETE or BY_NAME[d.kind].is_link:
                continue
            uuid = str(d.key[0])
            office_id = office.execute(
                select(BY_NAME[d.kind].table.c.id).where(BY_NAME[d.kind].table.c.uuid == uuid)
            ).scalar()
            if office_id is None:
                continue
            if _office_made_children(office, base, d.kind, office_id) or _keeps_children(
                office, d.kind, office_id, decisions
            ):
                decisions[item] = Decision(
                    d.kind,
                    d.key,
                    Action.KEEP_OR_DELETE,
                    deleted_on=Side.COPY,
                    base=d.base,
                    office=d.office,
                    copy=None,
                )
                changing = True
    # b) Deleted in the office, but the copy made or changed something that needs it.
    changing = True
    while changing:
        changing = False
        for d in list(decisions.values()):
            if d.action not in (Action.INSERT, Action.UPDATE, Action.KEEP_OR_DELETE):
                continue
            if d.action is Action.KEEP_OR_DELETE and d.deleted_on is Side.COPY:
                continue
            row = d.copy or {}
            kind = BY_NAME[d.kind]
            refs: dict[str, Any] = dict(zip(kind.key, d.key, strict=True)) if kind.is_link else {}
            refs.update({col: row.get(col) for col in kind.refs if col in row})
            for col, uuid in refs.items():
                target = kind.refs[col]
                if uuid is None or (target == "contact" and uuid in result.erased_in_office):
                    continue
                parent: Item = (target, (uuid,))
                if parent in decisions or not base.has(target, (uuid,)):
                    continue
                b_rows, o_rows, c_rows = rows[target]
                if (uuid,) in o_rows or uuid in present(target):
                    continue
                b = b_rows.get((uuid,)) or base.rows(target, [(uuid,)]).get((uuid,))
                c = c_rows.get((uuid,)) or read_some(copy, BY_NAME[target], [uuid]).get((uuid,))
                if b is None or c is None:
                    continue
                decisions[parent] = Decision(
                    target,
                    (uuid,),
                    Action.KEEP_OR_DELETE,
                    deleted_on=Side.OFFICE,
                    base=b,
                    office=None,
                    copy=c,
                )
                version, row_id = 0, None
                result.copy_rows.setdefault(parent, (version, row_id, c))
                changing = True


def _uuids(conn: Connection, kind: str) -> set[str]:
    t = BY_NAME[kind].table
    return set(conn.execute(select(t.c.uuid)).scalars().all())


def _keeps_children(
    office: Connection, kind_name: str, office_id: int, decisions: dict[Item, Decision]
) -> bool:
    """A row that belongs to this record is a question itself (kept by default)."""
    for child in RECORD_KINDS:
        for col, target in child.refs.items():
            if target != kind_name or child.name == kind_name:
                continue
            for key in read_referring(office, child, col, [office_id]):
                found = decisions.get((child.name, key))
                if found is not None and found.action is Action.KEEP_OR_DELETE:
                    return True
    return False


def _office_made_children(office: Connection, base: Base, kind_name: str, office_id: int) -> bool:
    """The office made or changed a row that belongs to this record since the base."""
    for child in KINDS:
        for col, target in child.refs.items():
            if target != kind_name or (child.name == kind_name):
                continue
            found = read_referring(office, child, col, [office_id])
            if not found:
                continue
            known = base.links.get(child.name, {}) if child.is_link else base.rows(child.name, found)
            if any(known.get(key) != row for key, row in found.items()):
                return True
    return False


def _ids_versions(conn: Connection, kind: Kind, uuids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """UUID → (id, version) of these rows (absent ones are missing)."""
    t = kind.table
    wanted = sorted(uuids)
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(wanted), 500):
        query = select(t.c.uuid, t.c.id, t.c.version).where(t.c.uuid.in_(wanted[start : start + 500]))
        found.update({u: (i, v) for u, i, v in conn.execute(query).all()})
    return found
