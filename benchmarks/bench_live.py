"""Live refresh on a team server: "save here → seen there" (issue 13; goal ≤ 2 s, typical
≤ 300 ms on one machine).

Two programs on one new database of the PostgreSQL server of ``--pg`` (default
``ATLAS_TEST_PG``): ``here`` saves an institution's new name ``--saves`` times (default
50), one at a time; ``there`` listens. Measured from the start of each ``save`` call:

* heard: ``there``'s listener thread publishes the change on its bus (the core's part:
  commit, ``pg_notify``, delivery, decoding),
* shown: ``there``'s window (offscreen, 1366×768, its institutions list shown) lists the
  new name — its change round (40 ms after a quiet while), the list re-queried, painted;
  with ``--no-window`` only "heard".

Also the save itself (``here``'s ``save`` call, which now includes the ``pg_notify``).
Median, p95 and max of each.

    python benchmarks/bench_live.py [--saves N] [--records N] [--no-window] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from bench_backends import fresh_pg_database, percentile  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from atlas.changes import Change  # noqa: E402
from atlas.core import Atlas  # noqa: E402
from db.engine import make_engine, make_sessions  # noqa: E402
from db.migrate import open_database  # noqa: E402


def summary(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{label:<22} median {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms   "
        f"max {max(ms):7.1f} ms   (n={len(ms)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--records", type=int, default=1000, help="institutions in the list")
    parser.add_argument("--no-window", action="store_true", help="only the core's part (heard)")
    parser.add_argument("--pg", default=os.environ.get("ATLAS_TEST_PG", ""), help="a PostgreSQL server URL")
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("no PostgreSQL server: --pg URL or ATLAS_TEST_PG (./dev test starts one)")

    name = f"atlas_bench_live_{os.getpid()}"
    url = fresh_pg_database(args.pg, name)
    opened = open_database(url)
    here = Atlas(make_sessions(opened.engine))
    there = Atlas(make_sessions(make_engine(url)))
    assert here.live is not None and there.live is not None
    kita = here.institutions.save(None, {"name": "Kita 0"})
    for n in range(args.records - 1):
        here.institutions.save(None, {"name": f"Einrichtung {n:05d}"})

    heard_at: dict[str, float] = {}
    arrived = threading.Event()

    def hear(change: Change) -> None:
        if change.origin is not None and change.of == "institution":
            heard_at["t"] = time.perf_counter()
            arrived.set()

    there.changes.subscribe(hear)
    saves: list[float] = []
    heard: list[float] = []
    shown: list[float] = []
    applied: list[float] = []
    stopping = threading.Event()
    listener: threading.Thread | None = None
    try:
        if args.no_window:
            states: list[bool] = []
            thread = threading.Thread(target=there.live.listen, args=(stopping, states.append), daemon=True)
            thread.start()
            while not states:
                stopping.wait(0.01)
            listener = thread
            for i in range(1, args.saves + 1):
                arrived.clear()
                start = time.perf_counter()
                kita = here.institutions.save(kita.id, {"name": f"Kita {i}"}, kita.version)
                saves.append(time.perf_counter() - start)
                if not arrived.wait(5):
                    raise SystemExit(f"save {i} not heard within 5 s")
                heard.append(heard_at["t"] - start)
        else:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from PySide6 import QtWebEngineWidgets  # noqa: F401  (before the QApplication)
            from PySide6.QtCore import QEventLoop, QModelIndex, QSettings, QTimer
            from PySide6.QtWidgets import QApplication

            from ui.main_window import MainWindow
            from ui.map.scheme import register_scheme
            from ui.workers import Workers

            register_scheme()
            app = QApplication.instance() or QApplication([])
            settings = QSettings(str(Path(tempfile.mkdtemp()) / "settings.ini"), QSettings.Format.IniFormat)
            settings.setValue("map/base", "none")
            settings.setValue("geocoder/url", "http://127.0.0.1:9")
            workers = Workers()
            window = MainWindow(there, name, settings, workers=workers)
            window.resize(1366, 768)
            window.show()
            window.open_record("institution", kita.id)
            section = window.sections["institution"]
            state = workers.listen(there.live)
            applied_at: dict[str, float] = {}
            window.changesApplied.connect(lambda _e: applied_at.__setitem__("t", time.perf_counter()))

            def spin_until(done: object, timeout: float = 10.0) -> bool:
                loop = QEventLoop()
                timer = QTimer()
                timer.setInterval(2)
                deadline = time.perf_counter() + timeout

                def check() -> None:
                    if done() or time.perf_counter() > deadline:  # type: ignore[operator]
                        loop.quit()

                timer.timeout.connect(check)
                timer.start()
                loop.exec()
                return bool(done())  # type: ignore[operator]

            def listed(text: str) -> bool:
                model = section.model
                return any(model.index(r, 0, QModelIndex()).data() == text for r in range(model.rowCount()))

            assert spin_until(lambda: state.last is True and listed("Kita 0"), 30)
            for i in range(1, args.saves + 1):
                arrived.clear()
                start = time.perf_counter()
                kita = here.institutions.save(kita.id, {"name": f"Kita {i}"}, kita.version)
                saves.append(time.perf_counter() - start)
                if not spin_until(lambda i=i: listed(f"Kita {i}")):
                    raise SystemExit(f"save {i} not shown within 10 s")
                shown.append(time.perf_counter() - start)
                heard.append(heard_at["t"] - start)
                applied.append(applied_at["t"] - start)
                # a quiet while (CHANGES_ROUND_MS): each save its own round, as when a person saves
                spin_until(lambda: False, 0.6)
            window.close()
            workers.shutdown()
            del app
    finally:
        stopping.set()
        if listener is not None:
            listener.join(5)
        opened.engine.dispose()
        bind = there.sessions.kw["bind"]
        getattr(bind, "_proxied", bind).dispose()
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    print(f"{args.saves} saves, {args.records} institutions, load {os.getloadavg()[0]:.1f}")
    print(summary("save (incl. pg_notify)", saves))
    print(summary("heard there", heard))
    if shown:
        print(summary("window's round applied", applied))
        print(summary("shown in the list there", shown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
