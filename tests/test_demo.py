"""The demo dataset: size, geometry, the story-1 search, determinism, and the committed copy."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from atlas.core import Atlas
from atlas.demo.build import ACTIVE_MIN_MEETINGS, ACTIVE_WINDOW_DAYS, STORY_OFFER, TODAY
from atlas.records import search
from atlas.records.schema import FilterKind
from db.engine import make_sessions
from db.migrate import open_database
from main import build_demo

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
# pytest-xdist (./dev test): the demo it builds (a module fixture) is built once, on one worker.
pytestmark = [pytest.mark.dates, pytest.mark.xdist_group("demo")]

COMMITTED = Path(__file__).resolve().parents[1] / "resources" / "demo" / "demo.sqlite"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Engine, Atlas]]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    stats = build_demo(path)
    result = open_database(path)
    yield stats, result.engine, Atlas(make_sessions(result.engine))
    result.engine.dispose()


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting, written independently of atlas.demo.build."""
    crossings = 0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat):
            x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if x_at > lon:
                crossings += 1
    return crossings % 2 == 1


def _fingerprint(engine: Engine) -> str:
    """A digest of the demo content that does not depend on search index or timestamps."""
    queries = [
        "SELECT q.name, q.color, q.boundary_geojson FROM quarter q ORDER BY q.name",
        "SELECT i.name, i.street, i.postcode, i.lat, i.lon, q.name, i.phone, i.email "
        "FROM institution i LEFT JOIN quarter q ON q.id = i.quarter_id ORDER BY i.name",
        "SELECT o.title, i.name, o.schedule, o.valid_from, o.valid_to FROM offer o "
        "JOIN institution i ON i.id = o.institution_id ORDER BY i.name, o.title",
        "SELECT first_name, last_name, function, phone, email FROM contact ORDER BY last_name, first_name",
        "SELECT name, status, status_since FROM actor ORDER BY name",
        "SELECT title, starts_at, place FROM meeting ORDER BY starts_at, title",
        "SELECT m.title, a.name, c.last_name FROM attendance t JOIN meeting m ON m.id = t.meeting_id "
        "JOIN actor a ON a.id = t.actor_id LEFT JOIN contact c ON c.id = t.contact_id "
        "ORDER BY m.starts_at, m.title, a.name, c.last_name",
        "SELECT title, signed_on, review_rhythm FROM agreement ORDER BY title",
    ]
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for sql in queries:
            for row in conn.execute(text(sql)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_counts_are_in_range(demo: tuple[dict[str, Any], Engine, Atlas]) -> None:
    stats, engine, _atlas = demo
    assert stats["quarters"] == 5
    assert 90 <= stats["institutions"] <= 110
    assert 140 <= stats["offers"] <= 170
    assert 180 <= stats["contacts"] <= 220
    assert 90 <= stats["actors"] <= 110
    assert stats["agreements"] == 2
    assert stats["round_tables"] >= 4
    assert 1 <= stats["institutions_without_coordinates"] <= 10
    assert 50 <= stats["actors_by_status"]["aktiv"] <= 70
    with engine.connect() as conn:
        n_attendance = conn.scalar(text("SELECT count(*) FROM attendance"))
        parties_without_contact = conn.scalar(
            text("SELECT count(*) FROM agreement_party WHERE contact_id IS NULL")
        )
    assert n_attendance and n_attendance > 100
    assert parties_without_contact == 0


def test_round_tables_have_a_year_of_meetings_with_attendance(
    demo: tuple[dict[str, Any], Engine, Atlas],
) -> None:
    _stats, engine, _atlas = demo
    today = dt.datetime.combine(TODAY, dt.time(23, 59))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.name, m.starts_at, (SELECT count(*) FROM attendance a WHERE a.meeting_id = m.id)"
                " FROM meeting m JOIN round_table r ON r.id = m.round_table_id"
            )
        ).all()
        members = dict(
            conn.execute(
                text("SELECT round_table_id, count(*) FROM round_table_member GROUP BY round_table_id")
            ).all()
        )
    assert len(members) >= 4 and min(members.values()) >= 8
    by_table: dict[str, list[tuple[dt.datetime, int]]] = {}
    for name, starts_at, n in rows:
        starts = starts_at if isinstance(starts_at, dt.datetime) else dt.datetime.fromisoformat(starts_at)
        by_table.setdefault(name, []).append((starts, n))
    assert len(by_table) >= 4
    for name, meetings in by_table.items():
        assert len(meetings) >= 4, name
        for starts, n in meetings:
            assert dt.datetime(2025, 12, 1) <= starts < dt.datetime(2026, 12, 1), name
            if starts < today:
                assert n > 0, f"{name} {starts}: no attendance"
            else:
                assert n == 0, f"{name} {starts}: attendance in the future"


def test_active_status_agrees_with_attendance(demo: tuple[dict[str, Any], Engine, Atlas]) -> None:
    """Actors marked 'aktiv' are exactly those who came to >= 2 meetings in the last half year."""
    _stats, engine, _atlas = demo
    start = dt.datetime.combine(TODAY - dt.timedelta(days=ACTIVE_WINDOW_DAYS), dt.time())
    end = dt.datetime.combine(TODAY, dt.time(23, 59))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.status, (SELECT count(DISTINCT t.meeting_id) FROM attendance t"
                " JOIN meeting m ON m.id = t.meeting_id"
                " WHERE t.actor_id = a.id AND m.starts_at >= :start AND m.starts_at <= :end)"
                " FROM actor a"
            ),
            {"start": start, "end": end},
        ).all()
    for status, n in rows:
        assert (n >= ACTIVE_MIN_MEETINGS) == (status == "aktiv"), (status, n)


