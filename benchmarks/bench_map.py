"""Map speed: a filter change painted through the bridge vs. the naive folium rebuild.

For N = 1,000 and 10,000 institutions (synthetic places in the demo city):
- "bridge": the page is built once; each filter change sends the visible ids through
  the QWebChannel bridge and waits until the page reports two animation frames later.
- "naive": what a simple folium program does on every filter change: build a new
  folium map with a MarkerCluster of those markers (with popups), write it, load it,
  and wait until it is painted.
Also: start of the program to the map painted with the demo data (warm).

    python benchmarks/bench_map.py [--sizes 1000 10000] [--changes 10]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6 import QtWebEngineWidgets  # noqa: E402,F401
from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from atlas.demo.build import QUARTER_RINGS, quarter_geometry, random_point_in  # noqa: E402
from atlas.geo.mapdata import MapData, legend_of  # noqa: E402
from atlas.geo.mappage import CLUSTER, LEAFLET, WEB  # noqa: E402
from ui.map.scheme import register_scheme  # noqa: E402

COLORS = ["#e31a1c", "#6a3d9a", "#ff7f00", "#1f78b4", "#33a02c", "#fb9a99", "#b15928", "#08306b"]


def synthetic(n: int, seed: int = 7) -> MapData:
    rng = random.Random(seed)
    quarters = []
    places = []
    names = list(QUARTER_RINGS)
    for qid, name in enumerate(names, start=1):
        geometry = quarter_geometry(name)
        quarters.append(
            {
                "type": "Feature",
                "id": qid,
                "geometry": geometry,
                "properties": {"id": qid, "name": name, "color": COLORS[qid], "offers": 0},
            }
        )
    for i in range(1, n + 1):
        qid = rng.randrange(1, len(names) + 1)
        lon, lat = random_point_in(rng, QUARTER_RINGS[names[qid - 1]])
        cat = rng.randrange(len(COLORS))
        places.append(
            {
                "id": i,
                "name": f"Einrichtung {i}",
                "lat": lat,
                "lon": lon,
                "address": f"Straße {i}",
                "phone": "030 23125 000",
                "hours": "Mo–Fr 9–12 Uhr",
                "quarter": qid,
                "category": cat,
                "categoryName": f"Kategorie {cat}",
                "color": COLORS[cat],
                "offers": ["Beratung"],
            }
        )
    return MapData({"type": "FeatureCollection", "features": quarters}, places, legend_of(places), 0)


def wait(predicate, timeout: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    # (QCoreApplication.processEvents(flags, ms) in a tight loop crashed PySide6 6.12 with
    # "deallocating None"; a short event loop per step does not.)
    end = time.perf_counter() + timeout
    while not predicate():
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()
        if time.perf_counter() > end:
            raise TimeoutError
    return None


def bridge_changes(data: MapData, changes: int) -> list[float]:
    from ui.map.view import MapView

    view = MapView()
    view.resize(1000, 750)
    view.show()
    view.start()
    view.set_data(data, fit=True)
    painted: list[float] = []
    view.bridge.paintedMs.connect(lambda ms: painted.append(ms))
    wait(lambda: view.ready and len(painted) >= 1)
    rng = random.Random(1)
    ids = [p["id"] for p in data.places]
    timings = []
    for k in range(changes):
        subset = None if k % 2 else sorted(rng.sample(ids, len(ids) // rng.choice((3, 5, 10))))
        before = len(painted)
        t0 = time.perf_counter()
        view.show_only(subset)
        wait(lambda b=before: len(painted) > b)
        timings.append(time.perf_counter() - t0)
    view.close()
    view.deleteLater()
    return timings


def naive_page(data: MapData, folder: Path) -> Path:
    import folium
    from folium.plugins import MarkerCluster

    class LocalMap(folium.Map):  # the CDN files, pointed at the bundled copies so it runs offline
        default_js = [("leaflet", (WEB / LEAFLET / "leaflet.js").as_uri())]  # noqa: RUF012
        default_css = [("leaflet_css", (WEB / LEAFLET / "leaflet.css").as_uri())]  # noqa: RUF012

    class LocalCluster(MarkerCluster):
        default_js = [("markerclusterjs", (WEB / CLUSTER / "leaflet.markercluster.js").as_uri())]  # noqa: RUF012
        default_css = [  # noqa: RUF012
            ("markerclustercss", (WEB / CLUSTER / "MarkerCluster.css").as_uri()),
            ("markerclusterdefaultcss", (WEB / CLUSTER / "MarkerCluster.Default.css").as_uri()),
        ]

    fmap = LocalMap(location=[51.49, 6.86], zoom_start=13, tiles=None, max_zoom=19)
    fmap.options["maxZoom"] = 19
    cluster = LocalCluster().add_to(fmap)
    for p in data.places:
        folium.CircleMarker(
            [p["lat"], p["lon"]], radius=6, color=p["color"], fill=True, tooltip=p["name"]
        ).add_to(cluster)  # folium popups need jQuery
    target = folder / "naive.html"
    fmap.save(str(target))
    return target


def naive_change(data: MapData) -> float:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    folder = Path(tempfile.mkdtemp())
    view = QWebEngineView()
    view.resize(1000, 750)
    view.show()
    t0 = time.perf_counter()
    page = naive_page(data, folder)
    done: list[bool] = []
    view.loadFinished.connect(lambda ok: done.append(bool(ok)))
    view.load(QUrl.fromLocalFile(str(page)))
    wait(lambda: bool(done))
    # poll a flag the page sets two animation frames after the load
    view.page().runJavaScript(
        "window.__p = 0; requestAnimationFrame(() => requestAnimationFrame(() => { window.__p = 1; }));", 0
    )
    flag: list[object] = []

    def poll() -> None:
        view.page().runJavaScript("window.__p", 0, lambda value: flag.append(value))

    while not (flag and flag[-1] == 1):
        count = len(flag)
        poll()
        wait(lambda count=count: len(flag) > count)
    elapsed = time.perf_counter() - t0
    view.close()
    view.deleteLater()
    return elapsed


def startup_to_map(runs: int) -> list[float]:
    env = {**os.environ, "STADTTEIL_ATLAS_STARTUP_PROBE": "map", "HOME": tempfile.mkdtemp()}
    out = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "--demo"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("STARTUP_PROBE")), "")
        if "map_painted=" not in line:
            raise SystemExit(f"no map probe: {proc.stdout[-500:]} {proc.stderr[-1500:]}")
        out.append(float(line.split("map_painted=")[1].split()[0]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    register_scheme()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    QCoreApplication.setApplicationName("Stadtteil-Atlas-Benchmark")
    app = QApplication(sys.argv[:1])
    for n in args.sizes:
        data = synthetic(n)
        timings = bridge_changes(data, args.changes)
        naive = naive_change(data)
        median = statistics.median(timings)
        print(
            f"{n:>6} places: filter change painted via bridge median {median * 1000:.0f} ms "
            f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}, {len(timings)} changes); "
            f"naive folium rebuild+load {naive:.2f} s -> {naive / median:.0f}x faster"
        )
    QTimer.singleShot(0, app.quit)
    app.exec()
    runs = startup_to_map(args.startup_runs)
    print(
        f"start to map painted (demo, warm, {len(runs)} runs): median {statistics.median(runs):.2f} s "
        f"(min {min(runs):.2f}, max {max(runs):.2f})"
    )


if __name__ == "__main__":
    main()
