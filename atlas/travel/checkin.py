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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from atlas import models as m
from atlas.i18n import _
from atlas.privacy import erased_people
from atlas.records import Person
from atlas.text import fold
from atlas.travel.base import Base, ids_versions, read_base
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
    ids_of,
    key_of,
    key_text,
    link_texts_where,
    loads,
    read_all,
    read_links,
    read_referring,
    read_some,
)

Item = tuple[str, Key]


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
        touched = base.touched(kind)
        copy_ids[kind.name] = ids_versions(copy, kind, touched)
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
    #    named by her new name in the register). The people gone from the copy are among
    #    those it touched; the office is searched only when its register has an erasure
    #    since the copy was taken (an erasure before it left the person out of the copy).
    contact_b, _contact_o, contact_c = rows["contact"]
    contact = BY_NAME["contact"]
    gone_then = [key for (kind_name, key), v in base.overlay.items() if kind_name == "contact" and v == -1]
    still_there = ids_versions(copy, contact, gone_then)
    gone_from_copy = {str(k[0]) for k in contact_b if k not in contact_c} | (
        set(gone_then) - set(still_there)
    )
    office_register, copy_register = _register_ids(office), _register_ids(copy)
    gone_from_office: set[str] = set()
    if _erased_since(office, info):
        in_office = _uuids(office, "contact")
        gone_from_office = {u for u in base.contact_keys() if u not in in_office}
    else:
        present = ids_of(office, contact, gone_from_copy)
        gone_from_office = {u for u in gone_from_copy if u not in present}
    row_ids = base.row_ids(gone_from_copy | gone_from_office)
    copy_contact_ids = {u: i for u, (i, _v) in copy_ids["contact"].items()}
    gone_keys = [(u,) for u in gone_from_office]
    gone_office = {str(k[0]): r for k, r in base.rows("contact", gone_keys).items() if r}
    people = {u: _person(row_ids.get(u) or copy_contact_ids.get(u), r) for u, r in gone_office.items()}
    result.erased_in_office = erased_people(office, people)
    gone_copy = {str(k[0]): r for k, r in contact_b.items() if r and k not in contact_c}
    result.erased_in_copy = erased_people(copy, {u: _person(row_ids.get(u), r) for u, r in gone_copy.items()})
    result.erased_in_office |= {u for u in gone_from_office if row_ids.get(u) in office_register}
    result.erased_in_copy |= {u for u in gone_from_copy if row_ids.get(u) in copy_register}
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
    erased = result.erased_in_office | result.erased_in_copy | (gone_from_copy & gone_from_office)
    for kind in LINK_KINDS:
        b_raw, c_raw = _changed_links(base, copy, kind, erased)
        b_links = _unnamed(b_raw, kind, erased)
        c_links = _unnamed(
            {
                _rewrite_key(k, kind, result.aliases): _rewrite(r, kind, result.aliases) or {}
                for k, r in c_raw.items()
            },
            kind,
            erased,
        )
        moved = {k for k in set(b_links) | set(c_links) if b_links.get(k) != c_links.get(k)}
        if not moved:
            continue
        o_links = {
            k: r for k, r in _unnamed(read_links(office, kind, moved), kind, erased).items() if k in moved
        }
        for key in moved:
            d = decide(kind.name, key, b_links.get(key), o_links.get(key), c_links.get(key))
            if d.changes_something:
                decisions[(kind.name, key)] = d
            result.copy_rows[(kind.name, key)] = (0, None, c_links.get(key))
        # The office keeps the copy's state of every key behind a moved one: a tick of a
        # person erased since is compared by the key she leaves, but the next merge
        # reads the copy's base by the key as taken.
        for raw in set(b_raw) | set(c_raw):
            if raw not in moved and _unnamed_key(raw, kind, erased) in moved and not kind.fields:
                result.copy_rows.setdefault((kind.name, raw), (0, None, {} if raw in c_raw else None))
    _dependents(office, copy, base, rows, decisions, result)
    result.decisions = sorted(decisions.values(), key=_order)
    return result


_ORDER = {k.name: n for n, k in enumerate(KINDS)}


def _changed_links(
    base: Base, copy: Connection, kind: Kind, erased: set[str]
) -> tuple[dict[Key, Row], dict[Key, Row]]:
    """The link rows of a kind that may differ between base and copy, from each side.

    A link without fields of its own (target group, member, tick) is its key: SQLite
    compares the copy's keys with its base's as text (``EXCEPT``), the keys the office
    keeps from an earlier merge are looked at one by one, and only those become rows. A
    person erased or gone on both sides leaves her ticks without her (``_unnamed``): every
    key that names such a person is a candidate too, with the key it becomes, so the
    comparison after the unnaming sees all of a key's origins. Agreement sides (a person
    and a role beside the key) are few and compared whole."""
    if kind.fields:
        return base.links(kind.name), read_all(copy, kind)
    candidates = base.link_diff(kind) | set(base.link_overlay.get(kind.name, {}))
    person_parts = [n for n, col in enumerate(kind.key) if kind.refs[col] == "contact"]
    if erased and person_parts:
        naming: set[str] = set()
        for part in person_parts:
            naming |= base.link_keys_naming(kind, part, erased) | link_texts_where(copy, kind, part, erased)
        candidates |= naming | {key_text(_unnamed_key(key_of(t), kind, erased)) for t in naming}
    in_base = base.links_present(kind.name, candidates)
    in_copy = link_texts_where(copy, kind, 0, {t.split("|")[0] for t in candidates}) & candidates
    return {key_of(t): {} for t in in_base}, {key_of(t): {} for t in in_copy}