def test_institutions_lie_inside_their_quarter(demo: tuple[dict[str, Any], Engine, Atlas]) -> None:
    _stats, engine, _atlas = demo
    with engine.connect() as conn:
        quarters = {
            qid: json.loads(geo)
            for qid, geo in conn.execute(text("SELECT id, boundary_geojson FROM quarter"))
        }
        places = conn.execute(
            text("SELECT name, lon, lat, quarter_id FROM institution WHERE lat IS NOT NULL")
        ).all()
    for geometry in quarters.values():
        assert geometry["type"] == "Polygon"
        ring = geometry["coordinates"][0]
        assert ring[0] == ring[-1]
        for lon, lat in ring:
            assert 6.8 <= lon <= 6.92 and 51.45 <= lat <= 51.54
    assert len(places) >= 90
    for name, lon, lat, qid in places:
        assert qid is not None, name
        assert _inside(lon, lat, quarters[qid]["coordinates"][0]), name
        # The quarters do not overlap: no other quarter contains the point.
        others = [q for q, g in quarters.items() if q != qid and _inside(lon, lat, g["coordinates"][0])]
        assert others == [], name


def test_contact_data_is_fictitious(demo: tuple[dict[str, Any], Engine, Atlas]) -> None:
    """Phones from the numbers reserved for fiction, e-mails on example.org only."""
    _stats, engine, _atlas = demo
    with engine.connect() as conn:
        phones = [
            p
            for (p,) in conn.execute(
                text("SELECT phone FROM contact UNION ALL SELECT phone FROM institution")
            )
        ]
        emails = [
            e
            for (e,) in conn.execute(
                text("SELECT email FROM contact UNION ALL SELECT email FROM institution")
            )
        ]
    assert all(re.fullmatch(r"030 23125 \d{3}", p) for p in phones)
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"[a-z0-9.\-]+@[a-z0-9\-]+\.example\.org", e) for e in emails)


def test_story_1_finds_debt_counselling_for_single_parents(
    demo: tuple[dict[str, Any], Engine, Atlas],
) -> None:
    _stats, engine, atlas = demo
    with engine.connect() as conn:
        qid = conn.scalar(text("SELECT id FROM quarter WHERE name = 'Alt-Oberhausen'"))
    ids = atlas.offers.list_ids("Schuldnerberatung Alleinerziehende", filters={FilterKind.QUARTER: qid})
    titles = [row[0] for row in atlas.offers.rows(ids).values()]
    assert STORY_OFFER in titles
    rows = atlas.offers.rows(ids)
    story = next(r for r in rows.values() if r[0] == STORY_OFFER)
    assert story[2] == "Schuldnerberatung"  # category
    assert story[3] == "Alt-Oberhausen"  # quarter
    assert "Alleinerziehende" in story[4]  # target groups
    # Typed with umlaut folding and lower case, as a user would.
    assert atlas.offers.list_ids("schuldnerberatung alleinerz", filters={FilterKind.QUARTER: qid})


def test_build_is_deterministic(tmp_path: Path, demo: tuple[dict[str, Any], Engine, Atlas]) -> None:
    stats, engine, _atlas = demo
    again = tmp_path / "again.sqlite"
    assert build_demo(again) == stats
    result = open_database(again)
    try:
        assert _fingerprint(result.engine) == _fingerprint(engine)
    finally:
        result.engine.dispose()


def test_committed_demo_database_is_current(
    tmp_path: Path, demo: tuple[dict[str, Any], Engine, Atlas]
) -> None:
    """resources/demo/demo.sqlite must be rebuilt when the generator changes:
    python main.py build-demo resources/demo/demo.sqlite"""
    stats, engine, _atlas = demo
    assert COMMITTED.exists(), "resources/demo/demo.sqlite is missing"
    copy = tmp_path / "committed.sqlite"
    shutil.copyfile(COMMITTED, copy)
    result = open_database(copy)
    try:
        assert Atlas(make_sessions(result.engine)).stats() == stats
        assert _fingerprint(result.engine) == _fingerprint(engine)
        # The shipped search index must match what atlas.records.search builds today.
        assert _index_digest(result.engine) == _index_digest(engine), (
            "search index of resources/demo/demo.sqlite is outdated: "
            "python main.py build-demo resources/demo/demo.sqlite"
        )
    finally:
        result.engine.dispose()


def _index_digest(engine: Engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for kind, table in sorted(search.TABLES.items()):
            for row in conn.execute(text(f"SELECT ref_id, body FROM {table} ORDER BY ref_id")):
                digest.update(repr((kind, *row)).encode())
    return digest.hexdigest()


def test_search_takes_wildcards_literally(demo: tuple[dict[str, Any], Engine, Atlas]) -> None:
    """% and _ typed by the user are characters, not LIKE wildcards (search.matching keeps
    ESCAPE for such words; plain words go without it so FTS5 can use the trigram index)."""
    _stats, _engine, atlas = demo
    assert atlas.offers.list_ids("%") == []
    assert atlas.offers.list_ids("_") == []
    assert atlas.offers.list_ids("schuldner%") == []
    assert atlas.offers.list_ids("schuldner") != []
