"""How long the GUI thread stalls during the long actions, run through the window's flows.

On a copy of the synthetic 10k database (benchmarks/synth.py: 10,000 institutions, 20,000
offers, 50,000 contacts), the real main window (1366×768, map pane started; on a virtual
X screen if Xvfb is installed, see ``bench_stall._screen``) runs each action as the menu does — list export (CSV, XLSX), Open Referral export and
import (into an empty database, in a second window), the map's HTML export, quarter import
(the database's own quarters again: every institution re-assigned). A 10 ms heartbeat
QTimer (``bench_stall.Heartbeat``) measures the longest gap on the GUI thread, less 10 ms,
while the flow runs ("during") and in the second after it returns ("after": the window
hearing the change, e.g. lists re-queried). For comparison the same core function is run
directly on the GUI thread, the way these actions ran before.

    python benchmarks/bench_slow_actions.py [--rebuild] [--only NAME ...] [--no-old]

Message boxes (the summaries) are answered at once; nothing is written to the bundled
synthetic database (the benchmark works on a copy).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_stall  # noqa: E402  (sets the Qt platform, the path of the code, imports PySide6)
from bench_stall import DB, OUT, Heartbeat, wait  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from ui.map.scheme import register_scheme  # noqa: E402

register_scheme()  # before the QApplication, as the program does

NAMES = (
    "csv",
    "xlsx",
    "contacts-csv",
    "hsds-export",
    "hsds-import",
    "map-html",
    "quarters",
    "geocoding",
    "print-contacts",
    "print-directory",
    "wizard-import",
)
#: The geocoding batch: this many institutions lose their pin and are looked up again.
GEOCODE_BATCH = int(os.environ.get("BENCH_GEOCODE_BATCH", 200))
#: The printed contact list: the first this many contacts, as "the current list".
PRINT_CONTACTS = 10_000
#: The import wizard's list: this many new institutions.
WIZARD_ROWS = 10_000
#: A stand-in for Nominatim in its own process (a real HTTP server on 127.0.0.1; its
#: threads must not share the measured process's GIL): every address found near (lat, lon).
GEO_SERVER = """
import sys, time, zlib
sys.path.insert(0, sys.argv[1])
from tests.fake_nominatim import FakeNominatim, Reply, place
lat, lon = float(sys.argv[2]), float(sys.argv[3])
def answer(request):
    h = zlib.crc32(request.q.encode())
    return Reply(body=[place(lat + (h % 100 - 50) / 20000, lon + (h // 100 % 100 - 50) / 20000)])
server = FakeNominatim()
server.default = answer
server.start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


#: When the action being measured started (``timed``), for ``--why``'s times.
ACTION_STARTED = [0.0]


class Why:
    """With ``--why``: a thread that looks at the GUI thread's Python stack whenever the
    heartbeat is over 50 ms late, and at the other threads' (where a worker holds the GIL)."""

    def __init__(self, beat: Heartbeat, native: bool = False) -> None:
        self.beat = beat
        self.native = native
        self.native_dumps: list[str] = []
        self.seen: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self.gui = threading.get_ident()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()
        self.collections: list[tuple[float, int, str]] = []  # full GC runs over 20 ms (they hold the GIL)
        self._gc_start = 0.0
        gc.callbacks.append(self._collected)

    @staticmethod
    def _since() -> str:
        """When, in seconds since the action started (negative: before; past "took": after)."""
        return f"{time.perf_counter() - ACTION_STARTED[0]:+.2f} s"

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        took = (time.perf_counter() - self._gc_start) * 1000
        if took > 20:
            who = "GUI" if threading.get_ident() == self.gui else threading.current_thread().name
            self.collections.append((took, info.get("collected", 0), f"{who} at {self._since()}"))

    def _watch(self) -> None:
        while not self.stop.wait(0.01):
            late = (time.perf_counter() - self.beat._last) * 1000
            if late > 50 and self.beat.timer.isActive():
                frames = sys._current_frames()
                lines = []
                for ident, frame in frames.items():
                    if ident == threading.get_ident():
                        continue
                    who = "GUI" if ident == self.gui else "worker"
                    lines.append(
                        f"    {who}: "
                        + " < ".join(
                            f"{Path(f.filename).name}:{f.lineno} {f.name}"
                            for f in traceback.extract_stack(frame)[-4:][::-1]
                        )
                    )
                if self.native and late > 100 and len(self.native_dumps) < 6:
                    dump = subprocess.run(  # the C++ side too: what the GUI thread does or waits for
                        [
                            str(Path(sys.executable).parent / "py-spy"),
                            "dump",
                            "--native",
                            "--pid",
                            str(os.getpid()),
                        ],
                        capture_output=True,
                        text=True,
                        check=False,
                    )
                    self.native_dumps.append(f"late {late:.0f} ms:\n{dump.stdout}{dump.stderr}")
                self.seen.append((late, f"    at {self._since()}\n" + "\n".join(lines)))

    def report(self) -> None:
        for took, collected, who in self.collections:
            print(f"   full GC on {who}: {took:.0f} ms ({collected} freed)")
        self.collections.clear()
        for dump in self.native_dumps:
            print(dump)
        self.native_dumps.clear()
        for late, where in sorted(self.seen, key=lambda s: -s[0])[:3]:
            print(f"   late {late:.0f} ms:\n{where}")
        self.seen.clear()


def until(condition: Callable[[], object], timeout_s: float = 600) -> None:
    """Run the event loop until ``condition()`` is true (an action that ends with a signal)."""
    end = time.perf_counter() + timeout_s
    while not condition() and time.perf_counter() < end:
        wait(20)
    if not condition():
        raise TimeoutError("the action did not finish")


def timed(
    beat: Heartbeat, action: Callable[[], Any], after_ms: int = 1000, blocking: bool = False
) -> tuple[float, float, float]:
    """Run ``action`` on the GUI thread with the heartbeat on: (seconds, stall during, stall after).

    ``blocking``: the action keeps the GUI thread (the old way), so its stall is the gap
    that the first beat after it closes."""
    beat.start()
    start = ACTION_STARTED[0] = time.perf_counter()
    action()
    took = time.perf_counter() - start
    if blocking:
        wait(20)
    during = beat.worst()
    beat.gaps = []
    wait(after_ms)
    beat.stop()
    return took, during, beat.worst()


def repeat(runs: int, argv: list[str]) -> int:
    """Run the benchmark ``runs`` times, each in a new process on a new copy of the database,
    and show min/median/max of each stall (the machine is shared: one run can be unlucky)."""
    import statistics

    rest: list[str] = []
    skip = False
    for arg in argv:  # everything but --runs N
        if skip:
            skip = False
        elif arg == "--runs":
            skip = True
        elif not arg.startswith("--runs="):
            rest.append(arg)
    seen: dict[str, list[list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-slow-runs-") as folder:
        for run in range(runs):
            out = Path(folder) / f"run{run}.json"
            print(f"run {run + 1} of {runs}", flush=True)
            subprocess.run([sys.executable, __file__, *rest, "--json", str(out)], check=True)
            for name, figures in json.loads(out.read_text(encoding="utf-8")):
                seen.setdefault(name, []).append(figures)
    print(f"\nover {runs} runs, min / median / max (ms; took in s):")
    print(f"  {'action':<16} {'stall during':>20} {'stall after':>20} {'took':>18}")

    def three(values: list[float], unit: float = 1, digits: int = 0) -> str:
        v = [x * unit for x in values]
        return f"{min(v):.{digits}f} / {statistics.median(v):.{digits}f} / {max(v):.{digits}f}"

    for name, figures in seen.items():
        took, during, after = ([f[i] for f in figures] for i in range(3))
        print(f"  {name:<16} {three(during):>20} {three(after):>20} {three(took, digits=1):>18}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic database again")
    parser.add_argument("--only", nargs="*", choices=NAMES, help="only these actions")
    parser.add_argument("--no-old", action="store_true", help="skip the old way (core on the GUI thread)")
    parser.add_argument("--why", action="store_true", help="show where the GUI thread was when late")
    parser.add_argument(
        "--native", action="store_true", help="with --why: py-spy's native stacks when over 100 ms late"
    )
    parser.add_argument("--runs", type=int, default=1, help="run the whole benchmark N times: min/median/max")
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)  # one run's rows, for --runs
    args = parser.parse_args(argv)
    if args.runs > 1:
        return repeat(args.runs, [a for a in (argv if argv is not None else sys.argv[1:])])
    chosen = set(args.only or NAMES)

    from atlas.core import Atlas
    from atlas.geo.mappage import standalone_html, write_text_atomically
    from atlas.io import exporting, hsds
    from db.engine import make_sessions
    from db.migrate import open_database
    from ui.geo_dialogs import QuarterImportDialog
    from ui.main_window import MainWindow
    from ui.workers import Workers

    if args.rebuild or not DB.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(HERE / "synth.py"), str(DB)], check=True)

    app = QApplication.instance() or QApplication([])
    workers = Workers(app)  # the one worker layer, as ui.app builds it

    def answer(box: QMessageBox) -> int:
        """As a person who takes the default: "Ja" to "about 741 pages – print now?", OK else."""
        default = box.defaultButton()
        chosen = box.standardButton(default) if default is not None else QMessageBox.StandardButton.Ok
        return int(chosen.value)

    QMessageBox.exec = answer  # type: ignore[method-assign,assignment]
    work = Path(tempfile.mkdtemp(prefix="bench-slow-"))
    copy = work / "synth-10k.sqlite"
    shutil.copyfile(DB, copy)
    with sqlite3.connect(copy) as conn:  # synth.py's "ev--kirche…" addresses fail the e-mail check:
        conn.execute("UPDATE institution SET email = NULL WHERE email LIKE '%--%'")  # an import refuses them
    engines = []

    def open_atlas(path: Path) -> Atlas:
        result = open_database(path, full_check=False)
        engines.append(result.engine)
        return Atlas(make_sessions(result.engine))

    def new_window(atlas: Atlas, name: str) -> MainWindow:
        settings = QSettings(str(work / f"{name}.ini"), QSettings.Format.IniFormat)
        settings.setValue("geocoder/url", "http://127.0.0.1:9")
        settings.setValue("map/base", "none")
        window = MainWindow(atlas, name, settings, workers=workers)
        window.resize(1366, 768)
        window.show()
        return window

    atlas = open_atlas(copy)
    window = new_window(atlas, copy.name)
    pane = window.start_map()
    for _ in range(600):  # the map's data, built on its worker
        if pane.shown_data is not None:
            break
        wait(50)
    wait(1000)
    gc.freeze()  # as ui.app.run_gui does once the window is shown
    beat = Heartbeat()
    print(f"code: {Path(bench_stall.ROOT)}")
    print(f"database: {atlas.institutions.count()} institutions, {atlas.contacts.count()} contacts")
    rows: list[tuple[str, tuple[float, float, float], tuple[float, float, float] | None]] = []
    why = Why(beat, args.native) if args.why else None

    def measure(
        name: str, new: Callable[[], Any], old: Callable[[], Any] | None, after_ms: int = 1000
    ) -> None:
        if name not in chosen and not name.startswith("wizard-") and name != "idle":
            return
        now = timed(beat, new, after_ms)
        if why is not None:
            why.report()
        before = None if args.no_old or old is None else timed(beat, old, blocking=True)
        rows.append((name, now, before))
        old = f"; old way {before[0]:.2f} s, stall {before[1]:.0f} ms" if before else ""
        print(f"  {name}: {now[0]:.2f} s, stall {now[1]:.0f} ms (after {now[2]:.0f} ms){old}", flush=True)

    ids = atlas.institutions.list_ids()
    window.show_section(0)
    wait(1500)
    # The floor: the window doing nothing for 10 s. On the shared 2-core machine the GUI
    # thread also waits for a CPU (other programs' load), whatever this program does.
    measure("idle", lambda: wait(10_000), None, after_ms=0)
    for suffix in ("csv", "xlsx"):
        measure(
            suffix,
            lambda s=suffix: window.export_list(str(work / f"liste.{s}")),  # type: ignore[misc]
            lambda s=suffix: exporting.export(atlas, "institution", ids, work / f"alt.{s}"),  # type: ignore[misc]
        )
    if "contacts-csv" in chosen:
        window.show_section(2)
        wait(3000)
        contact_ids = atlas.contacts.list_ids()
        measure(
            "contacts-csv",
            lambda: window.export_list(str(work / "kontakte.csv")),
            lambda: exporting.export(atlas, "contact", contact_ids, work / "kontakte-alt.csv"),
        )
        window.show_section(0)
        wait(1500)
    package = work / "verzeichnis.zip"
    measure(
        "hsds-export",
        lambda: window.export_hsds(str(package)),
        lambda: hsds.export_package(atlas, work / "alt.zip"),
    )
    if "hsds-import" in chosen:
        if not package.exists():
            hsds.export_package(atlas, package)
        empty = open_atlas(work / "leer.sqlite")
        other = new_window(empty, "leer.sqlite")
        wait(1000)
        spare = open_atlas(work / "leer-alt.sqlite")
        measure(
            "hsds-import",
            lambda: other.import_hsds(str(package)),
            lambda: hsds.import_package(spare, package),
        )
        other.close()

    def stale_map_export() -> None:
        pane.schedule_reload()  # as after a change: the data is built again, on the worker
        pane.export_html(str(work / "karte-neu.html"))

    if "map-html" in chosen:
        for _ in range(600):
            if pane.shown_data is not None:
                break
            wait(50)
        measure(
            "map-html",
            lambda: pane.export_html(str(work / "karte.html")),
            lambda: write_text_atomically(work / "karte-alt.html", standalone_html(atlas.maps.data())),
        )
        chosen.add("map-html-stale")
        measure("map-html-stale", stale_map_export, lambda: None)
    if "quarters" in chosen:
        features = []
        for quarter_id in atlas.quarters.list_ids():
            values = atlas.quarters.get(quarter_id).values
            if values.get("boundary_geojson"):
                geometry = json.loads(values["boundary_geojson"])
                features.append(
                    {"type": "Feature", "properties": {"name": values["name"]}, "geometry": geometry}
                )
        geojson = work / "quartiere.geojson"
        geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")

        dialog = QuarterImportDialog(atlas, window, str(geojson), runner=window.tasks)  # the file chosen
        dialog.show()
        wait(500)
        measure("quarters", dialog.run_import, lambda: atlas.boundaries.import_geojson(geojson, "name"))
        dialog.close()
    if "geocoding" in chosen:
        from atlas.geo import GeocoderSettings
        from ui.geo_dialogs import BatchDialog

        with sqlite3.connect(copy) as conn:
            lat, lon = conn.execute("SELECT avg(lat), avg(lon) FROM institution").fetchone()
            # synth.py leaves 330 without a pin: placed here, so the batch is GEOCODE_BATCH
            conn.execute(
                "UPDATE institution SET lat = ?, lon = ?, geocode_status = 'ok' WHERE lat IS NULL", (lat, lon)
            )
            conn.execute(
                "UPDATE institution SET lat = NULL, lon = NULL, geocode_status = 'pending' WHERE id IN "
                "(SELECT id FROM institution WHERE street IS NOT NULL AND lat IS NOT NULL "
                f"ORDER BY id LIMIT {GEOCODE_BATCH})"
            )
        server = subprocess.Popen(
            [sys.executable, "-c", GEO_SERVER, str(bench_stall.ROOT), str(lat), str(lon)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None and server.stdin is not None
        url = server.stdout.readline().strip()
        atlas.geocoding.configure(
            GeocoderSettings(
                url=url,
                user_agent="Stadtteil-Atlas-Benchmark/1.0 (bench_slow_actions)",
                min_delay=0.0,
                timeout=5.0,
            )
        )
        batch = BatchDialog(atlas, window, workers=workers)
        batch.show()
        wait(500)

        def geocode() -> None:
            batch.start()
            until(lambda: batch.report is not None)

        measure("geocoding", geocode, None)
        assert batch.report is not None
        print(f"   {batch.report.summary()}")
        batch.close()
        server.stdin.close()
        server.wait(10)

    def print_report(name: str, kind: str, preset: dict[str, Any]) -> None:
        from ui.printing.dialog import ReportDialog

        dialog = ReportDialog(kind, atlas, window.settings, window, preset, workers=workers)
        dialog.show()
        wait(500)
        heard: list[str] = []
        dialog.saved.connect(heard.append)
        dialog.problem.connect(heard.append)

        def save() -> None:
            dialog.save(work / f"{name}.pdf")
            until(lambda: heard)

        measure(name, save, None)
        print(f"   {dialog.status.text()}")
        dialog.close()

    if "print-contacts" in chosen:
        contact_ids = atlas.contacts.list_ids()[:PRINT_CONTACTS]
        print_report(
            "print-contacts", "contact-list", {"contact_ids": contact_ids, "selection_label": "Liste"}
        )
    if "print-directory" in chosen:
        # one category (~1,100 offers at 10k): the whole directory of 20,000 offers does not
        # finish — atlas.reports.svg._spread places the map labels pair by pair, 120 rounds
        with sqlite3.connect(copy) as conn:
            (category,) = conn.execute(
                "SELECT category_id FROM offer WHERE category_id IS NOT NULL "
                "GROUP BY category_id ORDER BY count(*) LIMIT 1"
            ).fetchone()
        print_report("print-directory", "directory", {"category_id": category})
    if "wizard-import" in chosen:
        window.show_section(0)
        wait(1000)
        listing = work / "neue-einrichtungen.csv"
        with listing.open("w", encoding="utf-8", newline="") as handle:
            handle.write("Einrichtung;Träger;Straße;Hausnummer;PLZ;Ort;Telefon;E-Mail\n")
            for n in range(WIZARD_ROWS):
                handle.write(
                    f"Neue Einrichtung {n:05d};Träger {n % 37};Importweg {n // 40};{n % 40 + 1};"
                    f"460{45 + n % 5};Oberhausen;0208 {100000 + n};neu{n}@import.example.org\n"
                )
        wizard = window.import_list()
        wait(500)

        def read() -> None:
            wizard.load_file(listing)  # type: ignore[attr-defined]
            until(lambda: wizard.table is not None)  # type: ignore[attr-defined]

        def check() -> None:
            wizard.next()  # type: ignore[attr-defined]
            wizard.run_check()  # type: ignore[attr-defined]
            until(lambda: wizard.plan is not None)  # type: ignore[attr-defined]

        def write() -> None:
            wizard.run_import()  # type: ignore[attr-defined]
            until(lambda: wizard.result is not None or wizard.import_message)  # type: ignore[attr-defined]

        measure("wizard-read", read, None)
        measure("wizard-check", check, None)
        measure("wizard-import", write, None, after_ms=3000)
        print(f"   {wizard.result.summary() if wizard.result else wizard.import_message}")  # type: ignore[attr-defined]
        wizard.close()

    print("\nlongest GUI stall (10 ms heartbeat, less 10 ms) and duration, at 10k institutions:")
    print(
        f"  {'action':<16} {'now: stall':>11} {'(after)':>9} {'took':>8}   {'old way: stall':>15} {'took':>8}"
    )
    for name, now, before in rows:
        old = f"{before[1]:>13.0f} ms {before[0]:>6.2f} s" if before else ""
        print(f"  {name:<16} {now[1]:>8.0f} ms {now[2]:>6.0f} ms {now[0]:>6.2f} s   {old}")
    if args.json is not None:
        args.json.write_text(json.dumps([[name, list(now)] for name, now, _b in rows]), encoding="utf-8")
    if why is not None:
        why.stop.set()
        why.thread.join()
    window.close()
    workers.shutdown()
    for engine in engines:
        engine.dispose()
    shutil.rmtree(work, ignore_errors=True)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
