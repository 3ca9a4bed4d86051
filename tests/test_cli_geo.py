"""`stadtteil-atlas geocode` and `import quarters`, run as real processes against a local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from atlas.core import Atlas
from db.engine import make_sessions
from db.migrate import open_database
from tests.fake_nominatim import NOT_FOUND, FakeNominatim, Reply, closed_url, found, running
from tests.test_cli import run

WEST = {
    "type": "Polygon",
    "coordinates": [[[6.80, 51.45], [6.85, 51.45], [6.85, 51.50], [6.80, 51.50], [6.80, 51.45]]],
}
EAST = {
    "type": "Polygon",
    "coordinates": [[[6.85, 51.45], [6.90, 51.45], [6.90, 51.50], [6.85, 51.50], [6.85, 51.45]]],
}


@pytest.fixture
def server() -> Iterator[FakeNominatim]:
    with running() as fake:
        yield fake


def make_db(path: Path, *streets: str, quarters: bool = True) -> None:
    result = open_database(path)
    atlas = Atlas(make_sessions(result.engine))
    if quarters:
        atlas.quarters.save(None, {"name": "West", "boundary_geojson": json.dumps(WEST)})
        atlas.quarters.save(None, {"name": "Ost", "boundary_geojson": json.dumps(EAST)})
    for i, street in enumerate(streets):
        atlas.institutions.save(
            None, {"name": f"Einrichtung {i}", "street": street, "postcode": "46045", "city": "Oberhausen"}
        )
    result.engine.dispose()


def query(path: Path, sql: str) -> list[tuple[object, ...]]:
    result = open_database(path)
    try:
        with result.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        result.engine.dispose()


def test_help_names_the_geo_commands() -> None:
    assert all(word in run("--help").stdout for word in ("geocode", "import"))
    geocode_help = run("geocode", "--help").stdout
    for word in ("--missing", "--dry-run", "--geocoder-url", "von Hand", "nie Kontaktdaten", "Exit-Code 1"):
        assert word in geocode_help, word
    assert "--name-property" in run("import", "--help").stdout


def test_geocode_places_and_summarises(tmp_path: Path, server: FakeNominatim) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db, "Marktstraße 1", "Nirgendweg 9")
    server.by_query["Marktstraße 1, 46045 Oberhausen"] = found((51.47, 6.88))
    server.default = NOT_FOUND
    result = run("--db", str(db), "geocode", "--missing", "--geocoder-url", server.url)
    assert result.returncode == 0, result.stderr  # 'not found' is no failure
    out = result.stdout
    assert f"Geokodierung über {server.url}" in out
    assert "Einrichtung 1 (Nirgendweg 9, 46045 Oberhausen): Adresse nicht gefunden" in out
    assert "2 Adressen: 1 verortet, 0 zur Bestätigung, 1 nicht gefunden, 0 fehlgeschlagen" in out
    assert "0 aus dem Cache, 2 Anfragen" in out
    assert server.count == 2
    assert min(server.gaps()) >= 1.0  # the command line keeps the limit too
    rows = query(
        db,
        "SELECT i.name, i.geocode_status, q.name FROM institution i LEFT JOIN quarter q ON q.id = i.quarter_id ORDER BY i.id",
    )
    assert rows == [("Einrichtung 0", "ok", "Ost"), ("Einrichtung 1", "not_found", None)]
    # Again, all of them: answered from the database, not the server.
    again = run("--db", str(db), "geocode", "--geocoder-url", server.url)
    assert again.returncode == 0, again.stderr
    assert "2 aus dem Cache, 0 Anfragen" in again.stdout
    assert server.count == 2


def test_geocode_exits_non_zero_on_a_failure(tmp_path: Path, server: FakeNominatim) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db, "Marktstraße 1")
    server.default = Reply(500, b"kaputt")
    result = run("--db", str(db), "geocode", "--geocoder-url", server.url)
    assert result.returncode == 1
    assert "HTTP 500" in result.stdout and "1 fehlgeschlagen" in result.stdout
    assert "Traceback" not in result.stderr


def test_geocode_without_network(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db, "Marktstraße 1", "Marktstraße 2")
    result = run("--db", str(db), "geocode", "--missing", "--geocoder-url", closed_url())
    assert result.returncode == 1
    assert "Keine Verbindung" in result.stdout
    assert query(db, "SELECT geocode_status FROM institution") == [("pending",), ("pending",)]


def test_geocode_stops_at_429(tmp_path: Path, server: FakeNominatim) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db, "Marktstraße 1", "Marktstraße 2", "Marktstraße 3")
    server.default = Reply(429, b"", headers={"Retry-After": "120"})
    result = run("--db", str(db), "geocode", "--geocoder-url", server.url)
    assert result.returncode == 1
    assert "Angehalten" in result.stdout and "HTTP 429" in result.stdout and "2 übersprungen" in result.stdout
    assert "– 1 von 3 versucht." in result.stdout
    assert server.count == 1


def test_geocode_dry_run_changes_nothing(tmp_path: Path, server: FakeNominatim) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db, "Marktstraße 1")
    server.default = found((51.47, 6.82))
    result = run("--db", str(db), "geocode", "--dry-run", "--geocoder-url", server.url)
    assert result.returncode == 0, result.stderr
    assert "Probelauf" in result.stdout
    assert query(db, "SELECT lat, geocode_status FROM institution") == [(None, "pending")]


def test_geocode_refuses_a_bad_url(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "a.sqlite"), "geocode", "--geocoder-url", "nominatim.local")
    assert result.returncode == 2
    assert "http://" in result.stderr and "Traceback" not in result.stderr


def test_geocode_the_demo_copy(server: FakeNominatim) -> None:
    """The five demo institutions without a pin, on a migrated copy of the bundled demo."""
    server.default = found((51.475, 6.86))
    result = run("--demo", "geocode", "--missing", "--dry-run", "--geocoder-url", server.url)
    assert result.returncode == 0, result.stderr
    assert "5 Adressen: 5 verortet" in result.stdout
    assert all(r.q.endswith("Oberhausen") for r in server.requests)


def test_import_quarters(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db, quarters=False)
    result = open_database(db)
    Atlas(make_sessions(result.engine)).institutions.save(None, {"name": "Kita", "lat": 51.47, "lon": 6.82})
    result.engine.dispose()
    geojson = tmp_path / "stadtteile.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"STADTTEIL": "West", "nr": 1}, "geometry": WEST},
                    {"type": "Feature", "properties": {"STADTTEIL": "Ost", "nr": 1}, "geometry": EAST},
                ],
            }
        ),
        encoding="utf-8",
    )
    done = run("--db", str(db), "import", "quarters", str(geojson))
    assert done.returncode == 0, done.stderr
    assert (
        "„STADTTEIL“" in done.stdout
        and "2 neu" in done.stdout
        and "1 Einrichtungen neu zugeordnet" in done.stdout
    )
    assert query(db, "SELECT q.name FROM institution i JOIN quarter q ON q.id = i.quarter_id") == [("West",)]
    # A property that does not name each quarter uniquely is refused.
    refused = run("--db", str(db), "import", "quarters", str(geojson), "--name-property", "nr")
    assert refused.returncode == 2
    assert "kommt schon in Objekt 1 vor" in refused.stderr


def test_import_quarters_refuses_a_broken_file(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    make_db(db)
    broken = tmp_path / "kaputt.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    result = run("--db", str(db), "import", "quarters", str(broken), "--name-property", "name")
    assert result.returncode == 2
    assert "nicht importiert" in result.stderr and "kein gültiges JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert query(db, "SELECT count(*) FROM quarter") == [(2,)]
    nameless = tmp_path / "ohne.geojson"
    nameless.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": WEST}],
            }
        ),
        encoding="utf-8",
    )
    result = run("--db", str(db), "import", "quarters", str(nameless))
    assert result.returncode == 2 and "--name-property" in result.stderr
