"""Random edit scripts for the offline copy's property tests and the soak benchmark.

A small office network (quarters, institutions, offers, contacts, actors, a round
table with meetings and attendance) is built once and copied per example; a script is
a list of steps (create, edit, delete, tick, untick, new term, erase) played through
the program's own services on one side. ``check_merge`` brings the copy back and checks
what issue 14 promises, from the portable rows before and after.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import select

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.text import fold
from atlas.travel import Action, Plan, Scope, Side
from atlas.travel.portable import BY_NAME, KINDS, RECORD_KINDS, Key, Row, read_all
from db.engine import make_sessions, to_url
from db.migrate import open_database
from tests.conftest import TEST_DAY
from tests.test_search import assert_index_current
from tests.travel_support import bring_back, laptop, take

State = dict[str, dict[Key, Row]]

#: Values a script writes; distinct per field so that an erasure's search for a person's
#: name, phone or e-mail never finds a value of another field.
FIELDS: dict[str, dict[str, list[str]]] = {
    "institution": {
        "name": ["Kita Sonne", "Kita Mond", "Stadtteiltreff"],
        "notes": ["Sommerfest", "Ruft zurück", ""],
        "phone": ["0208 111", "0208 222"],
    },
    "offer": {
        "title": ["Sprachkurs", "Elterncafé", "Hausaufgabenhilfe"],
        "schedule": ["montags", "dienstags", ""],
        "cost": ["kostenlos", "5 Euro"],
    },
    "contact": {
        "first_name": ["Anna", "Berta", "Cem"],
        "function": ["Leitung", "Sozialarbeit", ""],
        "notes": ["Beim Fest getroffen", "Urlaub bis Mai", ""],
    },
}
NEW_NAMES = {
    "institution": ["Jugendzentrum", "Bücherei"],
    "offer": ["Nähkurs", "Lauftreff"],
    "contact": ["Ulmen", "Tietz"],
}
TERMS = ["Senioren", "Jugendliche", "Familien"]
KINDS_EDITED = ("institution", "offer", "contact")

steps = st.one_of(
    st.tuples(
        st.just("edit"),
        st.sampled_from(KINDS_EDITED),
        st.integers(0, 7),
        st.integers(0, 2),
        st.integers(0, 2),
    ),
    st.tuples(st.just("create"), st.sampled_from(KINDS_EDITED), st.integers(0, 7), st.integers(0, 1)),
    st.tuples(st.just("delete"), st.sampled_from(KINDS_EDITED), st.integers(0, 7)),
    st.tuples(st.just("tick"), st.integers(0, 1), st.integers(0, 3), st.integers(-1, 4)),
    st.tuples(st.just("untick"), st.integers(0, 1), st.integers(0, 5)),
    st.tuples(st.just("term"), st.integers(0, 2), st.integers(-1, 4)),
    st.tuples(st.just("erase"), st.integers(0, 5)),
)
scripts = st.lists(steps, max_size=8)


# -- the office ------------------------------------------------------------------------
def build_network(atlas: Atlas) -> None:
    records = atlas.records
    q1 = atlas.quarters.save(None, {"name": "Alt-Oberhausen"}).id
    q2 = atlas.quarters.save(None, {"name": "Lirich"}).id
    inst = [
        records["institution"].save(None, {"name": n, "quarter_id": q}, confirm_duplicate=True).id
        for n, q in (("Ärztehaus", q1), ("Jobcenter", q1), ("Familienzentrum", q2), ("Moschee", q2))
    ]
    for title, i in (("Schuldnerberatung", 0), ("Sprechstunde", 1), ("Krabbelgruppe", 2)):
        records["offer"].save(None, {"title": title, "institution_id": inst[i]}, confirm_duplicate=True)
    people = []
    for first, last, i in (
        ("Erika", "Zorn", 0),
        ("Hans", "Wendt", 1),
        ("Ilse", "Xaver", 2),
        ("Olga", "Yilmaz", None),
    ):
        people.append(
            records["contact"]
            .save(None, {"first_name": first, "last_name": last, "institution_id": i if i is None else inst[i]},
                  confirm_duplicate=True)
            .id
        )  # fmt: skip
    actors = [
        records["actor"]
        .save(None, {"name": n, "status": "aktiv", "institution_id": inst[i], "contact_id": people[i]})
        .id
        for n, i in (("Netzwerk Gesundheit", 0), ("Arbeit vor Ort", 1), ("Familien stärken", 2))
    ]
    rt = records["round_table"].save(None, {"name": "RT Lirich", "members": actors}).id
    meetings = [
        records["meeting"]
        .save(None, {"title": t, "kind": "runder_tisch", "starts_at": when, "round_table_id": rt})
        .id
        for t, when in (("Treffen Oktober", "06.10.2026 10:00"), ("Treffen November", "10.11.2026 10:00"))
    ]
    atlas.network.change_attendance(meetings[0], [(actors[0], people[0]), (actors[1], None)])


_TEMPLATE: Path | None = None


def template() -> Path:
    """The office database, built once per process (copied for every example)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        folder = Path(tempfile.mkdtemp(prefix="atlas-travel-template-"))
        path = folder / "office.sqlite"
        result = open_database(path)
        build_network(Atlas(make_sessions(result.engine), clock=FixedClock(TEST_DAY)))
        result.engine.dispose()
        _TEMPLATE = path
    return _TEMPLATE


