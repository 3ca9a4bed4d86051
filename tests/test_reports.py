"""The printed documents as HTML (no Qt): content, order, escaping, empty selections."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
import tomllib
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import Markup, escape
from sqlalchemy import select

from atlas import models as m
from atlas import reports
from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.reports import EmptyReportError
from atlas.reports.html import Logo, Page, breakable, css_string, lines, render, strip_tags
from atlas.reports.svg import (
    CELL_LIMIT,
    SPREAD_BUDGET,
    SPREAD_PASSES,
    Marker,
    SpreadWork,
    TileSource,
    _spread,
    label_limit,
    label_size,
    map_picture,
    map_svg,
    trend_svg,
)
from atlas.text import fold

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates

TODAY = dt.date(2026, 11, 22)
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def body_text(html: str) -> str:
    """The visible text of a document's body (tags dropped, entities kept)."""
    body = html.split("<body>", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def add_contact(
    atlas: Atlas, last: str, first: str = "", institution_id: int | None = None, **extra: str
) -> int:
    with atlas.sessions.begin() as session:
        contact = m.Contact(last_name=last, first_name=first, institution_id=institution_id, **extra)
        session.add(contact)
        session.flush()
        return contact.id


def round_table_id(atlas: Atlas, name: str) -> int:
    return next(i for i, n in atlas.records["round_table"].choices() if n == name)


def quarter_id(atlas: Atlas, name: str) -> int:
    return next(i for i, n in atlas.quarters.choices() if n == name)


# -- the toolkit --------------------------------------------------------------------------------
def test_templates_escape_every_value_and_refuse_missing_ones() -> None:
    page = Page(title='<b>"Kita" & Co</b> {{ 7*7 }} $title', subtitle="", footer="")
    html = render("document.html.j2", page=page)
    assert "<title>&lt;b&gt;&#34;Kita&#34; &amp; Co&lt;/b&gt; {{ 7*7 }} $title</title>" in html
    with pytest.raises(UndefinedError):
        render("sign_in.html.j2", page=page)  # a missing value is an error, never an empty cell
    # the helpers that return markup escape their input first
    assert lines("<a>\nb & c") == "&lt;a&gt;<br>b &amp; c" and isinstance(lines("x"), Markup)
    assert isinstance(breakable("a@b.de"), Markup)


def test_no_template_is_made_from_text_at_run_time() -> None:
    """Data is only ever a value of a template file: the core never compiles a template from a
    string (``from_string``, ``jinja2.Template``) and has no ``string.Template`` left."""
    root = Path(__file__).resolve().parents[1] / "atlas"
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for bad in ("from_string(", "jinja2.Template", "string.Template", "import Template"):
            assert bad not in source, (path.name, bad)
    # shipped with the package: an installed copy has its templates
    with open(root.parent / "pyproject.toml", "rb") as f:
        package_data = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    assert "templates/*.html.j2" in package_data["atlas.reports"]
    assert sorted(p.name for p in (root / "reports" / "templates").glob("*.html.j2")) == [
        "contact_list.html.j2",
        "directory.html.j2",
        "document.html.j2",
        "network.html.j2",
        "sign_in.html.j2",
    ]


def test_css_strings_cannot_leave_the_string_or_the_style_element() -> None:
    text = 'Quartier "Nord"; } </style><script>alert(1)</script>\\ Ä ß'
    out = css_string(text)
    assert out.startswith('"') and out.endswith('"')
    inner = out[1:-1]
    for bad in ('"', ";", "}", "<", ">", "/"):
        assert bad not in inner
    assert "\\" in inner and "Ä" in inner and "ß" in inner  # letters stay, the rest is hex-escaped
    assert css_string("a\nb") == '"a\\00000a b"'


def test_breakable_addresses_and_tags_stripped() -> None:
    assert breakable("kai.celik@cafe-kompass.example.org") == (
        "kai<wbr>.celik@<wbr>cafe<wbr>-kompass<wbr>.example.org"
    )
    assert breakable("<x>@y.de") == "&lt;x&gt;@<wbr>y.de"
    assert strip_tags('<a href="x">&copy; OpenStreetMap</a>-Mitwirkende') == "© OpenStreetMap-Mitwirkende"


def test_logo_files_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "logo.png"
    good.write_bytes(PNG_1PX)
    logo = reports.load_logo(good)
    assert logo.mime == "image/png"
    assert logo.boxed_uri().startswith("data:image/svg+xml;base64,")
    svg = tmp_path / "logo.svg"
    svg.write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    assert reports.load_logo(svg).mime == "image/svg+xml"
    bad = tmp_path / "logo.png.txt"
    bad.write_text("kein Bild", encoding="utf-8")
    with pytest.raises(AtlasError, match="kein PNG-, JPEG- oder SVG-Bild"):
        reports.load_logo(bad)
    with pytest.raises(AtlasError, match="kann nicht gelesen werden"):
        reports.load_logo(tmp_path / "fehlt.png")


def test_file_names_are_safe() -> None:
    assert reports.file_stem("Kontaktliste", "Runder Tisch „A/B“: <x>", "2026-11-22") == (
        "Kontaktliste_Runder-Tisch-AB-x_2026-11-22"
    )


# -- 1. contact list --------------------------------------------------------------------------------
def test_contact_list_of_a_round_table_sorted_by_name(demo: Atlas) -> None:
    rt = round_table_id(demo, "Runder Tisch Alleinerziehende Alt-Oberhausen")
    doc = reports.contact_list(demo, round_table_id=rt, today=TODAY)
    assert doc.kind == "contact-list"
    assert len(doc.items) == 38
    keys = [tuple(fold(p) for p in name.split(", ")) for name in doc.items]
    assert keys == sorted(keys)
    text = body_text(doc.html)
    positions = [text.index(escape(name)) for name in doc.items]
    assert positions == sorted(positions)  # printed in that order
    assert "Runder Tisch Alleinerziehende Alt-Oberhausen" in text
    assert "38 Ansprechpersonen aus 15 Einrichtungen" in text
    # the running header: title, selection, quarter and date in a margin box; page x of y
    assert "@top-left" in doc.html and "counter(pages)" in doc.html
    assert css_string("Kontaktliste\nRunder Tisch Alleinerziehende Alt-Oberhausen")[:-1] in doc.html
    assert "thead" in doc.html and "break-inside: avoid" in doc.html
    assert not doc.landscape


def test_contact_list_columns_sort_and_groups(demo: Atlas) -> None:
    q = quarter_id(demo, "Alt-Oberhausen")
    doc = reports.contact_list(
        demo,
        quarter_id=q,
        columns=["name", "phone", "address", "institution"],
        sort="institution",
        today=TODAY,
    )
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", doc.html)
    assert head is not None
    assert re.findall(r"<th>(.*?)</th>", head.group(1)) == ["Name", "Telefon", "Adresse", "Einrichtung"]
    grouped = reports.contact_list(demo, quarter_id=q, group=True, today=TODAY)
    assert grouped.html.count('<tbody class="group">') == 27
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", grouped.html)
    assert head is not None and "Einrichtung" not in head.group(1)  # the group heading names it
    wide = reports.contact_list(demo, quarter_id=q, columns=list(reports.CONTACT_COLUMNS), today=TODAY)
    assert wide.landscape
    with pytest.raises(ValidationError, match="Spalten zur Auswahl"):
        reports.contact_list(demo, quarter_id=q, columns=["name", "shoe_size"])
    with pytest.raises(ValidationError):
        reports.contact_list(demo, quarter_id=q, sort="age")


def test_contact_list_of_list_ids_and_category(demo: Atlas) -> None:
    ids = demo.contacts.list_ids("jobcenter")
    doc = reports.contact_list(demo, contact_ids=ids, selection_label="Suche „jobcenter“", today=TODAY)
    assert len(doc.items) == len(ids)
    assert "Suche „jobcenter“" in body_text(doc.html)
    cat = next(t.id for t in demo.taxonomy.terms(m.Vocabulary.CATEGORY) if t.name == "Schuldnerberatung")
    by_category = reports.contact_list(demo, category_id=cat, today=TODAY)
    assert by_category.items and "Kategorie Schuldnerberatung" in body_text(by_category.html)


def test_empty_selection_is_a_message_not_a_document(demo: Atlas) -> None:
    with demo.sessions.begin() as session:
        session.add(m.Quarter(name="Neues Viertel"))
    q = quarter_id(demo, "Neues Viertel")
    with pytest.raises(EmptyReportError, match=r"Quartier Neues Viertel.*keine Ansprechpersonen.*kein PDF"):
        reports.contact_list(demo, quarter_id=q)
    with pytest.raises(EmptyReportError, match="keine Ansprechpersonen"):
        reports.contact_list(demo, contact_ids=[])
    with pytest.raises(EmptyReportError, match="keine aktuellen, öffentlichen Angebote"):
        reports.directory(demo, quarter_id=q, today=TODAY)
    with pytest.raises(EmptyReportError, match="Bitte ein Treffen wählen"):
        reports.sign_in_sheet(demo, None)


def test_names_with_markup_stay_text(demo: Atlas) -> None:
    inst = demo.institutions.save(
        None, {"name": "<script>alert('x')</script> Kita", "quarter_id": quarter_id(demo, "Lirich")}
    ).id
    add_contact(demo, "<b>Fett</b>", 'Ä"ß', inst, function="</td></tr><tr><td>", email="a@b.de")
    doc = reports.contact_list(demo, quarter_id=quarter_id(demo, "Lirich"), group=True, today=TODAY)
    assert "<b>Fett" not in doc.html and "<script>alert" not in doc.html
    assert "&lt;b&gt;Fett&lt;/b&gt;, Ä&#34;ß" in doc.html  # markupsafe's spelling of the quotes
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Kita" in doc.html
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;" in doc.html
    # a quarter name with quotes and markup in the page header (CSS) stays inside its string
    with demo.sessions.begin() as session:
        quarter = session.scalar(select(m.Quarter).where(m.Quarter.name == "Lirich"))
        assert quarter is not None
        quarter.name = 'Lirich "</style><b>x'
    doc = reports.contact_list(demo, quarter_id=quarter_id(demo, 'Lirich "</style><b>x'), today=TODAY)
    style = doc.html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<b>" not in style and '"</' not in style
    assert doc.html.count("</style>") == 1


# -- 2. sign-in sheet ------------------------------------------------------------------------------
def test_sign_in_sheet_has_the_expected_people_and_blank_rows(demo: Atlas) -> None:
    meeting = 12  # Runder Tisch Alleinerziehende – November 2026
    expected = demo.network.sheet(meeting)
    doc = reports.sign_in_sheet(
        demo, meeting, funding="gefördert durch <ESF Plus> & Stadt", blank_rows=5, today=TODAY
    )
    text = body_text(doc.html)
    assert "Teilnehmer- und Unterschriftenliste" in text
    assert "Mittwoch, 18.11.2026, 09:30 Uhr" in text
    assert "gefördert durch &lt;ESF Plus&gt; &amp; Stadt" in doc.html
    assert len(doc.items) == len(expected)
    rows = doc.html.count('<td class="nr">')
    assert rows == len(expected) + 5
    assert doc.html.count('<tr class="blank">') == 5
    assert doc.html.count('class="box"') == 2 * rows  # photos and contact sharing per row
    assert "Fotos" in text and "Unterschrift" in text
    # rows read as the column head says: "Name, Vorname"
    assert "Name, Vorname" in text
    with demo.sessions() as session:
        named = [session.get(m.Contact, r.contact_id) for r in expected if r.contact_id is not None]
    assert named
    for contact in named:
        assert contact is not None
        listed = f"{contact.last_name}, {contact.first_name}" if contact.first_name else contact.last_name
        assert f"<td>{escape(listed)}</td>" in doc.html
    plain = reports.sign_in_sheet(demo, meeting, consent=False, blank_rows=0, today=TODAY)
    assert 'class="box"' not in plain.html
    with pytest.raises(ValidationError):
        reports.sign_in_sheet(demo, meeting, blank_rows=-1)


def test_sign_in_sheet_of_a_meeting_nobody_is_expected_at(demo: Atlas) -> None:
    new = (
        demo.records["meeting"]
        .save(None, {"title": "Offene Sprechstunde", "kind": "fachtagung", "starts_at": "01.12.2026 10:00"})
        .id
    )
    doc = reports.sign_in_sheet(demo, new, blank_rows=20, today=TODAY)  # a blank sheet is fine
    assert doc.html.count('<tr class="blank">') == 20
    with pytest.raises(EmptyReportError, match="keine Leerzeilen"):
        reports.sign_in_sheet(demo, new, blank_rows=0)


# -- 3. directory -------------------------------------------------------------------------------
def _chapters(html: str) -> list[str]:
    return html.split('<section class="chapter">')[1:]


def test_directory_numbers_on_the_map_match_the_entries(demo: Atlas) -> None:
    doc = reports.directory(demo, today=TODAY)
    chapters = _chapters(doc.html)
    assert len(chapters) == 6  # five quarters and the institutions without one
    seen: set[int] = set()
    for chapter in chapters:
        body = chapter.split('<section class="index">')[0]
        on_map = {int(n) for n in re.findall(r'data-number="(\d+)"', body)}
        pins = {int(n) for n in re.findall(r'<div class="pin"[^>]*>(\d+)</div>', body)}
        off_map = {int(n) for n in re.findall(r'<div class="pin none"[^>]*>(\d+)</div>', body)}
        assert on_map == pins  # every entry with coordinates is on this chapter's map, nothing else
        assert not on_map & off_map
        assert not (on_map | off_map) & seen  # one number per institution in the whole directory
        seen |= on_map | off_map
    assert seen == set(range(1, len(seen) + 1))
    index = doc.html.split('<section class="index">')[1]
    names = [html_name for html_name in re.findall(r'<span class="n">\d+</span><span>(.*?)<br>', index)]
    assert len(names) == len(seen)
    assert [fold(n) for n in names] == sorted(fold(n) for n in names)


def test_page_references_are_filled_in_from_the_first_print() -> None:
    from atlas.reports.html import fill_page_refs, find_anchors, page_anchor, page_ref

    html = f"<h2>{page_anchor('q1')}Lirich</h2><p>{page_ref('q1')} {page_ref('o7')}</p>"
    assert "PGANCHORq1PGEND" in html and html.count(">000<") == 2  # placeholders as wide as a number
    # the first print's text, as a PDF reader gives it (line breaks anywhere)
    pages = find_anchors(["Titel", "PGANCHORq\n1PGEND Lirich", "PGANCHORo7PGEND PGANCHORq1PGEND"])
    assert pages == {"q1": 2, "o7": 3}  # the first page an anchor stands on
    final = fill_page_refs(html, {"q1": 2})
    assert "PGANCHOR" not in final and '<span class="pg-anchor"></span>' in final
    assert 'data-ref="q1">2<' in final and 'data-ref="o7">–<' in final
    with pytest.raises(ValueError):
        page_ref('x" onload="')


def test_directory_marks_every_offer_for_its_page_number(demo: Atlas) -> None:
    doc = reports.directory(demo, today=TODAY)
    assert doc.page_refs
    anchors = re.findall(r"PGANCHOR(o\d+)PGEND", doc.html)
    refs = re.findall(r'data-ref="(o\d+)"', doc.html)
    assert len(anchors) == len(doc.items) and sorted(anchors) == sorted(refs)  # one each per offer
    assert "PGANCHORindexPGEND" in doc.html and 'data-ref="index"' in doc.html


def test_directory_lists_current_public_offers_by_category(demo: Atlas) -> None:
    q = quarter_id(demo, "Alt-Oberhausen")
    doc = reports.directory(demo, quarter_id=q, today=TODAY)
    with demo.sessions() as session:
        expected = {
            title
            for title, valid_to, public in session.execute(
                select(m.Offer.title, m.Offer.valid_to, m.Institution.is_public)
                .join(m.Institution, m.Institution.id == m.Offer.institution_id)
                .where(m.Institution.quarter_id == q)
            )
            if public and (valid_to is None or valid_to >= TODAY)
        }
    assert set(doc.items) == expected
    assert len(_chapters(doc.html)) == 1
    categories = re.findall(r'<section class="category"><h3>(.*?)</h3>', doc.html)
    assert [fold(c) for c in categories] == sorted(fold(c) for c in categories)
    assert '<svg class="map"' in doc.html and "Wegweiser" in doc.html
    assert "Angebote und Einrichtungen – Quartier Alt-Oberhausen" in body_text(doc.html)


def test_map_markers_do_not_overlap_and_tiles_are_grey_and_credited() -> None:
    points = [(100.0, 100.0)] * 6 + [(104.0, 101.0), (300.0, 200.0)]
    placed = _spread(points, 24, 1000, 800)
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 >= 48
    assert map_svg([], []) is None
    fetched: list[tuple[int, int, int]] = []

    def fetch(z: int, x: int, y: int) -> bytes:
        fetched.append((z, x, y))
        return PNG_1PX

    svg = map_svg(
        [],
        [Marker(1, 51.49, 6.85), Marker(2, 51.50, 6.87)],
        tiles=TileSource(fetch, "image/png", '<a href="x">© OSM</a> & <b>Co</b>', 0, 16),
    )
    assert svg is not None and fetched
    assert 'filter="url(#grey)"' in svg and "© OSM &amp; Co" in svg
    assert svg.count('class="marker"') == 2


def _assert_apart(placed: list[tuple[float, float]], radius: float, width: float, height: float) -> None:
    """No two labels overlap (all pairs, the slow way), and all lie on the map."""
    for i, (ax, ay) in enumerate(placed):
        assert radius <= ax <= width - radius and radius <= ay <= height - radius
        for bx, by in placed[i + 1 :]:
            assert math.hypot(ax - bx, ay - by) >= 2 * radius, (i, (ax, ay), (bx, by))


# the pairs one label is compared with in one pass: its own cell and four neighbours
PER_LABEL = 5 * CELL_LIMIT - 1


def test_spreading_300_random_labels_leaves_none_overlapping() -> None:
    rng = random.Random(7)
    points = [(rng.uniform(300, 1500), rng.uniform(200, 1000)) for _ in range(300)]
    work = SpreadWork()
    placed = _spread(points, 29, 1780, 1180, work=work)
    _assert_apart(placed, 29, 1780, 1180)
    # each stays near its place (leader lines short), and the work was a grid's, not all pairs
    assert max(math.dist(p, q) for p, q in zip(points, placed, strict=True)) < 10 * 29
    assert work.most_per_label <= PER_LABEL
    assert work.comparisons <= work.passes * 300 * PER_LABEL < work.passes * 300 * 299 // 2


@pytest.mark.parametrize("count", [0, 1, 2, 6, 60])
def test_spreading_labels_all_at_one_place_fans_them_out(count: int) -> None:
    placed = _spread([(500.0, 400.0)] * count, 24, 1780, 1180)
    assert len(placed) == count
    _assert_apart(placed, 24, 1780, 1180)
    assert all(math.dist(p, (500, 400)) < 24 * 12 for p in placed)


def test_spreading_many_labels_at_one_place_does_bounded_work() -> None:
    """More labels at one place than fit on the map: a sunflower first, then the budget ends it."""
    work = SpreadWork()
    placed = _spread([(500.0, 400.0)] * 2000, 24, 1780, 1180, work=work, budget=SPREAD_BUDGET // 10)
    assert len(placed) == 2000
    xs, ys = [p[0] for p in placed], [p[1] for p in placed]
    assert max(xs) - min(xs) > 1000 and max(ys) - min(ys) > 1000  # taken apart over the map
    assert work.passes <= SPREAD_PASSES and work.most_per_label <= PER_LABEL
    assert work.comparisons <= SPREAD_BUDGET // 10 + 2000 * PER_LABEL


def test_spreading_20000_labels_finishes_with_work_linear_in_their_number() -> None:
    """The whole directory at 10k: ~2,000 institutions a quarter; the old spreading compared
    every pair in each of 120 passes (n²/2 = 200 million pairs a pass for 20,000 labels)."""
    rng = random.Random(3)
    n = 20_000
    points = [(rng.uniform(0, 1780), rng.uniform(0, 1180)) for _ in range(n)]  # far more than fit
    work = SpreadWork()
    placed = _spread(points, 29, 1780, 1180, work=work)
    assert len(placed) == n
    assert 1 <= work.passes <= SPREAD_PASSES
    assert work.most_per_label <= PER_LABEL  # the grid keeps the neighbours of a label bounded
    assert work.comparisons <= work.passes * n * PER_LABEL  # O(n) a pass
    assert work.comparisons <= SPREAD_BUDGET + n * PER_LABEL  # and no pass begun over budget
    # where they fit (a map twelve times as large), they are spread apart completely
    rng = random.Random(4)
    points = [(rng.uniform(0, 6000), rng.uniform(0, 4000)) for _ in range(3000)]
    work = SpreadWork()
    placed = _spread(points, 29, 6000, 4000, work=work)
    assert work.passes < SPREAD_PASSES and work.most_per_label <= PER_LABEL
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for x, y in placed:  # the overlap check by cells too (all pairs would be 4.5 million)
        grid.setdefault((int(x // 58), int(y // 58)), []).append((x, y))
    for (cx, cy), here in grid.items():
        near = [p for dx in (-1, 0, 1) for dy in (-1, 0, 1) for p in grid.get((cx + dx, cy + dy), [])]
        for p in here:
            assert sum(math.dist(p, q) < 58 for q in near) == 1  # only itself


def test_a_map_too_dense_for_numbers_shows_dots_and_grid_squares() -> None:
    radius, _font = label_size(2000)
    limit = label_limit(radius, 1780, 1180)
    assert 50 <= limit <= 200
    rng = random.Random(5)
    many = [Marker(k, rng.uniform(51.47, 51.50), rng.uniform(6.83, 6.87)) for k in range(1, 2001)]
    picture = map_picture([], many, width_mm=178, height_mm=118)
    assert picture is not None
    assert 'class="marker"' not in picture.svg and picture.svg.count('class="dot"') == 2000
    assert set(picture.squares) == set(range(1, 2001))
    columns = re.findall(r'<text class="square" x="[\d.]+" y="32"[^>]*>([A-Z]+)</text>', picture.svg)
    rows = re.findall(r'<text class="square" x="14"[^>]*>(\d+)</text>', picture.svg)
    assert columns == list("ABCDEFGHI") and rows == ["1", "2", "3", "4", "5", "6"]
    assert {s for s in picture.squares.values()} <= {c + r for c in columns for r in rows}
    # a dot's square is the one it is drawn in
    cw, ch = 1780 / 9, 1180 / 6
    for number, x, y in re.findall(r'data-number="(\d+)" cx="([\d.]+)" cy="([\d.]+)"', picture.svg)[:200]:
        fx, fy = float(x), float(y)
        if min(fx % cw, -fx % cw, fy % ch, -fy % ch) < 0.5:
            continue  # on a grid line, as far as the SVG's decimals tell
        assert picture.squares[int(number)] == f"{columns[int(fx // cw)]}{int(fy // ch) + 1}"
    few = map_picture([], many[:40], width_mm=178, height_mm=118)
    assert few is not None and few.squares == {} and few.svg.count('class="marker"') == 40


def test_directory_of_a_crowded_quarter_names_grid_squares(demo: Atlas) -> None:
    from atlas.demo.geo import QUARTER_RINGS, random_point_in

    rng = random.Random(9)
    with demo.sessions.begin() as session:
        quarter = session.scalars(select(m.Quarter).where(m.Quarter.name == "Lirich")).one()
        for k in range(400):
            lon, lat = random_point_in(rng, QUARTER_RINGS["Lirich"])
            inst = m.Institution(
                name=f"Treff {k:03d}", quarter_id=quarter.id, lat=lat, lon=lon, is_public=True
            )
            session.add(inst)
            session.flush()
            session.add(m.Offer(institution_id=inst.id, title=f"Offene Tür {k:03d}"))
        q_id = quarter.id
    doc = reports.directory(demo, today=TODAY)
    chapter = next(c for c in _chapters(doc.html) if f"PGANCHORq{q_id}PGEND" in c.split("</h2>")[0])
    assert 'class="marker"' not in chapter and chapter.count('class="dot"') >= 400
    assert "zu viele für Nummern" in re.sub(r"\s+", " ", chapter)
    squares = re.findall(r'<div class="square" title="Planquadrat\xa0([A-Z]+\d+)">\1</div>', chapter)
    assert len(squares) >= 400
    index = doc.html.split('<section class="index">')[1]
    assert index.count("Planquadrat\xa0") >= 400  # never broken from its square
    # the other quarters keep their numbered markers
    assert sum('class="marker"' in c for c in _chapters(doc.html)) == 4


def test_trend_chart_reads_without_colour() -> None:
    from atlas.reports.svg import Series

    svg = trend_svg(
        ["Jan 26", "Feb 26"],
        [Series("aktiv", [1, 3], "", "triangle"), Series("<x>", [0, 2], "6 8", "circle")],
    )
    assert "stroke-dasharray" in svg and "&lt;x&gt;" in svg
    assert "#000" in svg and 'fill="#1f' not in svg


@pytest.mark.parametrize("months", [2, 12, 14, 26, 37, 59, 60])
def test_trend_chart_month_labels_never_touch_and_the_last_is_shown(months: int) -> None:
    from atlas.reports.svg import LABEL_EM, Series

    names = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
    labels = [f"{names[i % 12]} {22 + i // 12}" for i in range(months)]
    svg = str(trend_svg(labels, [Series("aktiv", list(range(months)), "", "triangle")]))
    width = float(re.search(r'viewBox="0 0 (\d+)', svg).group(1))  # type: ignore[union-attr]
    shown = [
        (float(x), float(size), text)
        for x, size, text in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" font-size="(\d+)" text-anchor="middle">([^<]+)</text>', svg
        )
    ]
    assert shown[-1][2] == labels[-1]  # the report's last month is always labelled
    assert len(shown) >= min(months, 6)
    extents = [(x - len(t) * LABEL_EM * size / 2, x + len(t) * LABEL_EM * size / 2) for x, size, t in shown]
    assert all(a >= 0 and b <= width for a, b in extents), extents
    for (_a, end), (start, _b) in itertools.pairwise(extents):
        assert start - end >= 10, f"labels touch: {extents}"


# -- 4. network report ---------------------------------------------------------------------------
def test_network_report_for_a_period(demo: Atlas) -> None:
    doc = reports.network_report(demo, start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30), today=TODAY)
    text = body_text(doc.html)
    assert "Berichtszeitraum 01.01.2026 – 30.06.2026" in text
    for heading in (
        "Akteure nach Stufe",
        "Entwicklung",
        "Nach Sektor",
        "Nach Quartier",
        "Treffen und Teilnahme",
    ):
        assert heading in text
    assert "Kooperationsvereinbarungen" in text
    assert '<svg class="chart"' in doc.html
    funnel = demo.network.funnel(dt.date(2026, 6, 30))
    assert f"<b>{funnel.total}</b><span>Akteure im Netzwerk</span>" in doc.html
    days = [
        dt.datetime.strptime(d, "%d.%m.%Y").date()
        for d in re.findall(r'<td class="nowrap">(\d\d\.\d\d\.\d{4})</td>', doc.html)
    ]
    assert (
        days and days == sorted(days) and all(dt.date(2026, 1, 1) <= d <= dt.date(2026, 6, 30) for d in days)
    )
    assert len(doc.items) == len(days)
    # agreements signed after the period are not in it
    assert "Netzwerk Alleinerziehende Alt-Oberhausen" not in text


def test_network_report_refuses_nonsense_and_empty(demo: Atlas, atlas: Atlas) -> None:
    with pytest.raises(ValidationError, match="beginnt nach seinem Ende"):
        reports.network_report(demo, start=dt.date(2026, 6, 1), end=dt.date(2026, 1, 1))
    with pytest.raises(EmptyReportError, match="keine Zahlen"):
        reports.network_report(atlas, start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30))


# -- command-line options ------------------------------------------------------------------------
def test_command_options_by_name_date_or_number(demo: Atlas) -> None:
    class Args:
        round_table = "runder tisch alleinerziehende alt-oberhausen"
        quarter = None
        category = None
        meeting = "2026-11-18"
        columns = "Name, telefon,email"
        sort = "institution"
        group = True
        funding = "ESF"
        blank_rows = 3
        no_consent = True
        start = "2026-01-01"
        end = None
        logo = None

    from atlas.cli.report import command_options
    from atlas.cli.resolve import pick_id, pick_meeting

    options = command_options(demo, Args())
    assert options["round_table_id"] == round_table_id(demo, "Runder Tisch Alleinerziehende Alt-Oberhausen")
    assert options["meeting_id"] == 12
    assert options["columns"] == ["name", "phone", "email"]
    assert options["consent"] is False and options["start"] == dt.date(2026, 1, 1)
    with pytest.raises(ValidationError, match="gibt es nicht"):
        pick_id(demo.quarters.choices(), "Atlantis", "quarter")
    with pytest.raises(ValidationError, match="Kein Treffen"):
        pick_meeting(demo, "2020-01-01")
    assert pick_meeting(demo, "12") == 12


def test_meetings_for_choice_next_first(demo: Atlas) -> None:
    choices = reports.meetings_for_choice(demo, TODAY)
    assert choices[0][1].startswith("23.11.2026")  # the next one
    assert choices[1][1].startswith("18.11.2026")  # then the most recent


def test_logo_in_every_page_header(demo: Atlas) -> None:
    doc = reports.network_report(
        demo,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 6, 30),
        logo=Logo(PNG_1PX, "image/png"),
        today=TODAY,
    )
    assert "@top-right" in doc.html and "data:image/svg+xml;base64," in doc.html


# -- the hostile corpus (tests/hostile.py) in every report ----------------------------------------
def test_every_report_prints_the_hostile_corpus_as_text(atlas: Atlas) -> None:
    """Names with template syntax (``$title``, ``${x}``, ``{{ 7*7 }}``, ``{0}``), markup and
    scripts are printed letter for letter: data is only ever a value of a constant template."""
    from tests import hostile

    ids = hostile.populate(atlas)
    day = dt.date(2026, 11, 16)
    documents = {
        "contact-list": reports.contact_list(
            atlas, quarter_id=ids["quarter"], columns=list(reports.CONTACT_COLUMNS), group=True, today=day
        ),
        "sign-in": reports.sign_in_sheet(atlas, ids["meeting"], funding=hostile.name("Förderung"), today=day),
        "directory": reports.directory(atlas, today=day),
        "network": reports.network_report(atlas, start=dt.date(2026, 1, 1), end=day, today=day),
    }
    escaped = str(escape(hostile.NAME))
    for kind, doc in documents.items():
        text = body_text(doc.html)
        assert escaped in text, kind
        assert '<img src="/dev/zero">' not in doc.html and "</script><script>" not in doc.html, kind
        assert all(t in text for t in ("{{ 7*7 }}", "${x}", "$title", "{0}")), kind  # never substituted
        assert all(hostile.NAME in item for item in doc.items), kind
        style = doc.html.split("<style>", 1)[1].split("</style>", 1)[0]
        assert "<" not in style.replace("<style>", ""), kind  # header text stays inside its CSS string
    assert escaped + " Förderung" in body_text(documents["sign-in"].html)
    assert hostile.NAME in documents["sign-in"].title


# -- how long a document will be (atlas.reports.size) ---------------------------------------------
def test_size_estimate_counts_what_the_document_holds(demo: Atlas) -> None:
    """The cheap estimate (counting queries) counts the offers, institutions and chapters the
    built Wegweiser has, and gives the pages the builder's own figure gives."""
    for options in ({}, {"quarter_id": 1}, {"category_id": 5}, {"quarter_id": 2, "category_id": 5}):
        size = reports.estimate_document("directory", demo, {**options, "today": TODAY})
        try:
            doc = reports.build_document("directory", demo, {**options, "today": TODAY})
        except EmptyReportError:
            assert size.entries == 0 and size.pages == 0
            continue
        assert size.entries == len(doc.items)
        assert doc.summary == f"{size.entries} Angebote von {size.institutions} Einrichtungen"
        assert size.pages == doc.estimated_pages > 0
        assert not size.too_long and not size.long
    rows = reports.contact_rows(demo, quarter_id=1)
    size = reports.estimate_document("contact-list", demo, {"quarter_id": 1, "today": TODAY})
    doc = reports.build_document("contact-list", demo, {"quarter_id": 1, "today": TODAY})
    assert size.entries == len(rows) == len(doc.items)
    assert size.pages == doc.estimated_pages == math.ceil(len(rows) / 14)


def test_size_rules_grow_with_the_entries() -> None:
    from atlas.reports.size import contact_list_pages, directory_pages

    assert directory_pages([], 0) == 0
    # the whole Wegweiser at 10k: 20,000 offers of 8,653 institutions in 5 quarters
    assert 4000 < directory_pages([4000] * 5, 8653) < 5000
    assert directory_pages([40], 30) < directory_pages([400], 300) < directory_pages([4000], 3000)
    assert (
        contact_list_pages(1000, ["name", "phone"], False)
        < contact_list_pages(1000, list(reports.DEFAULT_CONTACT_COLUMNS), False)
        < contact_list_pages(1000, [*reports.DEFAULT_CONTACT_COLUMNS, "address"], False)
    )


def test_too_long_message_says_how_long_and_what_to_do() -> None:
    size = reports.SizeEstimate("directory", 4490, 20000, institutions=8653, chapters=5)
    assert size.too_long and size.long
    text = reports.too_long_message(size)
    assert "etwa 4.490 Seiten" in text and "20.000 Angebote von 8.653 Einrichtungen" in text
    assert "Mehr als 1.000 Seiten" in text and "Es wurde nichts erstellt" in text
    assert "Bitte ein Quartier oder eine Kategorie wählen" in text
    assert "--no-page-limit" not in text
    assert "--no-page-limit" in reports.too_long_message(size, command_line=True)
    medium = reports.SizeEstimate("directory", 480, 2006, institutions=1796, chapters=5)
    assert medium.long and not medium.too_long
    question = reports.long_question(medium)
    assert "etwa 480 Seiten" in question and "etwa 2 Minuten" in question and "Jetzt erstellen?" in question
    assert "etwa eine Minute" in reports.long_question(reports.SizeEstimate("contact-list", 310, 4000))


def test_render_timeout_scales_with_the_estimated_pages() -> None:
    assert reports.render_timeout_s(0) == 120
    assert reports.render_timeout_s(300) == 420
    assert reports.render_timeout_s(4490) == 120 + 4490
    assert reports.render_timeout_s(-5) == 120


def test_command_line_refuses_a_document_over_the_page_limit(
    demo: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the limit moved down to 20 pages, the demo's whole Wegweiser (about 39) is
    refused before anything is built or printed; --no-page-limit makes it anyway."""
    from atlas.cli import build_parser, run
    from atlas.reports import size as sizes

    monkeypatch.setattr(sizes, "MAX_PAGES", 20)
    monkeypatch.setattr(sizes, "ASK_PAGES", 10)
    printed: list[reports.ReportDocument] = []

    def render(doc: reports.ReportDocument, target: Path) -> tuple[Path, int]:
        printed.append(doc)  # stands in for Chromium: here only whether it is called counts
        return target, doc.estimated_pages

    built: list[str] = []
    real_build = reports.build_document

    def build(kind: str, atlas: Atlas, options: dict[str, object]) -> reports.ReportDocument:
        built.append(kind)
        return real_build(kind, atlas, options)

    monkeypatch.setattr("atlas.cli.report.build_document", build)
    out = tmp_path / "wegweiser.pdf"
    args = build_parser().parse_args(["report", "directory", "--out", str(out)])
    assert run(demo, args, {}, render) == 2
    err = capsys.readouterr().err
    assert err.startswith("Fehler: Dieses Dokument würde etwa 39 Seiten lang werden")
    assert "Mehr als 20 Seiten" in err and "Bitte ein Quartier oder eine Kategorie" in err
    assert "--no-page-limit" in err
    assert not built and not printed and not out.exists()

    # one quarter is short enough
    args = build_parser().parse_args(["report", "directory", "--quarter", "Lirich", "--out", str(out)])
    assert run(demo, args, {}, render) == 0
    assert built == ["directory"] and len(printed) == 1

    # the whole one with --no-page-limit: made, after a line saying how long it takes
    args = build_parser().parse_args(["report", "directory", "--no-page-limit", "--out", str(out)])
    assert run(demo, args, {}, render) == 0
    captured = capsys.readouterr()
    assert "Etwa 39 Seiten (139 Angebote von 94 Einrichtungen)" in captured.err
    assert "Gespeichert" in captured.out and len(printed) == 2
    assert printed[-1].estimated_pages == 39
