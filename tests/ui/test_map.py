"""The real map page in a real QWebEngineView, asked through JavaScript."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSettings, QUrl
from PySide6.QtGui import QColor, QImage
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from atlas import models as m
from atlas.core import Atlas
from atlas.records.schema import FilterKind
from tests.ui.conftest import Answers
from ui.main_window import MainWindow
from ui.map.view import MapView

ROOT = Path(__file__).resolve().parents[2]
NASTY = (
    "<img src=x onerror=\"document.title='pwned-img'\">",
    "`${document.title='pwned-template'}`",
    "</script><script>document.title='pwned-script'</script>",
    "\"'><b>fett</b>&amp;",
)


def js(qtbot, view: MapView | QWebEngineView, script: str) -> Any:  # type: ignore[no-untyped-def]
    with qtbot.waitCallback(timeout=15000) as callback:
        view.page().runJavaScript(script, 0, callback)
    return callback.args[0]


def state(qtbot, view: MapView | QWebEngineView) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return json.loads(js(qtbot, view, "JSON.stringify(AtlasMap.state())"))


def wait_markers(qtbot, view: MapView | QWebEngineView, n: int) -> None:  # type: ignore[no-untyped-def]
    def check() -> None:
        assert state(qtbot, view)["markers"] == n

    qtbot.waitUntil(check, timeout=15000)


@pytest.fixture
def offline_settings(settings: QSettings) -> QSettings:
    settings.setValue("map/base", "none")
    return settings


def open_window(qtbot, workers, atlas: Atlas, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(atlas, "test.sqlite", settings, workers=workers)
    qtbot.addWidget(window)
    window.resize(1500, 900)
    window.show()
    pane = window.start_map()
    pane.view.guard.remote.clear()
    qtbot.waitUntil(lambda: pane.view.ready, timeout=20000)
    return window


def with_coordinates(atlas: Atlas, *where: Any) -> int:
    with atlas.sessions() as session:
        stmt = select(func.count()).select_from(m.Institution).where(m.Institution.lat.is_not(None), *where)
        return session.scalar(stmt) or 0


def test_the_page_shows_quarters_markers_and_legend_with_no_remote_request(
    qtbot, workers, demo: Atlas, offline_settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    total = with_coordinates(demo)
    wait_markers(qtbot, view, total)
    shown = state(qtbot, view)
    assert shown["quarters"] == 5
    assert "Kinderbetreuung" in shown["legend"]
    assert shown["base"] is None
    missing = demo.stats()["institutions_without_coordinates"]
    assert window.map.missing.text().startswith(f"{missing} Einrichtungen noch nicht")  # type: ignore[union-attr]
    assert view.guard.remote == []
    assert view.bridge.errors == []


def test_a_script_error_on_the_page_is_collected(
    qtbot, workers, demo: Atlas, offline_settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    """The "no errors" checks above mean something: an uncaught error reaches bridge.errors."""
    window = open_window(qtbot, workers, demo, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    assert view.bridge.errors == []
    js(qtbot, view, "setTimeout(() => { throw new Error('kaputt-im-test') }, 0); 1")
    qtbot.waitUntil(lambda: any("kaputt-im-test" in e for e in view.bridge.errors), timeout=15000)


def test_list_filters_apply_to_the_map(qtbot, workers, demo: Atlas, offline_settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    section = window.section("institution")
    quarter = next(i for i, name in demo.quarters.choices() if name == "Lirich")
    section.set_filter(FilterKind.QUARTER, quarter)
    wait_markers(qtbot, view, with_coordinates(demo, m.Institution.quarter_id == quarter))
    section.set_filter(FilterKind.QUARTER, None)
    section.search.setText("familienzentrum")
    section.refresh()
    expected = with_coordinates(demo, m.Institution.id.in_(section.model.ids()))
    assert 0 < expected < 20
    wait_markers(qtbot, view, expected)
    # the offers list stands for the institutions that offer them
    window.show_section(1)
    offers = window.section("offer")
    offers.search.setText("Schuldnerberatung für Alleinerziehende")
    offers.refresh()
    wait_markers(qtbot, view, 1)
    assert view.guard.remote == []


def test_selecting_in_the_list_opens_the_popup(
    qtbot, workers, demo: Atlas, offline_settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    wait_markers(qtbot, view, with_coordinates(demo))
    section = window.section("institution")
    section.search.setText("Schuldner- und Insolvenzberatung")
    section.refresh()
    record_id = section.model.ids()[0]
    section.select(record_id)

    def popup_open() -> None:
        popup = state(qtbot, view)["popup"]
        assert popup and "Schuldner- und Insolvenzberatung Alt-Oberhausen" in popup
        assert "Schuldnerberatung für Alleinerziehende" in popup  # its current offers

    qtbot.waitUntil(popup_open, timeout=15000)
    assert state(qtbot, view)["selected"] == record_id

    # The list's filter reaches the map after the selection when the list settles late (a
    # busy machine): the popup stays open (clearing the markers closed it).
    qtbot.waitUntil(lambda: not window.map_follower.is_following(), timeout=10000)
    others = [i for i in demo.institutions.list_ids() if i != record_id][:3]
    view.show_only([record_id, *others])
    qtbot.waitUntil(lambda: state(qtbot, view)["markers"] == 1 + len(others), timeout=10000)
    qtbot.waitUntil(popup_open, timeout=10000)


def test_clicking_a_marker_selects_the_record(
    qtbot, workers, demo: Atlas, offline_settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    wait_markers(qtbot, view, with_coordinates(demo))
    with demo.sessions() as session:
        target = session.scalar(
            select(m.Institution.id).where(m.Institution.name == "Familienzentrum Lirich")
        )
    window.show_section(1)  # from the offers, a click goes to the institution
    js(qtbot, view, f"AtlasMap.marker({target}).fire('click'); true")
    qtbot.waitUntil(lambda: window.current_section().spec.key == "institution", timeout=10000)
    section = window.section("institution")
    qtbot.waitUntil(lambda: section.current_id() == target, timeout=10000)
    assert section.form.record is not None and section.form.record.id == target


def test_names_with_markup_and_script_stay_text(
    qtbot, workers, atlas: Atlas, offline_settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    quarter = atlas.quarters.save(
        None,
        {
            "name": "<b>Quartier</b>",
            "boundary_geojson": json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[6.80, 51.40], [6.90, 51.40], [6.90, 51.50], [6.80, 51.40]]],
                }
            ),
        },
    )
    ids = []
    for n, name in enumerate(NASTY):
        record = atlas.institutions.save(
            None,
            {
                "name": name,
                "quarter_id": quarter.id,
                "lat": 51.45 + n * 0.001,
                "lon": 6.85,
                "opening_hours": name,
            },
            confirm_duplicate=True,
        )
        ids.append(record.id)
    window = open_window(qtbot, workers, atlas, offline_settings)
    view = window.map.view  # type: ignore[union-attr]
    wait_markers(qtbot, view, len(NASTY))
    for record_id, name in zip(ids, NASTY, strict=True):
        view.select(record_id)

        def popup_shows(name: str = name) -> None:
            popup = state(qtbot, view)["popup"]
            assert popup is not None and popup.startswith(name)

        qtbot.waitUntil(popup_shows, timeout=10000)
    assert js(qtbot, view, "document.title") == ""
    assert js(qtbot, view, "document.querySelectorAll('.leaflet-pane img, .leaflet-pane b').length") == 0
    assert "<b>Quartier</b>" in js(qtbot, view, "document.querySelector('.quarter-label').innerText")
    assert view.bridge.errors == []

    # the same names in the exported standalone file
    exported = window.map.export_html(str(tmp_path / "karte.html"))  # type: ignore[union-attr]
    assert exported is not None
    page = QWebEngineView()
    qtbot.addWidget(page)
    view.guard.remote.clear()
    with qtbot.waitSignal(page.loadFinished, timeout=20000):
        page.load(QUrl.fromLocalFile(str(exported)))
    wait_markers(qtbot, page, len(NASTY))
    assert js(qtbot, page, "document.title") == "Stadtteil-Atlas"
    assert js(qtbot, page, "document.querySelectorAll('img[src=x], b').length") == 0
    assert view.guard.remote == []


def _png(color: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def make_mbtiles(path: Path) -> None:
    """A small raster MBTiles file covering Oberhausen at zoom 10 to 15."""
    import math

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
    )
    conn.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [
            ("name", "Test"),
            ("format", "png"),
            ("minzoom", "10"),
            ("maxzoom", "15"),
            ("attribution", "<i>Testkarte</i>"),
        ],
    )
    tile = _png("#cfe3c8")

    def xy(lat: float, lon: float, z: int) -> tuple[int, int]:
        n = 2**z
        x = int((lon + 180) / 360 * n)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        return x, y

    for z in range(10, 16):
        x0, y0 = xy(51.56, 6.75, z)
        x1, y1 = xy(51.42, 6.98, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (2**z - 1) - y, tile))
    conn.commit()
    conn.close()


def test_offline_tiles_come_from_an_mbtiles_file(
    qtbot, workers, demo: Atlas, offline_settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    tiles = tmp_path / "oberhausen.mbtiles"
    make_mbtiles(tiles)
    window = open_window(qtbot, workers, demo, offline_settings)
    pane = window.map
    assert pane is not None
    wait_markers(qtbot, pane.view, with_coordinates(demo))
    pane.view.handler.served.clear()
    assert pane.use_tile_file(tiles)
    qtbot.waitUntil(
        lambda: any(u.startswith("atlas://tiles/") for u in pane.view.handler.served), timeout=15000
    )
    shown = state(qtbot, pane.view)
    assert shown["base"] == "atlas://tiles/{z}/{x}/{y}"
    assert "Testkarte" in js(
        qtbot, pane.view, "document.querySelector('.leaflet-control-attribution').innerText"
    )
    assert js(qtbot, pane.view, "document.querySelectorAll('.leaflet-control-attribution i').length") == 0
    assert offline_settings.value("map/mbtiles") == str(tiles)
    assert pane.view.guard.remote == []


def test_a_broken_tile_file_falls_back_to_no_tiles_with_a_message(
    qtbot, workers, demo: Atlas, offline_settings: QSettings, tmp_path: Path, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "kaputt.mbtiles"
    broken.write_bytes(b"keine Kacheln" * 100)
    offline_settings.setValue("map/mbtiles", str(broken))
    offline_settings.setValue("map/base", "mbtiles")
    window = open_window(qtbot, workers, demo, offline_settings)
    pane = window.map
    assert pane is not None
    assert any("keine lesbare MBTiles-Datei" in w for w in answers.warnings)
    assert pane.base.currentData() == "none"
    assert state(qtbot, pane.view)["base"] is None


def test_dragging_a_pin_asks_saves_and_can_be_undone(
    qtbot, workers, demo: Atlas, offline_settings: QSettings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    pane = window.map
    assert pane is not None
    with demo.sessions() as session:
        target, lat, lon = session.execute(
            select(m.Institution.id, m.Institution.lat, m.Institution.lon).where(
                m.Institution.lat.is_not(None)
            )
        ).first()  # type: ignore[misc]
    answers.next = [QMessageBox.StandardButton.Cancel]
    pane.view.bridge.moved(target, 51.5, 6.87)
    assert demo.institutions.get(target).values["lat"] == lat
    answers.next = [QMessageBox.StandardButton.Yes]
    pane.view.bridge.moved(target, 51.5, 6.87)
    assert "verschieben" in answers.questions[-1]
    assert demo.institutions.get(target).values["lat"] == 51.5
    window.undo_stack.undo()
    assert demo.institutions.get(target).values["lat"] == lat
    assert demo.institutions.get(target).values["lon"] == lon
    window.undo_stack.redo()
    assert demo.institutions.get(target).values["lat"] == 51.5


def test_density_view_colours_quarters(qtbot, workers, demo: Atlas, offline_settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    pane = window.map
    assert pane is not None
    wait_markers(qtbot, pane.view, with_coordinates(demo))
    index = pane.density.findText("Für: Alleinerziehende")
    assert index > 0
    pane.density.setCurrentIndex(index)
    pane.density.activated.emit(index)

    def coloured() -> None:
        shown = state(qtbot, pane.view)
        assert shown["density"] is True
        assert "Für: Alleinerziehende" in shown["legend"]

    qtbot.waitUntil(coloured, timeout=10000)
    counts = demo.maps.offer_density(
        target_group_id=next(
            t.id for t in demo.taxonomy.terms(m.Vocabulary.TARGET_GROUP) if t.name == "Alleinerziehende"
        )
    )
    assert sum(counts.values()) > 0 and len(counts) == 5


def test_png_and_pdf_export(qtbot, workers, demo: Atlas, offline_settings: QSettings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    pane = window.map
    assert pane is not None
    wait_markers(qtbot, pane.view, with_coordinates(demo))
    png = pane.export_png(str(tmp_path / "karte.png"))
    assert png is not None and not QImage(str(png)).isNull()
    pdf = tmp_path / "karte.pdf"
    with qtbot.waitSignal(pane.view.page().pdfPrintingFinished, timeout=30000) as finished:
        pane.export_pdf(str(pdf))
    assert finished.args[1] is True
    assert pdf.read_bytes().startswith(b"%PDF")


class TileServer:
    """A real HTTP server on 127.0.0.1 standing in for the online tile server."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        tile = _png("#d8e8f0")
        self.requests: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("User-Agent", "")))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.send_header("Cache-Control", "max-age=604800")
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_online_tiles_come_through_the_program_with_user_agent_and_cache(
    qtbot, workers, demo: Atlas, settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from ui.map.scheme import OnlineTiles
    from ui.map.view import USER_AGENT, profile_parts

    server = TileServer()
    try:
        handler, _guard = profile_parts()
        handler.online = OnlineTiles(tmp_path / "kacheln", USER_AGENT, handler)
        settings.setValue("map/base", "osm")
        settings.setValue("map/tile_url", f"http://127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}.png")
        window = open_window(qtbot, workers, demo, settings)
        pane = window.map
        assert pane is not None
        qtbot.waitUntil(lambda: len(server.requests) >= 4, timeout=20000)
        qtbot.waitUntil(lambda: state(qtbot, pane.view)["base"] == "atlas://online/{z}/{x}/{y}")
        assert {agent for _path, agent in server.requests} == {USER_AGENT}
        assert "OpenStreetMap" in js(
            qtbot, pane.view, "document.querySelector('.leaflet-control-attribution').innerText"
        )
        assert pane.view.guard.remote == []
    finally:
        server.stop()


class FakeJob:
    """Stands in for QWebEngineUrlRequestJob (Qt makes those only for a live request)."""

    def __init__(self) -> None:
        self.data: bytes | None = None
        self.failed = False

    def fail(self, _error: object) -> None:
        self.failed = True


def test_online_tiles_are_cached_on_disk_and_served_without_network(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.map.scheme import OnlineTiles

    server = TileServer()
    online = OnlineTiles(tmp_path / "kacheln", "Stadtteil-Atlas-Test/1.0")
    online.template = f"http://127.0.0.1:{server.port}/{{z}}/{{x}}/{{y}}.png"

    def fetch(z: int, x: int, y: int) -> FakeJob:
        job = FakeJob()
        online.fetch(job, z, x, y, lambda j, _mime, data: setattr(j, "data", data))  # type: ignore[arg-type]
        qtbot.waitUntil(lambda: job.data is not None or job.failed, timeout=10000)
        return job

    try:
        assert fetch(13, 4252, 2721).data
        assert len(server.requests) == 1
        assert fetch(13, 4252, 2721).data
        assert len(server.requests) == 1  # fresh in the disk cache: not asked again
    finally:
        server.stop()
    assert fetch(13, 4252, 2721).data  # no server any more: still shown from the cache
    assert online.failures == 0
    assert fetch(13, 4253, 2721).failed  # never seen and no network: a failed tile, no crash
    assert online.failures == 1


def test_a_pin_can_be_set_by_hand_for_an_institution_without_coordinates(
    qtbot, workers, demo: Atlas, offline_settings: QSettings, answers: Answers
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, workers, demo, offline_settings)
    pane = window.map
    assert pane is not None
    before = with_coordinates(demo)
    wait_markers(qtbot, pane.view, before)
    with demo.sessions() as session:
        target = session.scalar(select(m.Institution.id).where(m.Institution.lat.is_(None)))
    section = window.section("institution")
    assert section.select(target)
    assert pane.place_button.isEnabled()
    pane.place_button.setChecked(True)
    qtbot.waitUntil(lambda: state(qtbot, pane.view)["placing"] is True, timeout=10000)
    answers.next = [QMessageBox.StandardButton.Yes]
    js(qtbot, pane.view, "map_atlas_map.fire('click', {latlng: L.latLng(51.4901, 6.8612)}); true")
    qtbot.waitUntil(lambda: demo.institutions.get(target).values["lat"] == 51.4901, timeout=10000)
    assert demo.institutions.get(target).values["lon"] == 6.8612
    assert not pane.place_button.isChecked()
    wait_markers(qtbot, pane.view, before + 1)
    window.undo_stack.undo()
    assert demo.institutions.get(target).values["lat"] is None