def take_quickly(office: Atlas, office_path: Path, target: Path) -> None:
    """``take`` without the transfer into a new file (its schema built by the migrations
    takes a second): the office's file copied as it is (ids, versions, UUIDs kept, as the
    transfer keeps them), then made a copy by the same ``prepare``."""
    shutil.copyfile(office_path, target)
    opened = open_database(target)
    try:
        office.travel.prepare(opened.engine, Scope(), "Test")
    finally:
        opened.engine.dispose()


@contextmanager
def office_at(path: Path) -> Iterator[Atlas]:
    result = open_database(path)
    try:
        yield Atlas(make_sessions(result.engine), clock=FixedClock(TEST_DAY))
    finally:
        result.engine.dispose()


# -- playing a script ----------------------------------------------------------------------
@dataclass
class Played:
    erased: set[str] = field(default_factory=set)  # contact uuids
    terms: set[str] = field(default_factory=set)  # names added
    skipped: int = 0


def _ids(atlas: Atlas, table: str) -> list[int]:
    t = m.Base.metadata.tables[table]
    with atlas.sessions() as session:
        return list(session.execute(select(t.c.id).order_by(t.c.id)).scalars())


def _uuid(atlas: Atlas, table: str, row_id: int) -> str:
    t = m.Base.metadata.tables[table]
    with atlas.sessions() as session:
        return str(session.execute(select(t.c.uuid).where(t.c.id == row_id)).scalar_one())


def _pick(ids: list[int], n: int) -> int | None:
    return ids[n % len(ids)] if ids else None


def play(atlas: Atlas, script: list[tuple[Any, ...]]) -> Played:
    """Play the steps through the services; a step the program refuses (a validation,
    nothing left to pick) is skipped, as a person would."""
    played = Played()
    for step in script:
        try:
            _step(atlas, step, played)
        except AtlasError:
            played.skipped += 1
    return played