def _erased_since(office: Connection, info: CopyInfo) -> bool:
    """The office erased someone on or after the day the copy was taken."""
    t = cast(Table, m.ErasureEntry.__table__)
    query = select(t.c.id).where(t.c.entity == "contact", t.c.erased_on >= info.taken_at.date()).limit(1)
    return office.execute(query).first() is not None


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


def _unnamed_key(key: Key, kind: Kind, erased: set[str]) -> Key:
    """A link's key without the erased people in it."""
    if not erased:
        return key
    return tuple(
        None if part in erased and kind.refs.get(col) == "contact" else part
        for col, part in zip(kind.key, key, strict=True)
    )


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
    known: dict[str, dict[str, bool]] = {}

    def present(kind: str, uuids: set[str]) -> None:
        """Whether the office has these rows of a kind (asked once each)."""
        seen = known.setdefault(kind, {})
        wanted = {u for u in uuids if u not in seen}
        if wanted:
            found = ids_of(office, BY_NAME[kind], wanted)
            seen.update({u: u in found for u in wanted})

    # a) Deleted in the copy, but the office made or changed something that belongs to it
    #    (also further down: a row of it that is itself kept, which the delete would take).
    deleting: dict[str, set[str]] = {}
    for d in decisions.values():
        if d.action is Action.DELETE and not BY_NAME[d.kind].is_link:
            deleting.setdefault(d.kind, set()).add(str(d.key[0]))
    found = {kind: _office_children(office, base, kind, uuids) for kind, uuids in deleting.items()}
    changing = True
    while changing:
        changing = False
        for item, d in list(decisions.items()):
            if d.action is not Action.DELETE or BY_NAME[d.kind].is_link:
                continue
            made, children = found[d.kind]
            uuid = str(d.key[0])
            kept = (decisions.get(child) for child in children.get(uuid, ()))
            if uuid in made or any(c is not None and c.action is Action.KEEP_OR_DELETE for c in kept):
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
    def parents(d: Decision) -> Iterator[tuple[str, str]]:
        """The records the copy's row points to that the base had and the office may have
        deleted (the office is asked below, all of a round at once)."""
        if d.action not in (Action.INSERT, Action.UPDATE, Action.KEEP_OR_DELETE):
            return
        if d.action is Action.KEEP_OR_DELETE and d.deleted_on is Side.COPY:
            return
        row = d.copy or {}
        kind = BY_NAME[d.kind]
        refs: dict[str, Any] = dict(zip(kind.key, d.key, strict=True)) if kind.is_link else {}
        refs.update({col: row.get(col) for col in kind.refs if col in row})
        for col, uuid in refs.items():
            target = kind.refs[col]
            if uuid is None or (target == "contact" and uuid in result.erased_in_office):
                continue
            if (target, (uuid,)) in decisions or not base.has(target, (uuid,)):
                continue
            if (uuid,) not in rows[target][1]:
                yield target, uuid

    changing = True
    while changing:
        changing = False
        pending = [(target, uuid) for d in list(decisions.values()) for target, uuid in parents(d)]
        for target in {t for t, _u in pending}:
            present(target, {u for t, u in pending if t == target})
        for target, uuid in pending:
            parent: Item = (target, (uuid,))
            if parent in decisions or known[target][uuid]:
                continue
            b_rows, _o_rows, c_rows = rows[target]
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


def _office_children(
    office: Connection, base: Base, kind_name: str, uuids: set[str]
) -> tuple[set[str], dict[str, list[Item]]]:
    """For these records of a kind deleted on the laptop: those with a row belonging to
    them that the office made or changed since the base, and each one's rows of other
    record kinds (a delete turned into a question makes its parent's delete one too).
    One query per kind of child for all of them."""
    ids = ids_of(office, BY_NAME[kind_name], uuids)
    made: set[str] = set()
    children: dict[str, list[Item]] = {}
    if not ids:
        return made, children
    for child in KINDS:
        for col, target in child.refs.items():
            if target != kind_name or child.name == kind_name:
                continue
            rows = read_referring(office, child, col, sorted(ids.values()))
            if not rows:
                continue
            if child.is_link:
                known: Mapping[Key, Row | None] = base.links(child.name, [key_text(k) for k in rows])
            else:
                known = base.rows(child.name, rows)
            side = child.key.index(col) if col in child.key else None
            for key, row in rows.items():
                parent = str(key[side] if side is not None else row.get(col))
                if known.get(key) != row:
                    made.add(parent)
                if not child.is_link:
                    children.setdefault(parent, []).append((child.name, key))
    return made, children
