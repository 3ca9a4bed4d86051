"""Quarter boundaries: point-in-quarter on, near and outside borders, re-assignment, GeoJSON import."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import GeoJSONImportError, ValidationError
from atlas.geo import geometry
from atlas.geo.geometry import QuarterIndex, property_names, suggest_name_property
from atlas.records.schema import FilterKind

# Two squares sharing the border lon = 6.85; "Klein" (north-east) is smaller.
LAT0 = 51.47
M_LON = 1 / (111_320 * math.cos(math.radians(51.475)))  # one metre in degrees of longitude
M_LAT = 1 / 110_574


def square(lon1: float, lat1: float, lon2: float, lat2: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lon1, lat1], [lon2, lat1], [lon2, lat2], [lon1, lat2], [lon1, lat1]]],
    }


WEST = square(6.80, 51.45, 6.85, 51.50)
EAST = square(6.85, 51.45, 6.90, 51.50)
SMALL = square(6.85, 51.50, 6.86, 51.51)  # touches WEST at its corner, EAST along lat 51.50


def feature(name: Any, geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def make_quarter(atlas: Atlas, name: str, geometry: dict[str, Any]) -> int:
    return atlas.quarters.save(None, {"name": name, "boundary_geojson": json.dumps(geometry)}).id


@pytest.fixture
def two(atlas: Atlas) -> tuple[Atlas, int, int]:
    return atlas, make_quarter(atlas, "West", WEST), make_quarter(atlas, "Ost", EAST)


# -- point in quarter ----------------------------------------------------------------------------


def test_points_inside_on_and_outside(two: tuple[Atlas, int, int]) -> None:
    atlas, west, east = two
    at = atlas.boundaries.quarter_at
    assert at(51.47, 6.82) == west
    assert at(51.47, 6.88) == east
    # One metre from the shared border on either side.
    assert at(51.47, 6.85 - M_LON) == west
    assert at(51.47, 6.85 + M_LON) == east
    # On the outer border (edge and corner) it still belongs to the quarter.
    assert at(51.47, 6.80) == west
    assert at(51.45, 6.80) == west
    assert at(51.50, 6.89) == east
    # One metre outside the outer border, and far away: no quarter.
    assert at(51.47, 6.80 - M_LON) is None
    assert at(51.45 - M_LAT, 6.82) is None
    assert at(52.52, 13.40) is None


def test_shared_border_goes_to_one_deterministic_quarter(atlas: Atlas) -> None:
    # Equal areas: the name decides ("Ost" before "West"), whatever the order of creation.
    west = make_quarter(atlas, "West", WEST)
    east = make_quarter(atlas, "Ost", EAST)
    on_border = [(51.47, 6.85), (51.45, 6.85), (51.50, 6.85), (51.4712345, 6.85)]
    assert [atlas.boundaries.quarter_at(*p) for p in on_border] == [east] * 4
    index = QuarterIndex.from_rows([(west, "West", json.dumps(WEST)), (east, "Ost", json.dumps(EAST))][::-1])
    assert [index.quarter_at(*p) for p in on_border] == [east] * 4
    # The smaller quarter wins a border it shares.
    small = make_quarter(atlas, "Aaa groß? nein: Klein", SMALL)
    assert atlas.boundaries.quarter_at(51.50, 6.855) == small
    assert atlas.boundaries.quarter_at(51.50 - M_LAT, 6.855) == east
    assert atlas.boundaries.quarter_at(51.50 + M_LAT, 6.855) == small


def test_holes_and_multipolygons() -> None:
    ring = [[6.80, 51.45], [6.90, 51.45], [6.90, 51.50], [6.80, 51.50], [6.80, 51.45]]
    hole = [[6.84, 51.46], [6.86, 51.46], [6.86, 51.48], [6.84, 51.48], [6.84, 51.46]]
    donut = {"type": "Polygon", "coordinates": [ring, hole]}
    islands = {
        "type": "MultiPolygon",
        "coordinates": [
            square(7.0, 51.0, 7.01, 51.01)["coordinates"],
            square(7.1, 51.0, 7.11, 51.01)["coordinates"],
        ],
    }
    index = QuarterIndex.from_rows([(1, "Ring", json.dumps(donut)), (2, "Inseln", json.dumps(islands))])
    assert index.quarter_at(51.47, 6.82) == 1
    assert index.quarter_at(51.47, 6.85) is None  # in the hole
    assert index.quarter_at(51.005, 7.005) == 2
    assert index.quarter_at(51.005, 7.105) == 2
    assert index.quarter_at(51.005, 7.05) is None
    assert index.distance_m(51.47, 6.85) == pytest.approx(0.01 / M_LON, rel=0.01)
    assert index.distance_m(51.47, 6.82) == 0


def test_an_empty_or_broken_boundary_is_left_out() -> None:
    index = QuarterIndex.from_rows(
        [
            (1, "Leer", None),
            (2, "Kaputt", "{nicht json"),
            (3, "Punkt", '{"type":"Point","coordinates":[6.8,51.4]}'),
        ]
    )
    assert len(index) == 0
    assert index.quarter_at(51.4, 6.8) is None
    assert index.distance_m(51.4, 6.8) is None


# -- saving an institution -----------------------------------------------------------------------


def test_saving_coordinates_assigns_the_quarter(two: tuple[Atlas, int, int]) -> None:
    atlas, west, east = two
    inst = atlas.institutions.save(None, {"name": "Kita", "lat": 51.47, "lon": 6.82})
    assert inst.values["quarter_id"] == west
    moved = atlas.institutions.save(inst.id, {"lat": 51.47, "lon": 6.88}, expected_version=inst.version)
    assert moved.values["quarter_id"] == east
    outside = atlas.institutions.save(moved.id, {"lat": 52.0, "lon": 7.5})
    assert outside.values["quarter_id"] is None
    with atlas.sessions() as session:
        obj = session.get(m.Institution, inst.id)
        assert obj is not None
        assert obj.geocode_status == "manual"  # a pin typed in is a pin set by hand
        assert obj.quarter_manual is False


def test_a_quarter_chosen_by_hand_is_kept(two: tuple[Atlas, int, int]) -> None:
    atlas, west, east = two
    inst = atlas.institutions.save(None, {"name": "Kita", "lat": 51.47, "lon": 6.82, "quarter_id": east})
    assert inst.values["quarter_id"] == east
    inst = atlas.institutions.save(inst.id, {"lat": 51.471, "lon": 6.821})
    assert inst.values["quarter_id"] == east
    assert atlas.boundaries.reassign_all().manual == 1
    assert atlas.institutions.get(inst.id).values["quarter_id"] == east
    # Clearing the choice hands it back to the coordinates.
    inst = atlas.institutions.save(inst.id, {"quarter_id": None})
    assert inst.values["quarter_id"] == west


def test_a_form_round_trip_changes_nothing(two: tuple[Atlas, int, int]) -> None:
    """The form shows six decimals and sends every field back: no move, no manual quarter."""
    atlas, west, _east = two
    inst = atlas.institutions.save(None, {"name": "Kita", "street": "Marktstraße 1", "city": "Oberhausen"})
    with atlas.sessions.begin() as session:
        obj = session.get(m.Institution, inst.id)
        assert obj is not None and obj.geocode_status == "pending"
        obj.lat, obj.lon, obj.quarter_id, obj.geocode_status = 51.4712345, 6.8212345, west, "ok"
    shown = atlas.institutions.get(inst.id)
    values = dict(shown.values)
    values["lat"], values["lon"] = "51,471235", "6,821235"  # as the form shows and sends them
    atlas.institutions.save(inst.id, values, expected_version=shown.version)
    with atlas.sessions() as session:
        obj = session.get(m.Institution, inst.id)
        assert obj is not None
        assert (obj.lat, obj.lon) == (51.4712345, 6.8212345)
        assert obj.geocode_status == "ok"
        assert obj.quarter_manual is False


def test_a_changed_address_waits_for_the_geocoder(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Ohne Adresse"})
    with atlas.sessions() as session:
        assert session.scalar(select(m.Institution.geocode_status)) is None
    atlas.institutions.save(inst.id, {"street": "Marktstraße 5"})  # a street alone names no place
    with atlas.sessions() as session:
        assert session.scalar(select(m.Institution.geocode_status)) is None
    atlas.institutions.save(inst.id, {"city": "Oberhausen"})
    with atlas.sessions() as session:
        assert session.scalar(select(m.Institution.geocode_status)) == "pending"


# -- re-assignment -------------------------------------------------------------------------------


def test_reassign_after_a_boundary_change_counts_what_moved(two: tuple[Atlas, int, int]) -> None:
    atlas, west, east = two
    a = atlas.institutions.save(None, {"name": "A", "lat": 51.47, "lon": 6.845})  # moves to Ost
    b = atlas.institutions.save(None, {"name": "B", "lat": 51.47, "lon": 6.82})  # stays West
    c = atlas.institutions.save(None, {"name": "C", "lat": 51.47, "lon": 6.805})  # falls outside
    d = atlas.institutions.save(None, {"name": "D", "lat": 51.47, "lon": 6.88, "quarter_id": west})  # manual
    atlas.institutions.save(None, {"name": "E"})  # no coordinates
    assert [atlas.institutions.get(i.id).values["quarter_id"] for i in (a, b, c, d)] == [
        west,
        west,
        west,
        west,
    ]
    # West shrinks to 6.81 … 6.84; Ost grows west to 6.84.
    west_data = atlas.quarters.get(west)
    atlas.quarters.save(
        west, {"boundary_geojson": json.dumps(square(6.81, 51.45, 6.84, 51.50))}, west_data.version
    )
    atlas.quarters.save(east, {"boundary_geojson": json.dumps(square(6.84, 51.45, 6.90, 51.50))})
    seen: list[Any] = []
    atlas.changes.subscribe(seen.append)
    version_before = atlas.institutions.get(a.id).version
    report = atlas.boundaries.reassign_all()
    assert (report.moved, report.unchanged, report.outside, report.manual, report.without_coordinates) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert report.moved_ids == (a.id, c.id)
    assert "2 Einrichtungen neu zugeordnet" in report.summary()
    assert atlas.institutions.get(a.id).values["quarter_id"] == east
    assert atlas.institutions.get(a.id).version == version_before + 1  # open forms see it
    assert atlas.institutions.get(c.id).values["quarter_id"] is None
    assert atlas.institutions.get(d.id).values["quarter_id"] == west
    assert seen and "institution" in seen[-1].entities
    # The search index shows the new quarter.
    assert atlas.institutions.list_ids("Ost") == [a.id]
    assert atlas.institutions.list_ids("", {FilterKind.QUARTER: east}) == [a.id]
    again = atlas.boundaries.reassign_all()
    assert again.moved == 0 and again.unchanged == 3  # C stays outside


def test_a_deleted_quarter_releases_its_manual_institutions(two: tuple[Atlas, int, int]) -> None:
    atlas, west, east = two
    inst = atlas.institutions.save(None, {"name": "A", "lat": 51.47, "lon": 6.82, "quarter_id": east})
    atlas.quarters.delete(east)
    report = atlas.boundaries.reassign_all()
    assert report.moved == 1
    assert atlas.institutions.get(inst.id).values["quarter_id"] == west


# -- GeoJSON import ------------------------------------------------------------------------------


def test_import_creates_quarters_and_assigns_institutions(atlas: Atlas, tmp_path: Path) -> None:
    inst = atlas.institutions.save(None, {"name": "Kita", "lat": 51.47, "lon": 6.82})
    assert inst.values["quarter_id"] is None
    path = tmp_path / "stadtteile.geojson"
    path.write_bytes(collection(feature("West", WEST, code=1), feature("Ost", EAST, code=2)))
    report = atlas.boundaries.import_geojson(path, "name")
    assert report.created == ("West", "Ost") and report.updated == () and report.deleted == ()
    assert report.reassigned.moved == 1
    assert "2 neu" in report.summary()
    names = {q.id: q.values["name"] for q in map(atlas.quarters.get, atlas.quarters.list_ids())}
    assert names[atlas.institutions.get(inst.id).values["quarter_id"]] == "West"
    colors = {atlas.quarters.get(i).values["color"] for i in names}
    assert len(colors) == 2 and None not in colors


def test_reimport_updates_boundaries_and_keeps_ids(two: tuple[Atlas, int, int]) -> None:
    atlas, west, east = two
    inst = atlas.institutions.save(None, {"name": "A", "lat": 51.47, "lon": 6.845})
    new_west = square(6.80, 51.45, 6.84, 51.50)
    new_east = square(6.84, 51.45, 6.90, 51.50)
    report = atlas.boundaries.import_geojson(
        collection(feature("west", new_west), feature("OST", new_east)), "name"
    )
    assert report.created == () and set(report.updated) == {"West", "Ost"}
    assert report.reassigned.moved == 1
    assert atlas.institutions.get(inst.id).values["quarter_id"] == east
    assert json.loads(atlas.quarters.get(west).values["boundary_geojson"]) == new_west
    # replace: a quarter missing from the file is deleted.
    report = atlas.boundaries.import_geojson(collection(feature("Ost", new_east)), "name", replace=True)
    assert report.deleted == ("West",)
    assert atlas.quarters.list_ids() == [east]


def test_a_small_self_intersection_is_repaired(atlas: Atlas) -> None:
    # A spike that crosses back over the edge: the area hardly changes.
    spiky = {
        "type": "Polygon",
        "coordinates": [
            [
                [6.80, 51.45],
                [6.85, 51.45],
                [6.85, 51.50],
                [6.825, 51.50],
                [6.825, 51.4499],
                [6.8249, 51.50],
                [6.80, 51.50],
                [6.80, 51.45],
            ]
        ],
    }
    report = atlas.boundaries.import_geojson(collection(feature("Zacke", spiky)), "name")
    assert report.created == ("Zacke",)
    assert len(report.repaired) == 1 and "überschneidet sich selbst" in report.repaired[0]
    assert "repariert" in report.repaired[0]
    geometry = json.loads(atlas.quarters.get(atlas.quarters.list_ids()[0]).values["boundary_geojson"])
    assert geometry["type"] in ("Polygon", "MultiPolygon")


def test_overlapping_quarters_are_imported_with_a_warning(atlas: Atlas) -> None:
    report = atlas.boundaries.import_geojson(
        collection(
            feature("A", square(6.80, 51.45, 6.85, 51.50)), feature("B", square(6.84, 51.45, 6.90, 51.50))
        ),
        "name",
    )
    assert len(report.warnings) == 1 and "überlappen" in report.warnings[0]


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[6.80, 51.45], [6.85, 51.50], [6.85, 51.45], [6.80, 51.50], [6.80, 51.45]]],
}
LAT_FIRST = {
    "type": "Polygon",
    "coordinates": [[[51.45, 6.80], [51.45, 6.85], [51.50, 6.85], [51.50, 6.80], [51.45, 6.80]]],
}
UTM = {
    "type": "Polygon",
    "coordinates": [[[350000, 5700000], [351000, 5700000], [351000, 5701000], [350000, 5700000]]],
}

FAULTS: list[tuple[str, bytes, str]] = [
    ("not json", b'{"type": "FeatureCollection", "features": [', "kein gültiges JSON (Zeile 1"),
    ("not utf-8", '{"type": "FeatureCollection", "features": [], "x": "Ä"}'.encode("latin-1"), "UTF-8"),
    ("a list", b"[1, 2, 3]", "kein GeoJSON"),
    ("unknown type", b'{"type": "Topology"}', "kein GeoJSON"),
    ("bare geometry", json.dumps(WEST).encode(), "ohne Eigenschaften"),
    ("no features", collection(), "keine Quartiere"),
    (
        "only points",
        collection(feature("A", {"type": "Point", "coordinates": [6.8, 51.4]})),
        "keine Flächen (Polygon oder MultiPolygon), nur: Point × 1",
    ),
    (
        "a line among polygons",
        collection(
            feature("A", WEST),
            feature("B", {"type": "LineString", "coordinates": [[6.8, 51.4], [6.9, 51.5]]}),
        ),
        "Objekt 2 („B“) ist keine Fläche",
    ),
    ("no geometry", collection(feature("A", None)), "keine Geometrie"),
    (
        "lon out of range",
        collection(feature("A", square(186.80, 51.45, 186.85, 51.50))),
        "außerhalb des gültigen Bereichs",
    ),
    (
        "lat out of range",
        collection(feature("A", square(6.80, 95.0, 6.85, 95.5))),
        "außerhalb des gültigen Bereichs",
    ),
    ("projected", collection(feature("A", UTM)), "projiziertes Bezugssystem"),
    ("latitude first", collection(feature("A", LAT_FIRST)), "Reihenfolge Breite, Länge"),
    ("bow tie", collection(feature("Schleife", BOWTIE)), "„Schleife“): die Grenze überschneidet sich selbst"),
    ("name missing", collection(feature(None, WEST)), "„name“ (Name des Quartiers) fehlt"),
    ("name empty", collection(feature("  ", WEST)), "fehlt oder ist leer"),
    (
        "names not unique",
        collection(feature("Mitte", WEST), feature("MITTE", EAST)),
        "kommt schon in Objekt 1 vor",
    ),
    ("html in name", collection(feature("<b>Mitte</b>", WEST)), "enthält HTML (‹b›)"),
    (
        "html in another property",
        collection(feature("Mitte", WEST, description='<img src=x onerror="alert(1)">')),
        "„description“ enthält HTML",
    ),
    (
        "nan",
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Polygon","coordinates":[[[NaN,51],[6.9,51],[6.9,51.1],[NaN,51]]]}}]}',
        "NaN ist keine Zahl",
    ),
    (
        "strings as coordinates",
        collection(feature("A", {"type": "Polygon", "coordinates": [[["6.8", "51.4"]]]})),
        "ungültige Koordinate",
    ),
    (
        "too few points",
        collection(
            feature("A", {"type": "Polygon", "coordinates": [[[6.8, 51.4], [6.9, 51.4], [6.8, 51.4]]]})
        ),
        "nur 3 Punkte",
    ),
    (
        "badly nested",
        collection(feature("A", {"type": "Polygon", "coordinates": [6.8, 51.4]})),
        "falsch verschachtelt",
    ),
    (
        "other crs",
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
                "features": [feature("A", WEST)],
            }
        ).encode(),
        "Bezugssystem urn:ogc:def:crs:EPSG::25832",
    ),
]


@pytest.mark.parametrize(
    ("content", "reason"), [(c, r) for _n, c, r in FAULTS], ids=[n for n, _c, _r in FAULTS]
)
def test_a_faulty_file_is_refused_with_its_reason_and_nothing_is_imported(
    two: tuple[Atlas, int, int], tmp_path: Path, content: bytes, reason: str
) -> None:
    atlas, west, _east = two
    before = atlas.quarters.get(west)
    path = tmp_path / "quartiere.geojson"
    # Every file also carries a valid feature that would update "West", had it been accepted.
    path.write_bytes(content)
    with pytest.raises(GeoJSONImportError) as info:
        atlas.boundaries.import_geojson(path, "name", replace=True)
    message = str(info.value)
    assert reason in message, message
    assert "nicht importiert" in message
    assert len(atlas.quarters.list_ids()) == 2
    assert atlas.quarters.get(west) == before


def test_a_faulty_feature_among_good_ones_stops_the_whole_file(two: tuple[Atlas, int, int]) -> None:
    atlas, west, _east = two
    before = atlas.quarters.get(west)
    content = collection(feature("West", square(6.70, 51.45, 6.85, 51.50)), feature("Neu", BOWTIE))
    with pytest.raises(GeoJSONImportError) as info:
        atlas.boundaries.import_geojson(content, "name")
    assert len(info.value.problems) == 1
    assert atlas.quarters.get(west) == before
    assert len(atlas.quarters.list_ids()) == 2


def test_a_file_over_the_size_limit_is_refused_unread(
    atlas: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "gross.geojson"
    with big.open("wb") as fh:
        fh.truncate(geometry.MAX_FILE_BYTES + 1)
    with pytest.raises(GeoJSONImportError) as info:
        atlas.boundaries.import_geojson(big, "name")
    assert "zu groß" in str(info.value) and "höchstens 20 MB" in str(info.value)
    with pytest.raises(GeoJSONImportError, match="zu groß"):
        atlas.boundaries.import_geojson(b" " * (geometry.MAX_FILE_BYTES + 1), "name")
    with pytest.raises(GeoJSONImportError, match="kann nicht gelesen werden"):
        atlas.boundaries.import_geojson(tmp_path / "fehlt.geojson", "name")


def test_property_names_offer_the_name_candidates(tmp_path: Path) -> None:
    path = tmp_path / "stadtteile.geojson"
    path.write_bytes(
        collection(
            {
                "type": "Feature",
                "properties": {"id": 1, "typ": "Stadtteil", "STADTTEIL": "Lirich"},
                "geometry": WEST,
            },
            {
                "type": "Feature",
                "properties": {"id": 2, "typ": "Stadtteil", "STADTTEIL": "Styrum"},
                "geometry": EAST,
            },
        )
    )
    infos = property_names(path)
    assert [i.name for i in infos] == ["STADTTEIL", "id", "typ"]
    assert infos[0].examples == ("Lirich", "Styrum") and infos[0].unique and infos[0].complete
    assert not next(i for i in infos if i.name == "typ").unique
    assert suggest_name_property(infos) == "STADTTEIL"
    with pytest.raises(GeoJSONImportError):
        property_names(b"kaputt")


def test_import_of_the_demo_quarters_round_trips(atlas: Atlas, tmp_path: Path) -> None:
    from atlas.demo.build import QUARTER_RINGS, quarter_geometry

    content = collection(*(feature(name, quarter_geometry(name)) for name in QUARTER_RINGS))
    report = atlas.boundaries.import_geojson(content, "name")
    assert len(report.created) == 5 and report.warnings == () and report.repaired == ()
    with atlas.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM quarter")).scalar_one() == 5


# -- a boundary typed or pasted into the form (issue 11 §6) ------------------------------------


SPIKY = {
    "type": "Polygon",
    "coordinates": [
        [
            [6.80, 51.45],
            [6.85, 51.45],
            [6.85, 51.50],
            [6.825, 51.50],
            [6.825, 51.4499],
            [6.8249, 51.50],
            [6.80, 51.50],
            [6.80, 51.45],
        ]
    ],
}


@pytest.mark.parametrize(
    ("boundary", "words"),
    [
        (BOWTIE, "Die Grenze überschneidet sich selbst (bei Breite"),
        (LAT_FIRST, "Reihenfolge Breite, Länge"),
        (UTM, "projiziertes Bezugssystem"),
        (square(186.80, 51.45, 186.85, 51.50), "außerhalb des gültigen Bereichs"),
        ({"type": "Polygon", "coordinates": [[[6.8, 51.4], [6.9, 51.5], [6.8, 51.4]]]}, "nur 3 Punkte"),
        ({"type": "Polygon", "coordinates": [[[6.8, "x"], [6.9, 51.5]]]}, "Ungültige Koordinate"),
        ({"type": "Polygon", "coordinates": 5}, "falsch verschachtelt"),
        ({"type": "Point", "coordinates": [6.8, 51.4]}, "Polygon oder MultiPolygon"),
        (
            {"type": "FeatureCollection", "features": [feature("A", WEST), feature("B", EAST)]},
            "genau eine Fläche",
        ),
    ],
)
def test_a_broken_boundary_in_the_form_is_refused_like_an_import(
    atlas: Atlas, boundary: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        atlas.quarters.save(None, {"name": "Kaputt", "boundary_geojson": json.dumps(boundary)})
    message = info.value.errors["boundary_geojson"]
    assert words in message, message
    assert "Objekt 1" not in message
    assert atlas.quarters.count() == 0
    with pytest.raises(ValidationError):  # nor can a stored quarter get it
        quarter = make_quarter(atlas, "Gut", WEST)
        atlas.quarters.save(quarter, {"boundary_geojson": json.dumps(boundary)})
    assert json.loads(atlas.quarters.get(quarter).values["boundary_geojson"]) == json.loads(json.dumps(WEST))


def test_a_boundary_in_the_form_is_repaired_like_an_import(atlas: Atlas) -> None:
    pasted = json.dumps(feature("aus dem GIS", SPIKY))  # a pasted Feature is fine too
    quarter = atlas.quarters.save(None, {"name": "Zacke", "boundary_geojson": pasted}).id
    stored = geometry.stored_geometry(atlas.quarters.get(quarter).values["boundary_geojson"])
    assert stored is not None and stored.is_valid  # repaired, as the import repairs it
    _text, note = geometry.check_boundary(pasted)
    assert (
        note is not None and note.startswith("Die Grenze überschneidet sich selbst") and "repariert" in note
    )
    # institutions inside are placed by it; a valid boundary round-trips unchanged
    inst = atlas.institutions.save(None, {"name": "Kita", "lat": 51.46, "lon": 6.81}).id
    assert atlas.institutions.get(inst).values["quarter_id"] == quarter
    shown = atlas.quarters.get(quarter)
    again = atlas.quarters.save(quarter, dict(shown.values), expected_version=shown.version)
    assert again.values["boundary_geojson"] == shown.values["boundary_geojson"]
