"""Lists on real SQLite files: search (folding, literal %/_, AND), index upkeep, filters, order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from atlas import models as m
from atlas.core import Atlas
from atlas.records import search
from tests.records_support import ids_of, make_institutions, term_id


def test_search_case_and_umlaut_folding(atlas: Atlas) -> None:
    ids = make_institutions(atlas, "Ärztehaus am Markt", "Beratung Marktstraße", "Jobcenter", "Büro Vielfalt")
    for query in ("ärzte", "ÄRZTE", "arzte", "aerzte", "Ärztehaus", "AERZTEHAUS"):
        assert atlas.institutions.list_ids(query) == [ids["Ärztehaus am Markt"]], query
    for query in ("strasse", "STRASSE", "straße", "marktstr"):
        assert atlas.institutions.list_ids(query) == [ids["Beratung Marktstraße"]], query
    assert atlas.institutions.list_ids("buero") == [ids["Büro Vielfalt"]]
    assert atlas.institutions.list_ids("markt") == [ids["Ärztehaus am Markt"], ids["Beratung Marktstraße"]]
    assert atlas.institutions.list_ids("nirgendwo") == []
    assert len(atlas.institutions.list_ids("   ")) == 4


def test_search_percent_and_underscore_are_literal(atlas: Atlas) -> None:
    ids = make_institutions(atlas, "100%_sicher", "100 sicher", "100xysicher", "Kurs_A", "KursBA")
    assert atlas.institutions.list_ids("100%_sicher") == [ids["100%_sicher"]]
    assert atlas.institutions.list_ids("%") == [ids["100%_sicher"]]
    assert atlas.institutions.list_ids("_") == [ids["100%_sicher"], ids["Kurs_A"]]
    assert atlas.institutions.list_ids("0%") == [ids["100%_sicher"]]
    assert atlas.institutions.list_ids("kurs_a") == [ids["Kurs_A"]]
    assert atlas.institutions.list_ids("\\") == []
    assert len(atlas.institutions.list_ids("sicher")) == 3


def test_search_words_are_anded(atlas: Atlas, network: dict[str, Any]) -> None:
    o1, o2 = network["offers"]
    assert atlas.offers.list_ids("schuldner alleinerziehende") == [o1.id]
    assert atlas.offers.list_ids("alleinerziehende schuldner") == [o1.id]
    assert atlas.offers.list_ids("geflüchtete") == [o1.id, o2.id]
    assert atlas.offers.list_ids("sprechstunde alleinerziehende") == []
    # An offer is found by its institution and that institution's quarter.
    assert atlas.offers.list_ids("alt-oberhausen") == [o1.id, o2.id]
    assert atlas.offers.list_ids("oberhausen schuldner") == [o1.id]
    assert atlas.offers.list_ids("ärztehaus") == [o1.id, o2.id]
    assert atlas.contacts.list_ids("ärztehaus erika") == [network["contact"].id]


def test_search_short_and_odd_queries(atlas: Atlas) -> None:
    ids = make_institutions(atlas, "AWO", "Kita Ö", "Jobcenter")
    assert atlas.institutions.list_ids("aw") == [ids["AWO"]]
    assert atlas.institutions.list_ids("o") == [ids["AWO"], ids["Jobcenter"], ids["Kita Ö"]]
    assert atlas.institutions.list_ids("'; DROP TABLE institution; --") == []
    assert atlas.institutions.count() == 3


SEARCH_IN_CHILD = """
import sys
from pathlib import Path
from atlas.core import Atlas
from db.engine import make_sessions
from db.migrate import open_database

result = open_database(Path(sys.argv[1]))
atlas = Atlas(make_sessions(result.engine))
for name in ("AWO Beratung", "Kita Sonnenschein", "Jobcenter Oberhausen", "100%_sicher"):
    atlas.institutions.save(None, {"name": name})
for query in sys.argv[2:]:
    print(query, atlas.institutions.list_ids(query), flush=True)
