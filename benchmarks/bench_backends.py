"""SQLite and PostgreSQL side by side on the same synthetic database (issue 13).

Builds the synthetic database (benchmarks/synth.py: 10,000 institutions, 20,000 offers,
50,000 contacts, 1,000 actors; ``--small`` for a tenth) once as a file and once in a new
database on the PostgreSQL server of ``--pg`` (default ``ATLAS_TEST_PG``, the server
``./dev test`` starts), then measures on each:

* open: ``open_database`` + ``Atlas`` + the first list of institutions (cold),
* search per keystroke: queries typed letter by letter, each keystroke ``list_ids(prefix)``
  plus ``rows()`` of the first 60 (what a list does); median and p95 per backend,
* saving a record: an institution's form saved (``save`` with its version), median,
* the overview (``network.dashboard`` for 12 months, as the Netzwerk-Übersicht asks it), median of 3,
* importing a list of 10,000 institutions as coaches write it (bench_import.py's CSV:
  read, check, write in one transaction) into a new empty database on each backend.

    python benchmarks/bench_backends.py [--small] [--repeat N] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from synth import build_synthetic  # noqa: E402

from atlas.core import Atlas  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
QUERIES = ["schuldner", "ärzte", "strasse", "beratung allein", "kita sonnen", "öztürk", "46049"]
VISIBLE_ROWS = 60
OVERVIEW_DAY = date(2026, 11, 30)  # a fixed day: the same months on both backends


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def fresh_pg_database(server: str, name: str) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def measure(label: str, where: str | Path, repeat: int) -> dict[str, float]:
    start = time.perf_counter()
    result = open_database(where, full_check=False)
    atlas = Atlas(make_sessions(result.engine))
    atlas.institutions.rows(atlas.institutions.list_ids()[:VISIBLE_ROWS])
    opened = (time.perf_counter() - start) * 1000

    services = (atlas.institutions, atlas.offers, atlas.contacts)
    keys: list[float] = []
    for _ in range(repeat):
        for query in QUERIES:
            for n in range(1, len(query) + 1):
                for service in services:
                    t = time.perf_counter()
                    service.rows(service.list_ids(query[:n])[:VISIBLE_ROWS])
                    keys.append((time.perf_counter() - t) * 1000)

    overview: list[float] = []
    for _ in range(3):
        t = time.perf_counter()
        atlas.network.dashboard(OVERVIEW_DAY, 12)
        overview.append((time.perf_counter() - t) * 1000)

    first = atlas.institutions.list_ids()[:20]
    saves: list[float] = []
    for k, record_id in enumerate(first):
        record = atlas.institutions.get(record_id)
        t = time.perf_counter()
        atlas.institutions.save(record_id, {"city": f"Oberhausen {k}"}, expected_version=record.version)
        saves.append((time.perf_counter() - t) * 1000)
    result.engine.dispose()
    row = {
        "open": opened,
        "key_median": statistics.median(keys),
        "key_p95": percentile(keys, 95),
        "key_max": max(keys),
        "save_median": statistics.median(saves),
        "overview_median": statistics.median(overview),
    }
    print(
        f"{label:11} open {row['open']:7.0f} ms | keystroke median {row['key_median']:6.1f} ms, "
        f"p95 {row['key_p95']:6.1f} ms, max {row['key_max']:6.1f} ms ({len(keys)} keys) | "
        f"save median {row['save_median']:5.1f} ms | overview median {row['overview_median']:6.0f} ms"
    )
    return row


def measure_import(label: str, where: str | Path, csv: Path) -> float:
    """A coach's list of institutions into an empty database: read, check, write (s)."""
    from bench_import import QUARTER_RINGS

    from atlas.io import importing

    result = open_database(where, full_check=False)
    atlas = Atlas(make_sessions(result.engine))
    for quarter in QUARTER_RINGS:
        atlas.quarters.save(None, {"name": quarter})
    start = time.perf_counter()
    table = importing.read_table(csv)
    plan = importing.prepare(
        atlas, "institution", table, importing.suggest_mapping("institution", table.headers)
    )
    done = importing.apply(atlas, plan, skip_invalid=False)
    took = time.perf_counter() - start
    result.engine.dispose()
    print(f"{label:11} import of {len(table):,} rows: {took:5.1f} s ({done.created:,} created)")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", action="store_true", help="1,000 institutions (a tenth of everything)")
    parser.add_argument("--repeat", type=int, default=2, help="how often each query is typed")
    parser.add_argument("--pg", default=os.environ.get("ATLAS_TEST_PG", ""), help="a PostgreSQL server URL")
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("no PostgreSQL server: --pg URL or ATLAS_TEST_PG (./dev test starts one)")
    scale = 10 if args.small else 1
    size = {"institutions": 10_000 // scale, "offers": 20_000 // scale, "contacts": 50_000 // scale}
    size["actors"] = 1_000 // scale
    OUT.mkdir(parents=True, exist_ok=True)
    file = OUT / f"backends-{size['institutions']}.sqlite"
    pg = fresh_pg_database(args.pg, f"atlas_bench_{size['institutions']}")
    for label, where in (("sqlite", file), ("postgresql", pg)):
        t = time.perf_counter()
        build_synthetic(where, **size)
        print(f"{label:11} built in {time.perf_counter() - t:.1f} s")
    print(f"\n{size} (query words: {', '.join(QUERIES)}; {args.repeat}x typed letter by letter)")
    for label, where in (("sqlite", file), ("postgresql", pg)):
        measure(label, where, args.repeat)
    from bench_import import make_rows, write_csv

    csv = OUT / f"backends-import-{size['institutions']}.csv"
    write_csv(csv, make_rows(size["institutions"]))
    empty_file = OUT / f"backends-import-{size['institutions']}.sqlite"
    empty_file.unlink(missing_ok=True)
    empty_pg = fresh_pg_database(args.pg, f"atlas_bench_import_{size['institutions']}")
    for label, where in (("sqlite", empty_file), ("postgresql", empty_pg)):
        measure_import(label, where, csv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