def _step(atlas: Atlas, step: tuple[Any, ...], played: Played) -> None:
    what = step[0]
    if what == "edit":
        _what, kind, n, f, v = step
        row_id = _pick(_ids(atlas, kind), n)
        if row_id is None:
            return
        name = list(FIELDS[kind])[f]
        service = atlas.records[kind]
        rec = service.get(row_id)
        service.save(
            row_id, {**rec.values, name: FIELDS[kind][name][v % len(FIELDS[kind][name])]}, expected_version=rec.version,
            confirm_duplicate=True,
        )  # fmt: skip
    elif what == "create":
        _what, kind, n, v = step
        name = NEW_NAMES[kind][v]
        if kind == "institution":
            values: dict[str, Any] = {"name": name}
        elif kind == "offer":
            parent = _pick(_ids(atlas, "institution"), n)
            if parent is None:
                return
            values = {"title": name, "institution_id": parent}
        else:
            values = {"last_name": name, "institution_id": _pick(_ids(atlas, "institution"), n)}
        atlas.records[kind].save(None, values, confirm_duplicate=True)
    elif what == "delete":
        _what, kind, n = step
        row_id = _pick(_ids(atlas, kind), n)
        if row_id is not None:
            atlas.records[kind].delete(row_id)
    elif what == "tick":
        _what, mt, a, c = step
        meeting = _ids(atlas, "meeting")[mt % 2] if _ids(atlas, "meeting") else None
        actor = _pick(_ids(atlas, "actor"), a)
        contact = None if c < 0 else _pick(_ids(atlas, "contact"), c)
        if meeting is None or (actor is None and contact is None):
            return
        atlas.network.change_attendance(meeting, added=[(actor, contact)])
    elif what == "untick":
        _what, mt, n = step
        meetings = _ids(atlas, "meeting")
        if not meetings:
            return
        meeting = meetings[mt % len(meetings)]
        t = m.Attendance
        with atlas.sessions() as session:
            pairs = session.execute(
                select(t.actor_id, t.contact_id).where(t.meeting_id == meeting).order_by(t.id)
            ).all()
        if pairs:
            atlas.network.change_attendance(meeting, removed=[tuple(pairs[n % len(pairs)])])
    elif what == "term":
        _what, v, o = step
        name = TERMS[v]
        terms = {t.name: t.id for t in atlas.taxonomy.terms(m.Vocabulary.TARGET_GROUP)}
        term = terms.get(name)
        if term is None:
            term = atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, None, name)
            played.terms.add(name)
        offer = None if o < 0 else _pick(_ids(atlas, "offer"), o)
        if offer is not None:
            rec = atlas.offers.get(offer)
            groups = list(rec.values.get("target_groups") or [])
            if term not in groups:
                atlas.offers.save(offer, {**rec.values, "target_groups": [*groups, term]},
                                  expected_version=rec.version)  # fmt: skip
    elif what == "erase":
        contact = _pick(_ids(atlas, "contact"), step[1])
        if contact is not None:
            uuid = _uuid(atlas, "contact", contact)
            atlas.privacy.erase(contact)
            played.erased.add(uuid)


# -- reading and checking ----------------------------------------------------------------
def state(atlas: Atlas) -> State:
    with atlas.sessions() as session:
        conn = session.connection()
        return {k.name: read_all(conn, k) for k in KINDS}


def counts(atlas: Atlas) -> dict[str, int]:
    with atlas.sessions() as session:
        conn = session.connection()
        return {k.name: conn.execute(select(k.table).with_only_columns(k.table.c[k.key[0]])).all().__len__()
                for k in KINDS}  # fmt: skip


def raw_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every travelling table's rows as stored, byte for byte."""
    with sqlite3.connect(path) as conn:
        return {k.name: sorted(conn.execute(f'SELECT * FROM "{k.name}"').fetchall(), key=repr) for k in KINDS}


def _aliased(copy: State, plan: Plan) -> State:
    """The copy's rows with references to terms, quarters, round tables matched by name
    written as the office's."""
    aliases = plan.aliases
    out: State = {}
    for kind in KINDS:
        rows: dict[Key, Row] = {}
        for key, row in copy[kind.name].items():
            if not kind.is_link and str(key[0]) in aliases.get(kind.name, {}):
                continue
            new_row = {
                c: aliases.get(kind.refs[c], {}).get(v, v) if c in kind.refs and v is not None else v
                for c, v in row.items()
            }
            new_key = (
                tuple(
                    aliases.get(kind.refs[c], {}).get(p, p) if p is not None else None  # type: ignore[arg-type]
                    for c, p in zip(kind.key, key, strict=True)
                )
                if kind.is_link
                else key
            )
            rows[new_key] = new_row
        out[kind.name] = rows
    return out


