"""Quarter assignment and batch geocoding, measured.

1. 10,000 institutions and 50 quarters (a 10 × 5 grid over Oberhausen, imported from
   GeoJSON): building the index, assigning all points (goal ≤ 0.5 s), and
   ``reassign_all`` on the database (first run moves everyone, second moves no one).
2. A batch of 300 addresses of which 200 are cached, against a local stand-in for
   Nominatim: it may take no more than 100 requests' worth of time (100 × min_delay),
   and the server must see exactly 100 requests, at least ``min_delay`` apart.

    python benchmarks/bench_geo.py [--min-delay SECONDS] [--skip-batch]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from atlas import models as m  # noqa: E402
from atlas.core import Atlas  # noqa: E402
from atlas.geo.geocoding import SPACING_MARGIN, GeocoderSettings  # noqa: E402
from atlas.geo.geometry import QuarterIndex  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402
from tests.fake_nominatim import found, running  # noqa: E402

LON0, LON1, LAT0, LAT1 = 6.78, 6.96, 51.45, 51.55
COLS, ROWS = 10, 5


def grid_geojson() -> bytes:
    features = []
    dlon, dlat = (LON1 - LON0) / COLS, (LAT1 - LAT0) / ROWS
    for r in range(ROWS):
        for c in range(COLS):
            x0, y0 = LON0 + c * dlon, LAT0 + r * dlat
            ring = [[x0, y0], [x0 + dlon, y0], [x0 + dlon, y0 + dlat], [x0, y0 + dlat], [x0, y0]]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": f"Quartier {r + 1}-{c + 1}"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label:<52} {time.perf_counter() - start:8.3f} s")
    return result


def bench_assignment(folder: Path, n: int = 10_000) -> None:
    print(f"Zuordnung: {n} Einrichtungen, {COLS * ROWS} Quartiere")
    result = open_database(folder / "assign.sqlite")
    atlas = Atlas(make_sessions(result.engine))
    rng = random.Random(1)
    # A margin around the grid: some points lie outside every quarter.
    points = [
        (rng.uniform(LAT0 - 0.002, LAT1 + 0.002), rng.uniform(LON0 - 0.002, LON1 + 0.002)) for _ in range(n)
    ]
    report = timed("GeoJSON-Import der 50 Quartiere", atlas.boundaries.import_geojson, grid_geojson(), "name")
    assert len(report.created) == COLS * ROWS
    with atlas.sessions.begin() as session:
        session.execute(
            insert(m.Institution),
            [{"name": f"Einrichtung {i:05d}", "lat": lat, "lon": lon} for i, (lat, lon) in enumerate(points)],
        )
    with atlas.sessions() as session:
        rows = [(q.id, q.name, q.boundary_geojson) for q in session.query(m.Quarter)]
    index = timed("Index bauen (STRtree)", QuarterIndex.from_rows, rows)
    best = min(_time(index.assign, points) for _ in range(5))
    print(f"  {'assign() für alle Punkte (bestes von 5; Ziel ≤ 0,5 s)':<52} {best:8.3f} s")
    single = _time(lambda: [index.quarter_at(lat, lon) for lat, lon in points[:1000]]) / 1000
    print(f"  {'quarter_at() je Punkt (einzeln)':<52} {single * 1e6:8.1f} µs")
    first = timed("reassign_all() in der Datenbank, alle neu", atlas.boundaries.reassign_all)
    print(f"    {first.summary()}")
    again = timed("reassign_all() noch einmal, nichts ändert sich", atlas.boundaries.reassign_all)
    print(f"    {again.summary()}")
    result.engine.dispose()


def _time(fn, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def bench_batch(folder: Path, min_delay: float) -> None:
    print(f"Stapel: 300 Adressen, davon 200 im Cache, Mindestabstand {min_delay} s")
    result = open_database(folder / "batch.sqlite")
    atlas = Atlas(make_sessions(result.engine))
    with running() as server:
        server.default = found((51.49, 6.86))
        atlas.geocoding.configure(
            GeocoderSettings(url=server.url, user_agent="Stadtteil-Atlas-Benchmark/1.0", min_delay=0.0)
        )
        for i in range(200):
            atlas.geocoding.geocode(f"Cachestraße {i + 1}, 46045 Oberhausen")
        prefill = server.count
        with atlas.sessions.begin() as session:
            rows = [{"name": f"Alt {i}", "street": f"Cachestraße {i + 1}"} for i in range(200)]
            rows += [{"name": f"Neu {i}", "street": f"Neuer Weg {i + 1}"} for i in range(100)]
            session.execute(
                insert(m.Institution),
                [{**r, "postcode": "46045", "city": "Oberhausen", "geocode_status": "pending"} for r in rows],
            )
        atlas.geocoding.configure(
            GeocoderSettings(url=server.url, user_agent="Stadtteil-Atlas-Benchmark/1.0", min_delay=min_delay)
        )
        etas: list[float] = []
        start = time.perf_counter()
        report = atlas.geocoding.geocode_missing(progress=lambda _d, _t, eta: etas.append(eta))
        elapsed = time.perf_counter() - start
        asked = server.requests[prefill:]
        gaps = [b.at - a.at for a, b in pairwise(asked)]
    budget = 100 * min_delay
    floor = 99 * (min_delay + SPACING_MARGIN)
    print(f"  {'Anfragen an den Server':<52} {len(asked):8d}")
    print(f"  {'aus dem Cache':<52} {report.cached:8d}")
    print(f"  {'kleinster Abstand zweier Anfragen':<52} {min(gaps):8.3f} s")
    print(f"  {'Schätzung am Anfang':<52} {etas[0]:8.1f} s")
    print(f"  {'Dauer des Stapels':<52} {elapsed:8.1f} s")
    print(f"  {'100 × Mindestabstand':<52} {budget:8.1f} s")
    print(f"  {'Dauer / (100 × Mindestabstand)':<52} {elapsed / budget:8.3f}")
    print(f"  {'Untergrenze der Drossel: 99 × (Abstand + Sicherheit)':<52} {floor:8.1f} s")
    print(f"  {'Dauer / Untergrenze':<52} {elapsed / floor:8.3f}")
    print(f"  {report.summary()}")
    result.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--min-delay", type=float, default=1.0, help="Abstand zwischen Anfragen (Standard 1 s)"
    )
    parser.add_argument("--skip-batch", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-geo-") as tmp:
        bench_assignment(Path(tmp))
        if not args.skip_batch:
            bench_batch(Path(tmp), args.min_delay)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
