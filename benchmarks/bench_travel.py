"""The offline copy (issue 14) at 10,000 institutions: review and merge of 500 changes.

    python benchmarks/bench_travel.py [--rebuild] [--changes 500] [--quarter Lirich] [--soak N]

Works on a copy of the synthetic 10k database (benchmarks/synth.py, cached in
benchmarks/out/ as bench_search.py makes it) with a round table, 50 meetings and their
attendance added. Takes a copy the program's way (transfer into a new file, trimmed to
nothing, base written), changes ``--changes`` records on the laptop (edits, new records,
deletions, ticks) and some in the office (a few on the same records: questions), then
times the review (``plan``: only rows whose version moved are read in full) and the
merge (plan again under the write lock, then one write transaction), and, for
comparison, the naive review that reads every row of both databases and the base.

Goals: merge ≤ 2 s, review ≤ 1 s.

``--soak N`` plays N random examples of the property test (tests/travel_scripts.py: a
small office, random edit scripts on both sides, merged and checked) and says how many
passed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import insert, select  # noqa: E402
from synth import build_synthetic  # noqa: E402

from atlas import models as m  # noqa: E402
from atlas.clock import FixedClock  # noqa: E402
from atlas.core import Atlas  # noqa: E402
from atlas.travel import Choices, Scope  # noqa: E402
from atlas.travel.base import read_base  # noqa: E402
from atlas.travel.checkout import copy_info  # noqa: E402
from atlas.travel.merge import decide  # noqa: E402
from atlas.travel.portable import KINDS, read_all  # noqa: E402
from db.engine import make_sessions, to_url  # noqa: E402
from db.migrate import open_database  # noqa: E402
from db.travel import make_copy, open_copy  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
DB = OUT / "synth-10k.sqlite"
DAY = dt.datetime(2026, 11, 16, 10, 0)


def _clock_atlas(path: Path) -> Atlas:
    result = open_database(path, full_check=False)
    return Atlas(make_sessions(result.engine), clock=FixedClock(DAY))


def add_meetings(atlas: Atlas, meetings: int = 50, members: int = 200, quarter: str | None = None) -> None:
    """A round table (in ``quarter``) of ``members`` actors with ``meetings`` past meetings,
    most present."""
    rng = random.Random(7)
    with atlas.sessions.begin() as session:
        conn = session.connection()
        actors = list(conn.execute(select(m.Actor.id).order_by(m.Actor.id).limit(members)).scalars())
        where = (
            conn.execute(select(m.Quarter.id).where(m.Quarter.name == quarter)).scalar() if quarter else None
        )
        made = conn.execute(insert(m.RoundTable.__table__).values(name="RT Groß", quarter_id=where))
        rt = made.inserted_primary_key[0]  # type: ignore[index]
        conn.execute(insert(m.round_table_member), [{"round_table_id": rt, "actor_id": a} for a in actors])
        for k in range(meetings):
            starts = DAY - dt.timedelta(weeks=k + 1)
            mid = conn.execute(
                insert(m.Meeting.__table__).values(
                    title=f"Treffen {k + 1}", kind="runder_tisch", starts_at=starts, round_table_id=rt
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            rows = [
                {"meeting_id": mid, "actor_id": a, "contact_id": None, "meeting_at": starts}
                for a in actors
                if rng.random() < 0.8
            ]
            conn.execute(insert(m.Attendance.__table__), rows)


def ids(atlas: Atlas, model: type[m.Record]) -> list[int]:
    with atlas.sessions() as session:
        return list(session.execute(select(model.id).order_by(model.id)).scalars())


def edit(atlas: Atlas, kind: str, record_id: int, **values: object) -> None:
    service = atlas.records[kind]
    rec = service.get(record_id)
    service.save(record_id, dict(values), expected_version=rec.version, confirm_duplicate=True)


def laptop_changes(lap: Atlas, n: int, rng: random.Random) -> dict[str, int]:
    """``n`` changed records: 50 % edits, 20 % new, 10 % deletions, 20 % ticks."""
    done = {"edit": 0, "new": 0, "delete": 0, "tick": 0}
    institutions = ids(lap, m.Institution)
    offers = ids(lap, m.Offer)
    meetings = ids(lap, m.Meeting)
    members = ids(lap, m.Actor)[200:400]  # not yet at the round table's meetings
    edited = rng.sample(institutions[: len(institutions) // 2], n // 2)
    for i in edited:
        edit(lap, "institution", i, notes=f"Unterwegs notiert {i}")
        done["edit"] += 1
    for k in range(n // 5):
        lap.records["contact"].save(
            None, {"last_name": f"Neu{k}", "first_name": "Nina", "institution_id": rng.choice(institutions)}
        )
        done["new"] += 1
    for o in rng.sample(offers, n // 10):
        lap.records["offer"].delete(o)
        done["delete"] += 1
    for k in range(n - sum(done.values())):
        lap.network.change_attendance(meetings[k % len(meetings)], added=[(members[k % len(members)], None)])
        done["tick"] += 1
    return done


def office_changes(office: Atlas, rng: random.Random, same: int = 20, other: int = 80) -> None:
    institutions = ids(office, m.Institution)
    half = len(institutions) // 2
    for i in rng.sample(institutions[:half], same):  # some of them the laptop's too
        edit(office, "institution", i, notes=f"Im Büro {i}")
    for i in rng.sample(institutions[half:], other):
        edit(office, "institution", i, phone="0208 4711")


def naive_review(office: Atlas, copy_path: Path) -> int:
    """Every row of office, copy and base read in full and compared (no versions)."""
    engine = open_copy(copy_path)
    decisions = 0
    try:
        with office.sessions() as session, engine.connect() as conn:
            o_conn = session.connection()
            info = copy_info(conn)
            assert info is not None
            base = read_base(o_conn, conn, info.uuid)
            for kind in KINDS:
                office_rows = read_all(o_conn, kind)
                copy_rows = read_all(conn, kind)
                if kind.is_link:
                    base_rows = base.links(kind.name)
                else:
                    t = m.travel_base
                    mine = select(t.c.key).where(t.c.copy_uuid == info.uuid, t.c.kind == kind.name)
                    keys = set(office_rows) | set(copy_rows) | {(u,) for u in conn.execute(mine).scalars()}
                    base_rows = base.rows(kind.name, keys)
                for key in set(office_rows) | set(copy_rows) | set(base_rows):
                    d = decide(kind.name, key, base_rows.get(key), office_rows.get(key), copy_rows.get(key))
                    decisions += d.changes_something
    finally:
        engine.dispose()
    return decisions


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    took = time.perf_counter() - start
    print(f"  {label:<58} {took:7.2f} s")
    return result, took


def bench(changes: int, rebuild: bool, quarters: tuple[str, ...] = ()) -> int:
    if rebuild or not DB.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build_synthetic(DB)
        print(f"built {DB.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="atlas-bench-travel-") as folder:
        office_path = Path(folder) / "office.sqlite"
        copy_path = Path(folder) / "unterwegs.sqlite"
        shutil.copyfile(DB, office_path)
        office = _clock_atlas(office_path)
        add_meetings(office, quarter=quarters[0] if quarters else None)
        print(
            f"office: {office.institutions.count()} institutions, {office.offers.count()} offers, "
            f"{office.contacts.count()} contacts, {len(ids(office, m.Meeting))} meetings"
        )
        print("figures:")
        timed(
            "take a copy (transfer, base)",
            make_copy,
            to_url(office_path),
            copy_path,
            lambda engine: office.travel.prepare(engine, Scope(quarters), "Bench"),
        )
        if quarters:
            print(f"  the copy holds the quarter(s) {', '.join(quarters)} and what belongs to them")
        lap = _clock_atlas(copy_path)
        done = laptop_changes(lap, changes, rng)
        lap.sessions.kw["bind"].dispose()
        office_changes(office, rng)
        print(f"  laptop: {done}; office: 100 institutions edited (20 also on the laptop)")

        engine = open_copy(copy_path)
        try:
            plan, review_s = timed("review (plan: rows whose version moved)", office.travel.review, engine)
            asked = len(plan.conflicts)
            counted = sum(sum(v.values()) for v in plan.counts().values())
            print(f"    {counted} changes planned, {asked} questions")
            applied, merge_s = timed("merge (plan again + write, one transaction)", office.travel.merge,
                                     engine, plan, Choices())  # fmt: skip
            print(f"    written: {applied.counts}")
        finally:
            engine.dispose()
        naive_decisions, naive_s = timed("naive review (every row of both + base read)", naive_review, office,
                                         copy_path)  # fmt: skip
        print(f"    naive review found {naive_decisions} changing decisions (after the merge)")
        engine = open_copy(copy_path)
        try:
            _again, again_s = timed("review again (nothing to do)", office.travel.review, engine)
        finally:
            engine.dispose()
        _undone, undo_s = timed("undo of the merge", office.travel.undo, applied.undo)
        office.sessions.kw["bind"].dispose()
    ok = merge_s <= 2.0 and review_s <= 1.0
    print(
        f"goals: review {review_s:.2f} s (≤ 1 s), merge {merge_s:.2f} s (≤ 2 s): "
        f"{'erreicht' if ok else 'VERFEHLT'}; naive review {naive_s:.2f} s, again {again_s:.2f} s, "
        f"undo {undo_s:.2f} s"
    )
    return 0 if ok else 1


def soak(n: int, seed: int) -> int:
    from tests.travel_scripts import random_script, run_example

    rng = random.Random(seed)
    passed = 0
    failures: list[tuple[list[object], list[object], str]] = []
    start = time.perf_counter()
    for _ in range(n):
        office_script, copy_script = random_script(rng), random_script(rng)
        with tempfile.TemporaryDirectory(prefix="atlas-soak-travel-") as folder:
            try:
                run_example(Path(folder), office_script, copy_script)
                passed += 1
            except Exception:
                failures.append((office_script, copy_script, traceback.format_exc(limit=-3)))
        done = len(failures) + passed
        if done % 250 == 0 and done < n:  # a long soak tells how far it is
            print(f"  {passed} of {done} passed, {time.perf_counter() - start:.0f} s", flush=True)
    print(f"soak: {passed} of {n} examples passed in {time.perf_counter() - start:.0f} s (seed {seed})")
    for office_script, copy_script, text in failures[:3]:
        print(f"  office {office_script}\n  copy   {copy_script}\n{text}")
    return 0 if passed == n else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic database again")
    parser.add_argument("--changes", type=int, default=500, help="records changed on the laptop")
    parser.add_argument("--soak", type=int, default=0, metavar="N", help="play N random examples instead")
    parser.add_argument("--seed", type=int, default=1, help="the soak's random seed")
    parser.add_argument(
        "--quarter",
        action="append",
        default=[],
        metavar="NAME",
        help="take only this quarter (as at an event)",
    )
    args = parser.parse_args(argv)
    if args.soak:
        return soak(args.soak, args.seed)
    return bench(args.changes, args.rebuild, tuple(args.quarter))


if __name__ == "__main__":
    raise SystemExit(main())