@dataclass
class Example:
    base: State
    office: State
    copy: State
    merged: State
    plan: Plan
    erased: set[str]


def check_properties(ex: Example, merged_counts: dict[str, int]) -> None:
    base, office, plan, merged = ex.base, ex.office, ex.plan, ex.merged
    copy = _aliased(ex.copy, plan)
    erased = ex.erased
    assert plan.erased_in_office | plan.erased_in_copy <= erased
    # An erased person (either side) is not in the office after the merge.
    assert not {(u,) for u in erased} & set(merged["contact"])
    # No row doubled: as many rows as distinct keys (UUIDs); a term made on both sides once.
    for kind in RECORD_KINDS:
        assert merged_counts[kind.name] == len(merged[kind.name]), kind.name
    names = [(r["vocabulary"], fold(r["name"])) for r in merged["term"].values()]
    assert len(names) == len(set(names))
    keep_or_delete = {(d.kind, d.key): d for d in plan.decisions if d.action is Action.KEEP_OR_DELETE}
    reported = {
        (d.kind, d.key, c.field) for d in plan.decisions for c in d.conflicts if not BY_NAME[d.kind].is_link
    }
    expected_conflicts = set()
    for kind in RECORD_KINDS:
        k = kind.name
        b, o, c, after = base[k], office[k], copy[k], merged[k]
        for key in set(o) | set(c):
            if k == "contact" and str(key[0]) in erased:
                continue
            if key in o and key in c and key in b:
                # Every field changed on one side only has that value; changed differently: a
                # question, answered with the copy's value by default.
                assert key in after, (k, key)
                for name in o[key]:
                    bv, ov, cv = b[key].get(name), o[key][name], c[key].get(name)
                    want = ov if cv == bv else cv
                    if ov != bv and cv != bv and ov != cv:
                        expected_conflicts.add((k, key, name))
                    target = kind.refs.get(name)
                    if target and bv is not None and None in (ov, cv) and (bv,) in merged[target]:
                        # A link the database emptied when one side deleted what it points
                        # to (SET NULL), while the merge kept that: either is right.
                        assert after[key][name] in (ov, cv), (k, key, name, bv, ov, cv)
                        continue
                    if not (erased and isinstance(want, str)):  # an erasure replaces mentions
                        assert after[key][name] == want, (k, key, name, bv, ov, cv, after[key][name])
            elif key in c and key not in b:
                assert key in after, ("new in the copy, lost", k, key)
            elif key in o and key not in b:
                assert key in after, ("new in the office, lost", k, key)
            elif key in b and key in c and key not in o:
                changed = c[key] != b[key]
                if changed:
                    assert (k, key) in keep_or_delete and keep_or_delete[(k, key)].deleted_on is Side.OFFICE
                    assert key in after, ("changed on the laptop, deleted in the office: kept", k, key)
                elif (k, key) not in keep_or_delete:
                    assert key not in after, ("deleted in the office, back again", k, key)
            elif key in b and key in o and key not in c:
                changed = o[key] != b[key]
                if changed:
                    assert (k, key) in keep_or_delete and keep_or_delete[(k, key)].deleted_on is Side.COPY
                if changed or (k, key) in keep_or_delete:
                    assert key in after, ("kept by default", k, key)
        # Nothing invented.
        assert set(after) <= set(o) | set(c), (k, set(after) - set(o) - set(c))
    assert reported == expected_conflicts, reported ^ expected_conflicts
    for k, key in keep_or_delete:
        assert base[k].get(key) is not None, ("a question about a row new on one side", k, key)
    # Attendance ticked on the laptop (or in the office) is there, if its people are.
    # (compared as the erasures leave them: a tick of an erased person has no person; so
    # does a tick of a person deleted on both sides — the database emptied it on each, and
    # that is no new tick: the soak found an office's untick of such a tick kept rightly)
    gone = {u for (u,) in base["contact"] if (u,) not in office["contact"] and (u,) not in copy["contact"]}
    plain_base, plain_office, plain_copy = (without_erased(s, erased | gone) for s in (base, office, copy))
    for side in (plain_copy, plain_office):
        for key in set(side["attendance"]) - set(plain_base["attendance"]):
            meeting, actor, contact = key
            present = (
                (meeting,) in merged["meeting"]
                and (actor is None or (actor,) in merged["actor"])
                and (contact is None or (contact,) in merged["contact"])
            )
            if present:
                assert key in merged["attendance"], ("tick lost", key)


