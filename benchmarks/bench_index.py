"""Cost of keeping the search index current on a large database.

Works on a copy of the synthetic 10k database (built by bench_search.py, cached in
benchmarks/out/) and times

* ``search.rebuild`` of the whole index (in one transaction, committed),
* renaming a category used by about 1,000 institutions (``TaxonomyService.save``),
* renaming a quarter (about 2,000 institutions) through the record service.

    python benchmarks/bench_index.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_search import DB, OUT  # noqa: E402
from sqlalchemy import select  # noqa: E402
from synth import build_synthetic  # noqa: E402

from atlas import models as m  # noqa: E402
from atlas.core import Atlas  # noqa: E402
from atlas.records import search  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402

CATEGORY = "Beschäftigung & Arbeitsvermittlung"
QUARTER = "Lirich"


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:.0f} ms (min {min(seconds) * 1000:.0f} ms)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="how often each step is timed")
    args = parser.parse_args(argv)

    if not DB.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        build_synthetic(DB)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "bench.sqlite"
        shutil.copyfile(DB, copy)
        result = open_database(copy, full_check=False)
        atlas = Atlas(make_sessions(result.engine))
        with atlas.sessions() as session:
            term_id = session.scalar(select(m.Term.id).where(m.Term.name == CATEGORY))
            n_inst = len(
                session.scalars(select(m.Institution.id).where(m.Institution.category_id == term_id)).all()
            )
            n_offer = len(session.scalars(select(m.Offer.id).where(m.Offer.category_id == term_id)).all())
            quarter_id = session.scalar(select(m.Quarter.id).where(m.Quarter.name == QUARTER))
            n_q = len(
                session.scalars(select(m.Institution.id).where(m.Institution.quarter_id == quarter_id)).all()
            )
        assert term_id is not None and quarter_id is not None

        rebuilds = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            with atlas.sessions.begin() as session:
                search.rebuild(session.connection())
            rebuilds.append(time.perf_counter() - start)
        print(f"search.rebuild: {_ms(rebuilds)}")

        renames = []
        for i in range(args.repeat * 2):
            name = CATEGORY if i % 2 else f"{CATEGORY} (neu)"
            start = time.perf_counter()
            atlas.taxonomy.save(m.Vocabulary.CATEGORY, term_id, name)
            renames.append(time.perf_counter() - start)
        print(f"rename category ({n_inst} institutions, {n_offer} offers): {_ms(renames)}")

        quarter_renames = []
        for i in range(args.repeat * 2):
            name = QUARTER if i % 2 else f"{QUARTER}-Neu"
            version = atlas.quarters.get(quarter_id).version
            start = time.perf_counter()
            atlas.quarters.save(quarter_id, {"name": name}, expected_version=version)
            quarter_renames.append(time.perf_counter() - start)
        print(f"rename quarter ({n_q} institutions): {_ms(quarter_renames)}")

        hits = atlas.institutions.list_ids(f"{QUARTER}-Neu")
        print(f"check: {len(hits)} institutions still found under the old test name (expect 0)")
        result.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
