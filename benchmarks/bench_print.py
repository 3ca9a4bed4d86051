"""Printing speed: the two figures the issue sets goals for.

- Contact list of 1,000 contacts to PDF (goal ≤ 1.5 s): a copy of the demo database with
  800 more contacts (names, functions and institutions drawn like the demo's), the first
  1,000 contacts as "the current list".
- Wegweiser (directory) of 150 offers with maps (goal ≤ 3 s): the demo's 150 offers, all
  made current and public, every quarter with its map.

Each figure is the whole path a click on "Als PDF speichern" takes: query and HTML
(``atlas.reports``), layout and printToPdf (QtWebEngine, offscreen), atomic write. The first
run includes starting the Chromium page; the median is over the warm runs.

    python benchmarks/bench_print.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from atlas import models as m  # noqa: E402
from atlas.core import Atlas  # noqa: E402
from atlas.demo.build import FIRST_NAMES, FUNCTIONS, LAST_NAMES  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402
from ui.app import make_application  # noqa: E402
from ui.printing import PdfRenderer, build_document, render_blocking, save_pdf  # noqa: E402

GOALS = {"contact-list": 1.5, "directory": 3.0}


def prepared_database(folder: Path) -> Atlas:
    target = folder / "bench.sqlite"
    shutil.copyfile(ROOT / "resources" / "demo" / "demo.sqlite", target)
    atlas = Atlas(make_sessions(open_database(target).engine))
    rng = random.Random(11)
    with atlas.sessions.begin() as session:
        institutions = list(session.scalars(select(m.Institution)))
        for i in range(800):
            inst = rng.choice(institutions)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            session.add(
                m.Contact(
                    first_name=first,
                    last_name=last,
                    institution_id=inst.id,
                    function=rng.choice(rng.choice(list(FUNCTIONS.values()))),
                    phone=f"030 23125 {i:03d}",
                    email=f"{first}.{last}{i}@example.org".lower(),
                )
            )
        session.execute(update(m.Offer).values(valid_to=None, valid_from=None))
        session.execute(update(m.Institution).values(is_public=True))
    return atlas


def measure(
    atlas: Atlas, renderer: PdfRenderer, kind: str, options: dict[str, object], out: Path
) -> tuple[float, int]:
    started = time.perf_counter()
    doc = build_document(kind, atlas, options)
    rendered = render_blocking(doc, renderer)
    save_pdf(rendered.data, out)
    return time.perf_counter() - started, rendered.pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    make_application(["bench_print"])
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        folder = Path(tmp)
        atlas = prepared_database(folder)
        contact_ids = atlas.contacts.list_ids()[:1000]
        assert len(contact_ids) == 1000, len(contact_ids)
        jobs = {
            "contact-list": {"contact_ids": contact_ids, "selection_label": "1.000 Kontakte"},
            "directory": {},
        }
        renderer = PdfRenderer()
        for kind, options in jobs.items():
            times: list[float] = []
            pages = 0
            for run in range(args.runs + 1):
                seconds, pages = measure(atlas, renderer, kind, options, folder / f"{kind}-{run}.pdf")
                times.append(seconds)
            doc = build_document(kind, atlas, options)
            warm = times[1:]
            print(
                f"{kind:13s} {doc.summary}: {pages} pages; first {times[0]:.2f} s, "
                f"warm median {statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}); "
                f"goal ≤ {GOALS[kind]:.1f} s"
            )
        renderer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
