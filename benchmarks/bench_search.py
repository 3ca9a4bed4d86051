"""Search latency per keystroke on a large database.

Builds (once, cached in benchmarks/out/) a synthetic database with 10,000
institutions, 20,000 offers and 50,000 contacts, then types realistic queries
letter by letter. Each keystroke does what the list view does: ``list_ids(text)``
for the whole match list, then ``rows()`` for the first 60 visible rows.

    python benchmarks/bench_search.py [--rebuild] [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

from synth import build_synthetic  # noqa: E402

from atlas.core import Atlas  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
DB = OUT / "synth-10k.sqlite"
QUERIES = [
    "schuldner",
    "ärzte",
    "strasse",
    "beratung allein",
    "familienzentrum",
    "kita sonnen",
    "öztürk",
    "brinkmann",
    "46049",
]
VISIBLE_ROWS = 60


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic database again")
    parser.add_argument("--repeat", type=int, default=3, help="how often each query is typed")
    args = parser.parse_args(argv)

    if args.rebuild or not DB.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build_synthetic(DB)
        print(f"built {DB.relative_to(ROOT)} in {time.perf_counter() - start:.1f} s")

    result = open_database(DB, full_check=False)
    atlas = Atlas(make_sessions(result.engine))
    services = {"institutions": atlas.institutions, "offers": atlas.offers, "contacts": atlas.contacts}
    print(
        f"database: {atlas.institutions.count()} institutions, {atlas.offers.count()} offers, "
        f"{atlas.contacts.count()} contacts"
    )

    # The first query pays for opening the file and filling SQLite's cache.
    start = time.perf_counter()
    atlas.institutions.rows(atlas.institutions.list_ids("a")[:VISIBLE_ROWS])
    print(f"cold first keystroke: {(time.perf_counter() - start) * 1000:.1f} ms")

    timings: dict[str, list[tuple[float, str, int]]] = {k: [] for k in services}
    for _ in range(args.repeat):
        for query in QUERIES:
            for n in range(1, len(query) + 1):
                prefix = query[:n]
                for key, service in services.items():
                    start = time.perf_counter()
                    ids = service.list_ids(prefix)
                    service.rows(ids[:VISIBLE_ROWS])
                    took = (time.perf_counter() - start) * 1000
                    timings[key].append((took, prefix, len(ids)))

    print(
        f"\nper keystroke (list_ids + rows of the first {VISIBLE_ROWS}), {args.repeat}x {len(QUERIES)} queries:"
    )
    print(f"{'':14}{'n':>6}{'median':>10}{'p95':>10}{'max':>10}   slowest keystroke")
    everything: list[float] = []
    for key, rows in timings.items():
        ms = [t for t, _p, _n in rows]
        everything += ms
        worst = max(rows)
        print(
            f"{key:14}{len(ms):>6}{statistics.median(ms):>8.1f}ms{percentile(ms, 95):>8.1f}ms"
            f"{max(ms):>8.1f}ms   {worst[1]!r} ({worst[2]} hits)"
        )
    print(
        f"{'all':14}{len(everything):>6}{statistics.median(everything):>8.1f}ms"
        f"{percentile(everything, 95):>8.1f}ms{max(everything):>8.1f}ms"
    )

    # Median by prefix length: one and two letters cannot use the trigram index.
    by_len: dict[int, list[float]] = {}
    for rows in timings.values():
        for t, p, _n in rows:
            by_len.setdefault(min(len(p.replace(" ", "")), 4), []).append(t)
    print(
        "median by typed length: "
        + ", ".join(
            f"{k}{'+' if k == 4 else ''}: {statistics.median(v):.1f} ms" for k, v in sorted(by_len.items())
        )
    )

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory (max RSS): {peak_kb / 1024:.0f} MB")
    result.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
