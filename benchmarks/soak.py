"""Soak: kill -9 during saves, imports and exports, then check nothing committed is lost.

Each cycle starts a child process on the same database file. The child saves records
(create and update through the form's service), imports a small list (one transaction
through ``atlas.io.importing``), ticks attendance and exports a list (atomic file write),
in a loop; after every commit it appends one line to a log and flushes it with fsync
("committed: …"). The parent kills the child with SIGKILL after a random time, then
opens the database as the program does (``db.migrate.open_database``: a hot journal is
rolled back), runs ``PRAGMA integrity_check`` and checks every logged write:

- lost: a write the child had seen committed is missing or has an older value;
- corrupt: integrity_check is not "ok" or the file does not open;
- export leftovers: a half-written export file or a temporary file under the final name.

    python benchmarks/soak.py [--cycles 30] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _log(log: Path, entry: dict[str, object]) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())


def child(db: Path, log: Path, cycle: int, workdir: Path) -> None:
    """Write in a loop until killed; log each write after its commit returned."""
    from atlas.core import Atlas
    from atlas.errors import AtlasError
    from atlas.io import exporting, importing
    from db.engine import make_sessions
    from db.migrate import open_database

    result = open_database(db)
    atlas = Atlas(make_sessions(result.engine))
    rng = random.Random(cycle)
    n = 0
    while True:
        n += 1
        what = rng.choice(("save", "save", "update", "import", "export", "attendance"))
        try:
            if what == "save":
                name = f"Soak {cycle}-{n}"
                saved = atlas.institutions.save(
                    None, {"name": name, "postcode": "46045"}, confirm_duplicate=True
                )
                _log(log, {"op": "save", "id": saved.id, "name": name})
            elif what == "update":
                ids = atlas.institutions.list_ids()
                if ids:
                    target = rng.choice(ids)
                    record = atlas.institutions.get(target)
                    phone = f"0208 {cycle:03d}{n:05d}"
                    atlas.institutions.save(target, {"phone": phone}, expected_version=record.version)
                    _log(log, {"op": "update", "id": target, "phone": phone})
            elif what == "import":
                source = workdir / f"liste-{cycle}-{n}.csv"
                names = [f"Import {cycle}-{n}-{k}" for k in range(40)]
                with source.open("w", encoding="utf-8", newline="") as out:
                    writer = csv.writer(out, delimiter=";")
                    writer.writerow(["Einrichtung", "PLZ"])
                    writer.writerows([name, f"{46000 + k:05d}"] for k, name in enumerate(names))
                table = importing.read_table(source)
                plan = importing.prepare(
                    atlas, "institution", table, importing.suggest_mapping("institution", table.headers)
                )
                done = importing.apply(atlas, plan, default_choice="import")
                _log(log, {"op": "import", "ids": list(done.created_ids), "names": names})
            elif what == "export":
                target_file = workdir / "export.csv"
                ids = atlas.institutions.list_ids()
                exporting.export(atlas, "institution", ids, target_file)
                _log(log, {"op": "export", "rows": len(ids)})
            elif what == "attendance":
                meeting_id = _meeting(atlas)
                actors = atlas.actors.list_ids()
                if actors:
                    pair = (rng.choice(actors), None)
                    atlas.network.change_attendance(meeting_id, added=[pair])
                    _log(log, {"op": "attendance", "meeting": meeting_id, "actor": pair[0]})
        except AtlasError as err:  # a refusal is fine (busy, conflict); it is not a write
            _log(log, {"op": "refused", "what": what, "message": str(err)})


def _meeting(atlas: object) -> int:
    from atlas.core import Atlas

    assert isinstance(atlas, Atlas)
    meetings = atlas.records["meeting"].list_ids()
    if meetings:
        return meetings[0]
    rt = atlas.records["round_table"].save(None, {"name": "Runder Tisch Soak"})
    return (
        atlas.records["meeting"]
        .save(
            None,
            {
                "title": "Soak",
                "kind": "runder_tisch",
                "round_table_id": rt.id,
                "starts_at": "01.01.2020 10:00",
            },
        )
        .id
    )


def seed(db: Path) -> None:
    from atlas.core import Atlas
    from db.engine import make_sessions
    from db.migrate import open_database

    result = open_database(db)
    atlas = Atlas(make_sessions(result.engine))
    for k in range(20):
        inst = atlas.institutions.save(None, {"name": f"Einrichtung {k}", "postcode": "46045"})
        atlas.actors.save(None, {"name": f"Akteur {k}", "status": "aktiv", "institution_id": inst.id})
    _meeting(atlas)
    result.engine.dispose()


def verify(db: Path, log: Path, workdir: Path) -> dict[str, int]:
    """Open as the program does, then check integrity and every logged write."""
    from db.migrate import open_database

    counts = {"writes": 0, "lost": 0, "corrupt": 0, "export_broken": 0, "refused": 0}
    try:
        result = open_database(db)
        result.engine.dispose()
    except Exception as err:
        print(f"  Öffnen fehlgeschlagen: {err}", file=sys.stderr)
        counts["corrupt"] += 1
        return counts
    conn = sqlite3.connect(db)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            counts["corrupt"] += 1
        names = dict(conn.execute("SELECT id, name FROM institution").fetchall())
        phones = dict(conn.execute("SELECT id, phone FROM institution").fetchall())
        present = set(conn.execute("SELECT meeting_id, actor_id FROM attendance").fetchall())
    finally:
        conn.close()
    latest_phone: dict[int, str] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        op = entry["op"]
        if op == "refused":
            counts["refused"] += 1
            continue
        counts["writes"] += 1
        if op == "save" and names.get(entry["id"]) != entry["name"]:
            counts["lost"] += 1
        elif op == "update":
            latest_phone[entry["id"]] = entry["phone"]
        elif (op == "import" and any(names.get(i) is None for i in entry["ids"])) or (
            op == "attendance" and (entry["meeting"], entry["actor"]) not in present
        ):
            counts["lost"] += 1
    counts["lost"] += sum(1 for i, phone in latest_phone.items() if phones.get(i) != phone)
    export = workdir / "export.csv"
    if export.exists():
        text = export.read_bytes()
        if not text.endswith(b"\n"):
            counts["export_broken"] += 1
    return counts


def _intact(db: Path) -> bool:
    """Open as the next start of the program does (``open_database`` rolls back a hot
    journal, keeping a copy first), then ``PRAGMA integrity_check``."""
    from db.migrate import open_database

    try:
        open_database(db).engine.dispose()
        conn = sqlite3.connect(db, timeout=10)
        try:
            return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
        finally:
            conn.close()
    except Exception as err:
        print(f"  Öffnen fehlgeschlagen: {err}", file=sys.stderr)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-ms", type=int, default=1200)
    parser.add_argument("--max-ms", type=int, default=4000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", nargs=3, metavar=("DB", "LOG", "CYCLE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        db, log, cycle = args.child
        child(Path(db), Path(log), int(cycle), Path(db).parent)
        return 0
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="atlas-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db, log = workdir / "soak.sqlite", workdir / "committed.log"
    for old in (db, log):
        old.unlink(missing_ok=True)
    seed(db)
    rng = random.Random(args.seed)
    totals = {"cycles": 0, "kills": 0, "writes": 0, "lost": 0, "corrupt": 0, "export_broken": 0, "refused": 0}
    started = time.perf_counter()
    for cycle in range(args.cycles):
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", str(db), str(log), str(cycle)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(args.min_ms, args.max_ms) / 1000)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            totals["kills"] += 1
        _out, err = proc.communicate()
        if proc.returncode not in (0, -signal.SIGKILL):
            print(
                f"  Zyklus {cycle}: Kindprozess endete mit {proc.returncode}: {err.decode()[-400:]}",
                file=sys.stderr,
            )
        totals["cycles"] += 1
        if not _intact(db):  # as the next start finds it (a hot journal is rolled back)
            totals["corrupt"] += 1
            print(f"  Zyklus {cycle}: integrity_check nicht ok", file=sys.stderr)
    counts = verify(db, log, workdir)
    for key, value in counts.items():
        totals[key] += value
    totals["seconds"] = round(time.perf_counter() - started)
    # a killed export leaves its temporary file (".export.csv.….tmp"); the final file is whole
    leftovers = [p.name for p in workdir.iterdir() if p.name.endswith(".tmp")]
    totals["tmp_files_left"] = len(leftovers)
    # copies kept by the recovery of an interrupted write (db.migrate), one per hot journal
    totals["recovery_copies"] = len([p for p in workdir.iterdir() if ".vor-wiederherstellung-" in p.name])
    print(json.dumps(totals, ensure_ascii=False))
    return 1 if totals["lost"] or totals["corrupt"] or totals["export_broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