result.engine.dispose()
"""


def test_search_word_mixes_do_not_crash_sqlite(tmp_path: Path) -> None:
    """Short and long words in any order (SQLite 3.40's FTS5 trigram LIKE crashed on some).

    Run in a child process, so a crash fails this test instead of ending the test run.
    """
    queries = [
        "ab cde",
        "o beratung",
        "aw be ra",
        "beratung aw",
        "'; DROP TABLE institution; --",
        "% sicher",
        "1 100%_s",
        "a b c d e f",
        "ki son",
        "x",
    ]
    done = subprocess.run(
        [sys.executable, "-c", SEARCH_IN_CHILD, str(tmp_path / "child.sqlite"), *queries],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    answers = dict(line.rsplit(" ", 1) for line in done.stdout.replace(", ", ",").splitlines())
    assert answers["o beratung"] == "[1]"
    assert answers["aw be ra"] == "[1]"
    assert answers["ki son"] == "[2]"
    assert answers["ab cde"] == "[]"
    assert answers["% sicher"] == "[4]"


def test_renaming_quarter_updates_search(atlas: Atlas, network: dict[str, Any]) -> None:
    q = network["quarter"]
    o1, o2 = network["offers"]
    atlas.quarters.save(q.id, {"name": "Osterfeld"})
    assert atlas.offers.list_ids("alt-oberhausen") == []
    assert atlas.offers.list_ids("osterfeld") == [o1.id, o2.id]
    assert atlas.institutions.list_ids("osterfeld") == [network["inst"].id]


def test_renaming_term_updates_search(atlas: Atlas, network: dict[str, Any]) -> None:
    a, _b = network["groups"]
    o1 = network["offers"][0]
    atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, a, "Ein-Eltern-Familien")
    assert atlas.offers.list_ids("alleinerziehende") == []
    assert atlas.offers.list_ids("ein-eltern") == [o1.id]
    cat = term_id(atlas, m.Vocabulary.CATEGORY, "Gesundheit")
    atlas.institutions.save(network["inst"].id, {"category_id": cat})
    assert atlas.institutions.list_ids("gesundheit") == [network["inst"].id]
    atlas.taxonomy.save(m.Vocabulary.CATEGORY, cat, "Gesundheit & Pflege")
    assert atlas.institutions.list_ids("pflege") == [network["inst"].id]
    atlas.taxonomy.delete(cat)
    assert atlas.institutions.list_ids("pflege") == []
    assert atlas.institutions.get(network["inst"].id).values["category_id"] is None


def test_renaming_institution_updates_dependants(atlas: Atlas, network: dict[str, Any]) -> None:
    atlas.institutions.save(network["inst"].id, {"name": "Gesundheitshaus"})
    assert atlas.offers.list_ids("ärztehaus") == []
    assert len(atlas.offers.list_ids("gesundheitshaus")) == 2
    assert atlas.contacts.list_ids("gesundheitshaus") == [network["contact"].id]
    assert atlas.actors.list_ids("gesundheitshaus") == [network["actor"].id]


def test_renaming_round_table_and_actor_updates_dependants(atlas: Atlas, network: dict[str, Any]) -> None:
    rt, actor = network["round_table"], network["actor"]
    meeting = atlas.records["meeting"].save(
        None,
        {
            "title": "Sitzung",
            "kind": "runder_tisch",
            "starts_at": "01.03.2025 10:00",
            "round_table_id": rt.id,
        },
    )
    agreement = atlas.records["agreement"].save(None, {"title": "KV", "parties": [actor.id]})
    atlas.records["round_table"].save(rt.id, {"name": "AK Gesundheit"})
    assert atlas.records["meeting"].list_ids("ak gesundheit") == [meeting.id]
    assert atlas.records["meeting"].list_ids("rt gesundheit") == []
    atlas.actors.save(actor.id, {"name": "Gesundheitsnetz"})
    assert atlas.records["agreement"].list_ids("gesundheitsnetz") == [agreement.id]


def test_rebuild_search_index(atlas: Atlas, network: dict[str, Any]) -> None:
    with atlas.sessions.begin() as session:
        for table in search.TABLES.values():
            session.connection().exec_driver_sql(f"DELETE FROM {table}")
    assert atlas.offers.list_ids("schuldner") == []
    atlas.rebuild_search_index()
    assert atlas.offers.list_ids("schuldner") == [network["offers"][0].id]


# -- filters and sorting ---------------------------------------------------------------------


def test_filters(atlas: Atlas) -> None:
    q1 = atlas.quarters.save(None, {"name": "Alt-Oberhausen"}).id
    q2 = atlas.quarters.save(None, {"name": "Sterkrade"}).id
    debt = term_id(atlas, m.Vocabulary.CATEGORY, "Schuldnerberatung")
    child = term_id(atlas, m.Vocabulary.CATEGORY, "Kinderbetreuung")
    single = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Alleinerziehende")
    youth = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Jugendliche")
    jobcenter = term_id(atlas, m.Vocabulary.SECTOR, "Jobcenter")
    club = term_id(atlas, m.Vocabulary.SECTOR, "Verein / Initiative")

    i1 = atlas.institutions.save(None, {"name": "Caritas", "quarter_id": q1, "category_id": debt}).id
    i2 = atlas.institutions.save(None, {"name": "Kita", "quarter_id": q2, "category_id": child}).id
    i3 = atlas.institutions.save(None, {"name": "Verein", "quarter_id": q1}).id
    o1 = atlas.offers.save(
        None, {"title": "Schulden", "institution_id": i1, "category_id": debt, "target_groups": [single]}
    ).id
    o2 = atlas.offers.save(
        None,
        {"title": "Betreuung", "institution_id": i2, "category_id": child, "target_groups": [single, youth]},
    ).id
    o3 = atlas.offers.save(None, {"title": "Treff", "institution_id": i3, "category_id": debt}).id
    c1 = atlas.contacts.save(None, {"last_name": "A", "institution_id": i1}).id
    c2 = atlas.contacts.save(None, {"last_name": "B", "institution_id": i2}).id
    c3 = atlas.contacts.save(None, {"last_name": "C"}).id
    a1 = atlas.actors.save(
        None, {"name": "A1", "status": "aktiv", "institution_id": i1, "sector_id": club}
    ).id
    a2 = atlas.actors.save(
        None, {"name": "A2", "status": "ruhend", "institution_id": i2, "sector_id": jobcenter}
    ).id
    a3 = atlas.actors.save(None, {"name": "A3", "status": "aktiv"}).id

    inst = atlas.institutions
    assert ids_of(inst, quarter=q1) == [i1, i3]
    assert ids_of(inst, category=debt) == [i1, i3]  # own category, or one of its offers
    assert ids_of(inst, category=child) == [i2]
    assert ids_of(inst, target_group=single) == [i1, i2]
    assert ids_of(inst, target_group=youth) == [i2]
    assert ids_of(inst, status="aktiv") == [i1]
    assert ids_of(inst, status="ruhend") == [i2]
    assert ids_of(inst, quarter=q1, target_group=single) == [i1]
    assert ids_of(inst, quarter=None) == [i1, i2, i3]  # None means 'all'
    assert ids_of(inst, "kita", quarter=q1) == []

    off = atlas.offers
    assert sorted(ids_of(off, quarter=q1)) == sorted([o1, o3])
    assert sorted(ids_of(off, category=debt)) == sorted([o1, o3])
    assert sorted(ids_of(off, target_group=single)) == sorted([o1, o2])
    assert ids_of(off, target_group=youth, quarter=q1) == []

    con = atlas.contacts
    assert ids_of(con, quarter=q2) == [c2]
    assert ids_of(con, category=debt) == [c1]
    assert c3 in ids_of(con)

    act = atlas.actors
    assert ids_of(act, quarter=q1) == [a1]
    assert ids_of(act, sector=jobcenter) == [a2]
    assert ids_of(act, status="aktiv") == [a1, a3]
    assert ids_of(act, status="aktiv", quarter=q2) == []

    with pytest.raises(ValueError):
        ids_of(con, status="aktiv")


def test_sort_order_is_folded(atlas: Atlas) -> None:
    ids = make_institutions(atlas, "Beratung", "Ärztehaus", "apotheke", "Zentrum", "Äbtissin", "Öko-Laden")
    names = [atlas.institutions.rows([i])[i][0] for i in atlas.institutions.list_ids()]
    assert names == ["Äbtissin", "apotheke", "Ärztehaus", "Beratung", "Öko-Laden", "Zentrum"]
    desc = atlas.institutions.list_ids(descending=True)
    assert desc == list(reversed(atlas.institutions.list_ids()))
    assert ids["Ärztehaus"] in desc


def test_sort_by_column_keeps_empty_last(atlas: Atlas) -> None:
    q = atlas.quarters.save(None, {"name": "Styrum"}).id
    ids = make_institutions(atlas, "B ohne Quartier")
    with_q = atlas.institutions.save(None, {"name": "A mit Quartier", "quarter_id": q}).id
    assert atlas.institutions.list_ids(sort="quarter") == [with_q, ids["B ohne Quartier"]]
    assert atlas.institutions.list_ids(sort="quarter", descending=True) == [with_q, ids["B ohne Quartier"]]


def test_rows_show_display_values(atlas: Atlas, network: dict[str, Any]) -> None:
    inst = atlas.institutions.save(
        None, {"name": "Kita", "street": "Marktstraße 1", "postcode": "46045", "city": "Oberhausen"}
    )
    assert atlas.institutions.rows([inst.id])[inst.id][3] == "Marktstraße 1, 46045 Oberhausen"
    actor = network["actor"]
    status = [c.key for c in atlas.actors.spec.columns].index("status")
    assert atlas.actors.rows([actor.id])[actor.id][status] == "aktiv"
    meeting = atlas.records["meeting"].save(
        None, {"title": "Sitzung", "kind": "runder_tisch", "starts_at": "2025-03-01 09:05"}
    )
    assert atlas.records["meeting"].rows([meeting.id])[meeting.id][0] == "01.03.2025 09:05"
    assert atlas.institutions.rows([]) == {}
    choices = atlas.institutions.choices()
    assert [label for _id, label in choices] == ["Ärztehaus Mitte", "Jobcenter", "Kita"]