def without_erased(s: State, erased: set[str]) -> State:
    """Rows as they are regardless of erasures: the erased people gone, references to
    them empty (what an erasure does to the rows that named them)."""
    out: State = {}
    for kind in KINDS:
        rows = {}
        for key, row in s[kind.name].items():
            if kind.name == "contact" and str(key[0]) in erased:
                continue
            key = tuple(None if p in erased else p for p in key)
            rows[key] = {c: None if c in kind.refs and v in erased else v for c, v in row.items()}
        out[kind.name] = rows
    return out


def run_example(
    folder: Path, office_script: list[Any], copy_script: list[Any], quick: bool = True
) -> Example:
    """One example, in ``folder``: the office copied from the template, a copy taken, both
    scripts played, the copy brought back (checked), again (nothing), and undone."""
    office_path = folder / "office.sqlite"
    copy_path = folder / "unterwegs.sqlite"
    shutil.copyfile(template(), office_path)
    with office_at(office_path) as office:
        base = state(office)
        if quick:
            take_quickly(office, office_path, copy_path)
        else:
            take(office, to_url(office_path), copy_path)
        played_office = play(office, office_script)
        with laptop(copy_path) as lap:
            played_copy = play(lap, copy_script)
            copy_now = state(lap)
        office_now = state(office)
        plan, applied = bring_back(office, copy_path)
        merged = state(office)
        assert_index_current(office)  # the merge reindexed what it changed, and what shows it
        ex = Example(base, office_now, copy_now, merged, plan, played_office.erased | played_copy.erased)
        check_properties(ex, counts(office))
        # The same copy again changes nothing.
        raw = raw_rows(office_path)
        again, applied_again = bring_back(office, copy_path)
        assert not [d for d in again.decisions if d.changes_something], again.decisions
        assert applied_again.total == 0
        assert raw_rows(office_path) == raw
        # Undo: the office as before the merge (erasures excepted).
        office.travel.undo(applied.undo)
        assert_index_current(office)
        undone = state(office)
        assert without_erased(undone, plan.erased_in_copy) == without_erased(office_now, plan.erased_in_copy)
        return ex


def random_script(rng: random.Random, max_steps: int = 8) -> list[tuple[Any, ...]]:
    """A script as ``scripts`` draws it, from a plain random generator (the soak run)."""
    out: list[tuple[Any, ...]] = []
    for _ in range(rng.randint(0, max_steps)):
        what = rng.choice(["edit", "create", "delete", "tick", "untick", "term", "erase"])
        kind = rng.choice(KINDS_EDITED)
        if what == "edit":
            out.append((what, kind, rng.randint(0, 7), rng.randint(0, 2), rng.randint(0, 2)))
        elif what == "create":
            out.append((what, kind, rng.randint(0, 7), rng.randint(0, 1)))
        elif what == "delete":
            out.append((what, kind, rng.randint(0, 7)))
        elif what == "tick":
            out.append((what, rng.randint(0, 1), rng.randint(0, 3), rng.randint(-1, 4)))
        elif what == "untick":
            out.append((what, rng.randint(0, 1), rng.randint(0, 5)))
        elif what == "term":
            out.append((what, rng.randint(0, 2), rng.randint(-1, 4)))
        else:
            out.append((what, rng.randint(0, 5)))
    return out
