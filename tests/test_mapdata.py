"""Map data and the map page, without Qt."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.geo.mapdata import json_for_script
from atlas.geo.mappage import build_page, remote_references, standalone_html
from atlas.models import Vocabulary
from tests import hostile

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates

ROOT = Path(__file__).resolve().parents[1]


def test_places_quarters_and_legend_of_the_demo(demo: Atlas) -> None:
    data = demo.maps.data(today=dt.date(2026, 11, 15))
    stats = demo.stats()
    assert len(data.places) == stats["institutions"] - stats["institutions_without_coordinates"]
    assert data.without_coordinates == stats["institutions_without_coordinates"]
    assert len(data.quarters["features"]) == stats["quarters"]
    assert sum(row["count"] for row in data.legend) == len(data.places)
    assert all(p["color"].startswith("#") for p in data.places)
    story = next(p for p in data.places if p["name"] == "Schuldner- und Insolvenzberatung Alt-Oberhausen")
    assert "Schuldnerberatung für Alleinerziehende" in story["offers"]


def test_expired_offers_are_not_in_popups(demo: Atlas) -> None:
    inst = demo.institutions.save(None, {"name": "Testhaus", "lat": 51.49, "lon": 6.86})
    demo.offers.save(None, {"title": "Altes Projekt", "institution_id": inst.id, "valid_to": "31.12.2025"})
    demo.offers.save(None, {"title": "Laufendes Projekt", "institution_id": inst.id})
    place = next(p for p in demo.maps.data(today=dt.date(2026, 6, 1)).places if p["id"] == inst.id)
    assert place["offers"] == ["Laufendes Projekt"]


def test_filtered_data_for_one_quarter_and_category(demo: Atlas) -> None:
    quarter = next(i for i, n in demo.quarters.choices() if n == "Styrum")
    category = next(t.id for t in demo.taxonomy.terms(Vocabulary.CATEGORY) if t.name == "Kinderbetreuung")
    data = demo.maps.data(quarter_id=quarter, category_id=category)
    assert data.places and all(p["quarter"] == quarter and p["category"] == category for p in data.places)
    assert [f["id"] for f in data.quarters["features"]] == [quarter]


def test_lists_map_to_institutions(demo: Atlas) -> None:
    offers = demo.offers.list_ids("Schuldnerberatung für Alleinerziehende")
    institutions = demo.maps.institution_ids("offer", offers)
    assert institutions and len(institutions) <= len(offers)
    assert demo.maps.institution_ids("institution", [3, 4]) == [3, 4]
    assert demo.maps.institution_ids("offer", None) is None
    assert demo.maps.institution_ids("agreement", [1]) is None


def test_a_long_list_maps_to_the_same_institutions_in_one_pass(
    demo: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    import atlas.geo.mapdata

    for entity in ("offer", "contact", "actor"):
        ids = demo.records[entity].list_ids()[::2]
        chunked = demo.maps.institution_ids(entity, ids)
        monkeypatch.setattr(atlas.geo.mapdata, "SCAN_FROM", 1)
        assert demo.maps.institution_ids(entity, ids) == chunked and chunked, entity
        monkeypatch.undo()


def test_offer_density_counts_every_quarter(demo: Atlas) -> None:
    counts = demo.maps.offer_density()
    assert len(counts) == 5 and sum(counts.values()) > 100
    debt = next(t.id for t in demo.taxonomy.terms(Vocabulary.CATEGORY) if t.name == "Schuldnerberatung")
    only_debt = demo.maps.offer_density(category_id=debt)
    assert 0 < sum(only_debt.values()) < sum(counts.values())


def test_json_in_a_script_element_cannot_close_it() -> None:
    payload = json.dumps({"name": "</script><script>alert(1)</script><!-- & more"})
    safe = json_for_script(payload)
    assert "<" not in safe and ">" not in safe and "&" not in safe
    assert json.loads(safe) == json.loads(payload)


def test_the_program_page_loads_only_bundled_assets() -> None:
    page = build_page(asset_base="atlas://app/")
    assert remote_references(page) == []
    for asset in (
        "vendor/leaflet-1.9.4/leaflet.js",
        "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    ):
        assert f"atlas://app/{asset}" in page
        assert (ROOT / "resources" / "web" / asset).is_file()


def test_the_remote_reference_check_finds_folium_defaults() -> None:
    import folium

    assert len(remote_references(folium.Map().get_root().render())) >= 5


def test_standalone_file_inlines_everything(demo: Atlas) -> None:
    html = standalone_html(demo.maps.data())
    assert remote_references(html) == []
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    assert "L.markerClusterGroup" in html and "Alt-Oberhausen" in html
    assert "data:image/png;base64," in html  # Leaflet's control images, inlined


TEMPLATE_TEXT = (
    "{{ cycler.__init__.__globals__.os.popen('touch {canary}').read() }}",
    "Kita {{ Sonnenschein }}",
    "Beratung {% offen",
    "Treff {# kein Kommentar #} Nord",
    "{%- raw %}{{ 7*7 }}{% endraw -%}",
    "Café </script><script>alert(1)</script>",
    "@@ATLAS-DATA-7f3c2a@@",  # the data marker itself
)


def test_data_is_never_template_text_in_the_exported_map(atlas: Atlas, tmp_path: Path) -> None:
    """branca renders an Element's text as Jinja2: a name must come out as written, run nothing."""
    import json
    import re

    canary = tmp_path / "pwned"
    names = [t.replace("{canary}", str(canary)) for t in TEMPLATE_TEXT]
    quarter = atlas.quarters.save(None, {"name": "{{ quartier }}"}).id
    for n, name in enumerate(names):
        atlas.institutions.save(
            None, {"name": name, "lat": 51.47 + n / 1000, "lon": 6.85, "quarter_id": quarter}
        )
    html = standalone_html(atlas.maps.data(), title="{{ titel }} <b>")
    assert not canary.exists()
    found = re.search(r'<script type="application/json" id="atlas-data">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert sorted(p["name"] for p in data["places"]) == sorted(names)
    assert "{{ quartier }}" in json.dumps(data, ensure_ascii=False)
    assert "<title>{{ titel }} &lt;b&gt;</title>" in html
    assert "49" not in [p["name"] for p in data["places"]]


class _Page(HTMLParser):
    """What a browser's parser sees: the elements, the title, the embedded data."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.title = ""
        self.data = ""
        self._in: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "title" or (tag == "script" and ("id", "atlas-data") in attrs):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.data += data


def test_the_hostile_corpus_stays_text_in_the_exported_map(atlas: Atlas) -> None:
    """Names, notes and the title out of tests/hostile.py: the exported page has the same
    elements as an empty one, and a browser reads every string back letter for letter."""
    empty = _Page(standalone_html(atlas.maps.data()))
    ids = hostile.populate(atlas)
    written = [atlas.institutions.get(ids["institution"]).values["name"]]
    for n, text in enumerate(hostile.CORPUS):
        saved = atlas.institutions.save(
            None, {"name": f"{text.strip()} {n}", "lat": 51.47 + n / 1000, "lon": 6.85}
        )
        written.append(saved.values["name"])  # as stored (a bidi override is dropped on saving)
    for title in (*hostile.SCRIPT, *hostile.RICH, *hostile.TEMPLATE):
        page = _Page(standalone_html(atlas.maps.data(), title=title))
        assert page.tags == empty.tags, title  # nothing opened or closed an element
        assert page.title == title
        data = json.loads(page.data)
        assert sorted(p["name"] for p in data["places"]) == sorted(written)


def test_map_json_written_piecewise_is_the_same_as_one_dumps(demo: Atlas) -> None:
    """``MapData.to_json`` writes a place at a time (no long GIL hold on a worker); the text is
    exactly that of one ``json.dumps`` of the whole, also for odd names and no quarters."""
    from dataclasses import replace

    data = demo.maps.data()
    odd = replace(
        data,
        places=[*data.places, {"name": 'Kita "Ü" </script> \u2028', "lat": 1.5}],
        notes=["Hinweis"],
    )
    for shown in (
        data,
        odd,
        replace(data, quarters={"type": "FeatureCollection", "features": []}),
        replace(data, quarters={}),
    ):
        whole = json.dumps(
            {
                "quarters": shown.quarters,
                "places": shown.places,
                "legend": shown.legend,
                "withoutCoordinates": shown.without_coordinates,
                "notes": shown.notes,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        assert shown.to_json() == whole
    assert len(data.places) > 50 and data.quarters["features"]


def test_the_places_of_a_few_institutions_are_those_of_the_whole_data(demo: Atlas) -> None:
    """A change that names a few institutions sends only their places to the page: they,
    the legend and the count without coordinates must be what the whole data says."""
    whole = demo.maps.data()
    placed = [p["id"] for p in whole.places]
    some = placed[:3]
    with demo.sessions() as session:
        unplaced = session.scalars(select(m.Institution.id).where(m.Institution.lat.is_(None)).limit(1)).all()
    update = demo.maps.places_update([*some, *unplaced, 999_999])
    assert update.places == [p for p in whole.places if p["id"] in some]
    assert update.gone == sorted([*unplaced, 999_999])  # no pin, or no record: off the map
    assert update.legend == whole.legend
    assert update.without_coordinates == whole.without_coordinates
    assert json.loads(update.to_json())["places"] == update.places
