"""Dashboard and funnel at 1,000 actors with 5 years of weekly meetings (≈250,000 attendance rows).

    python benchmarks/bench_network.py
Goal: ≤ 200 ms to compute the funnel and the dashboard (in SQL, not Python loops over rows).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from atlas import models as m  # noqa: E402
from atlas.core import Atlas  # noqa: E402
from db.engine import make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402

TODAY = dt.date(2026, 11, 15)


def build(path: Path, actors: int = 1000, years: int = 5, seed: int = 3) -> int:
    rng = random.Random(seed)
    result = open_database(path)
    engine = result.engine
    start = TODAY - dt.timedelta(weeks=52 * years)
    with engine.begin() as conn:
        conn.execute(
            insert(m.Actor.__table__),
            [
                {"id": i, "name": f"Akteur {i}", "status": "informiert", "status_since": start}
                for i in range(1, actors + 1)
            ],
        )
        conn.execute(
            insert(m.ActorStatusEvent.__table__),
            [{"actor_id": i, "status": "informiert", "happened_on": start} for i in range(1, actors + 1)],
        )
        meetings = [
            {
                "id": k + 1,
                "title": f"Treffen {k + 1}",
                "kind": "runder_tisch",
                "starts_at": dt.datetime.combine(start + dt.timedelta(weeks=k), dt.time(10)),
            }
            for k in range(52 * years)
        ]
        conn.execute(insert(m.Meeting.__table__), meetings)
        # probability to attend: most members come nearly always, some rarely (≈250,000 rows)
        habits = [
            rng.uniform(0.9, 1.0) if rng.random() < 0.97 else rng.uniform(0.0, 0.3) for _ in range(actors)
        ]
        rows = []
        for meeting in meetings:
            for actor_id, p in enumerate(habits, start=1):
                if rng.random() < p:
                    rows.append(
                        {
                            "meeting_id": meeting["id"],
                            "actor_id": actor_id,
                            "contact_id": None,
                            "meeting_at": meeting["starts_at"],
                        }
                    )
        for chunk in range(0, len(rows), 50_000):
            conn.execute(insert(m.Attendance.__table__), rows[chunk : chunk + 50_000])
    engine.dispose()
    return len(rows)


def timed(fn, runs: int = 7) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "network.sqlite"
    t0 = time.perf_counter()
    n = build(path)
    print(
        f"built: 1,000 actors, {52 * 5} meetings, {n:,} attendance rows in {time.perf_counter() - t0:.1f} s"
    )
    result = open_database(path)
    atlas = Atlas(make_sessions(result.engine))
    funnel = atlas.network.funnel(TODAY)
    print(f"funnel now: {funnel.counts}")
    for label, fn in (
        ("states (status of every actor today)", lambda: atlas.network.states(TODAY)),
        ("funnel (overall, by sector, by quarter)", lambda: atlas.network.funnel(TODAY)),
        ("trend, 12 month ends", lambda: atlas.network.trend(12, TODAY)),
        ("trend, 24 month ends", lambda: atlas.network.trend(24, TODAY)),
        (
            "dashboard (funnel, 12-month trend, drop-outs, follow-ups, reviews)",
            lambda: atlas.network.dashboard(TODAY),
        ),
    ):
        median, worst = timed(fn)
        print(f"{label}: median {median:.0f} ms, max {worst:.0f} ms")


if __name__ == "__main__":
    main()
