"""The Wegweiser map's label spreading (``atlas.reports.svg._spread``) on real marker sets.

Takes each quarter's institutions (with coordinates) of a database, projects them the way
``map_svg`` does for a chapter's map, and times ``_spread`` on those points alone (all of
them, even where ``map_svg`` no longer numbers so many), then the whole ``map_svg`` call. ``--limit SECONDS`` stops waiting for one call (the old pairwise
spreading took minutes per quarter at 10k).

    python benchmarks/bench_spread.py [--db benchmarks/out/synth-10k.sqlite] [--quarters 1]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from atlas.reports import svg  # noqa: E402


def quarter_markers(db: Path) -> dict[int, list[svg.Marker]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT quarter_id, lat, lon FROM institution "
            "WHERE lat IS NOT NULL AND lon IS NOT NULL AND quarter_id IS NOT NULL ORDER BY id"
        ).fetchall()
    out: dict[int, list[svg.Marker]] = {}
    for q, lat, lon in rows:
        markers = out.setdefault(q, [])
        markers.append(svg.Marker(len(markers) + 1, lat, lon))
    return out


def captured_points(markers: list[svg.Marker]) -> tuple[list[tuple[float, float]], float, float, float]:
    """The arguments map_svg hands to _spread (without running the spreading)."""
    seen: list[Any] = []
    original = svg._spread

    def capture(points: list[tuple[float, float]], radius: float, width: float, height: float) -> Any:
        seen.append((list(points), radius, width, height))
        return list(points)

    limit = getattr(svg, "label_limit", None)
    svg._spread = capture  # type: ignore[assignment]
    if limit is not None:  # the labels map_svg would spread if it numbered every marker
        svg.label_limit = lambda *a: 10**9  # type: ignore[attr-defined]
    try:
        svg.map_svg([], markers, width_mm=178, height_mm=118)
    finally:
        svg._spread = original
        if limit is not None:
            svg.label_limit = limit  # type: ignore[attr-defined]
    if not seen:  # map_svg no longer spreads this many labels
        return [], 0.0, 0.0, 0.0
    points, radius, width, height = seen[0]
    return points, radius, width, height


def _timed_spread(args: tuple[list[tuple[float, float]], float, float, float]) -> str:
    work = svg.SpreadWork() if hasattr(svg, "SpreadWork") else None
    started = time.perf_counter()
    if work is not None:
        svg._spread(*args, work=work)
    else:
        svg._spread(*args)
    took = f"{time.perf_counter() - started:.2f} s"
    if work is not None:
        took += f" ({work.passes} passes, {work.comparisons:,} pairs compared)"
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=ROOT / "benchmarks" / "out" / "synth-10k.sqlite")
    parser.add_argument("--quarters", type=int, default=5)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds to wait for one _spread call")
    args = parser.parse_args(argv)
    by_quarter = quarter_markers(args.db)
    for q in sorted(by_quarter)[: args.quarters]:
        markers = by_quarter[q]
        points, radius, width, height = captured_points(markers)
        if points:
            with multiprocessing.Pool(1) as pool:
                job = pool.apply_async(_timed_spread, ((points, radius, width, height),))
                try:
                    spread_s = job.get(args.limit)
                except multiprocessing.TimeoutError:
                    spread_s = f"> {args.limit:.0f} s (stopped)"
        else:
            spread_s = "not called"
        started = time.perf_counter()
        with multiprocessing.Pool(1) as pool:
            job = pool.apply_async(svg.map_svg, ([], markers), {"width_mm": 178, "height_mm": 118})
            try:
                picture = job.get(args.limit)
                whole = f"{time.perf_counter() - started:.2f} s, {len(picture or '') / 1024:.0f} KB"
                if picture is not None and 'class="marker"' not in picture:
                    whole += ", dots and grid squares (too many for numbers)"
            except multiprocessing.TimeoutError:
                whole = f"> {args.limit:.0f} s (stopped)"
        print(f"quarter {q}: {len(markers)} markers; _spread {spread_s}; map_svg {whole}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
