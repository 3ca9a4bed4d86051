"""The search index tables: layout, rebuild, and targeted reindexing after renames and deletes.

The reference for every targeted update is a full ``search.rebuild``: after a rename or
delete, the index must hold exactly what a rebuild would write, and only the records
that show the renamed name may have been reindexed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from atlas import models as m
from atlas.core import Atlas
from atlas.records import query as query_words
from atlas.records import search
from atlas.records.grams import Grams
from db.engine import make_sessions
from db.migrate import open_database
from main import build_demo

# pytest-xdist (./dev test): the demo it builds (a module fixture) is built once, on one worker.
pytestmark = pytest.mark.xdist_group("search")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    build_demo(path)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Atlas]:
    """A fresh copy of the demo database (100 institutions, 150 offers, 200 contacts ...)."""
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_file, copy)
    result = open_database(copy)
    yield Atlas(make_sessions(result.engine))
    result.engine.dispose()


@pytest.fixture
def reindexed(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[int]]:
    """Records whose index rows were recomputed, by kind (collected from search.reindex)."""
    seen: dict[str, set[int]] = {}
    original = search.reindex

    def spy(conn: Any, kind: str, ids: Any) -> None:
        ids = set(ids)
        seen.setdefault(kind, set()).update(ids)
        original(conn, kind, ids)

    monkeypatch.setattr(search, "reindex", spy)
    return seen


def index_contents(atlas: Atlas) -> dict[str, dict[int, str]]:
    with atlas.sessions() as session:
        conn = session.connection()
        return {
            kind: {r[0]: r[1] for r in conn.execute(text(f"SELECT ref_id, body FROM {table}"))}
            for kind, table in search.TABLES.items()
        }


def assert_index_current(atlas: Atlas) -> None:
    """The index holds what a full rebuild writes."""
    before = index_contents(atlas)
    atlas.rebuild_search_index()
    after = index_contents(atlas)
    for kind in search.TABLES:
        stale = {
            i for i in before[kind].keys() | after[kind].keys() if before[kind].get(i) != after[kind].get(i)
        }
        assert stale == set(), f"{kind}: stale index rows {sorted(stale)[:10]}"


def ids(atlas: Atlas, sql: str, **params: Any) -> set[int]:
    with atlas.sessions() as session:
        return set(session.execute(text(sql), params).scalars())


def term(atlas: Atlas, vocabulary: m.Vocabulary) -> m.Term:
    """The most used term of a vocabulary."""
    used = max(atlas.taxonomy.terms(vocabulary), key=lambda t: t.usage)
    assert used.usage > 0
    with atlas.sessions() as session:
        found = session.get(m.Term, used.id)
        assert found is not None
        return found


# -- layout ---------------------------------------------------------------------------------


def test_one_table_per_kind_as_in_the_code(demo: Atlas) -> None:
    with demo.sessions() as session:
        ddl = {
            r[0]: r[1]
            for r in session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        }
    assert [ddl.get(table) for table in search.TABLES.values()] == search.create_index_sql("sqlite")
    assert "search_index" not in ddl


def test_rowid_is_the_record_id(demo: Atlas) -> None:
    with demo.sessions() as session:
        for kind, table in search.TABLES.items():
            pairs = session.execute(text(f"SELECT rowid, ref_id FROM {table}")).all()
            assert pairs and all(rowid == ref_id for rowid, ref_id in pairs), kind
            model = search.MODELS[kind]
            assert {r for r, _ in pairs} == set(session.scalars(select(model.id))), kind


def test_demo_index_is_what_rebuild_writes(demo: Atlas) -> None:
    assert_index_current(demo)


def test_rebuild_repairs_a_missing_table(demo: Atlas) -> None:
    with demo.sessions.begin() as session:
        session.connection().exec_driver_sql("DROP TABLE search_contact")
    demo.rebuild_search_index()
    assert demo.contacts.list_ids("a") == demo.contacts.list_ids()


def test_search_looks_only_at_its_own_kind(demo: Atlas) -> None:
    offer = demo.offers.save(None, {"title": "Qwertzkurs", "institution_id": demo.institutions.list_ids()[0]})
    assert demo.offers.list_ids("qwertz") == [offer.id]
    assert demo.institutions.list_ids("qwertz") == []
    assert demo.contacts.list_ids("qwertz") == []


# -- targeted reindex -----------------------------------------------------------------------


def test_category_rename_reindexes_only_its_records(demo: Atlas, reindexed: dict[str, set[int]]) -> None:
    cat = term(demo, m.Vocabulary.CATEGORY)
    demo.taxonomy.save(m.Vocabulary.CATEGORY, cat.id, "Zyxkategorie")
    users = {
        "institution": ids(demo, "SELECT id FROM institution WHERE category_id = :t", t=cat.id),
        "offer": ids(demo, "SELECT id FROM offer WHERE category_id = :t", t=cat.id),
    }
    assert reindexed == users
    assert set(demo.institutions.list_ids("zyxkategorie")) == users["institution"]
    assert set(demo.offers.list_ids("zyxkategorie")) == users["offer"]
    assert_index_current(demo)


def test_sector_and_target_group_renames(demo: Atlas, reindexed: dict[str, set[int]]) -> None:
    sector = term(demo, m.Vocabulary.SECTOR)
    demo.taxonomy.save(m.Vocabulary.SECTOR, sector.id, "Zyxsektor")
    assert reindexed == {
        "institution": ids(demo, "SELECT id FROM institution WHERE sector_id = :t", t=sector.id),
        "actor": ids(demo, "SELECT id FROM actor WHERE sector_id = :t", t=sector.id),
    }
    assert_index_current(demo)
    reindexed.clear()
    group = term(demo, m.Vocabulary.TARGET_GROUP)
    demo.taxonomy.save(m.Vocabulary.TARGET_GROUP, group.id, "Zyxgruppe")
    users = ids(demo, "SELECT offer_id FROM offer_target_group WHERE term_id = :t", t=group.id)
    assert reindexed == {"offer": users}
    assert set(demo.offers.list_ids("zyxgruppe")) == users
    assert_index_current(demo)


def test_colour_change_reindexes_nothing(demo: Atlas, reindexed: dict[str, set[int]]) -> None:
    cat = term(demo, m.Vocabulary.CATEGORY)
    demo.taxonomy.save(m.Vocabulary.CATEGORY, cat.id, cat.name, "#123456")
    assert reindexed == {}


def test_term_delete_reindexes_its_former_records(demo: Atlas, reindexed: dict[str, set[int]]) -> None:
    for vocabulary in m.Vocabulary:
        gone = term(demo, vocabulary)
        institutions = set(demo.institutions.list_ids(gone.name))
        assert institutions or vocabulary is m.Vocabulary.TARGET_GROUP
        demo.taxonomy.delete(gone.id)
        assert reindexed, vocabulary
        assert_index_current(demo)
        reindexed.clear()


def test_quarter_rename_reindexes_only_its_records(demo: Atlas, reindexed: dict[str, set[int]]) -> None:
    (qid,) = ids(demo, "SELECT id FROM quarter WHERE name = 'Styrum'")
    demo.quarters.save(qid, {"name": "Zyxviertel"})
    in_quarter = ids(demo, "SELECT id FROM institution WHERE quarter_id = :q", q=qid)
    assert reindexed == {
        "quarter": {qid},
        "institution": in_quarter,
        "offer": ids(
            demo,
            "SELECT id FROM offer WHERE institution_id IN (SELECT id FROM institution WHERE quarter_id = :q)",
            q=qid,
        ),
        "round_table": ids(demo, "SELECT id FROM round_table WHERE quarter_id = :q", q=qid),
    }
    assert set(demo.institutions.list_ids("zyxviertel")) == in_quarter
    assert demo.quarters.list_ids("zyxviertel") == [qid]
    assert_index_current(demo)


def test_quarter_delete_and_undo_keep_the_index_current(demo: Atlas) -> None:
    for (qid,) in [(q,) for q in sorted(ids(demo, "SELECT id FROM quarter"))[:2]]:
        name = demo.quarters.get(qid).title
        in_quarter = set(demo.institutions.list_ids(name))
        deleted = demo.quarters.delete(qid)
        assert_index_current(demo)
        demo.quarters.restore(deleted)
        assert_index_current(demo)
        assert set(demo.institutions.list_ids(name)) == in_quarter


def test_quarter_deleted_through_the_orm(demo: Atlas) -> None:
    (qid,) = ids(demo, "SELECT id FROM quarter WHERE name = 'Lirich'")
    in_quarter = ids(demo, "SELECT id FROM institution WHERE quarter_id = :q", q=qid)
    found = set(demo.institutions.list_ids("lirich"))
    assert in_quarter <= found
    with demo.sessions.begin() as session:
        session.delete(session.get(m.Quarter, qid))
    # Still found: those on the "Liricher Straße".
    assert set(demo.institutions.list_ids("lirich")) < found
    assert demo.quarters.list_ids("lirich") == []
    assert_index_current(demo)


def test_failed_flush_leaves_nothing_pending(demo: Atlas, reindexed: dict[str, set[int]]) -> None:
    cats = demo.taxonomy.terms(m.Vocabulary.CATEGORY)
    with demo.sessions() as session:
        first = session.get(m.Term, cats[0].id)
        assert first is not None
        first.name = cats[1].name  # taken: the flush fails
        with pytest.raises(Exception, match="UNIQUE"):
            session.flush()
        session.rollback()
        assert search._MENTIONED not in session.info
    assert reindexed == {}
    assert_index_current(demo)


@pytest.mark.both_backends
def test_short_non_ascii_words_are_found(atlas: Atlas) -> None:
    """Words shorter than a trigram never go to FTS5 (it misses short non-ASCII patterns)."""
    ids = {
        n: atlas.institutions.save(None, {"name": n}).id for n in ("Жираф e. V.", "Ærø Kirke", "日本語クラブ")
    }
    assert atlas.institutions.list_ids("ир") == [ids["Жираф e. V."]]
    assert atlas.institutions.list_ids("жираф") == [ids["Жираф e. V."]]
    assert atlas.institutions.list_ids("ø") == [ids["Ærø Kirke"]]
    assert atlas.institutions.list_ids("日本") == [ids["日本語クラブ"]]
    assert atlas.institutions.list_ids("本語ク") == [ids["日本語クラブ"]]


def test_failed_rebuild_keeps_the_old_index(demo: Atlas, monkeypatch: pytest.MonkeyPatch) -> None:
    """rebuild drops and creates the FTS5 tables: that must be part of the transaction."""
    before = index_contents(demo)
    original = search._insert

    def failing(conn: Any, kind: str, rows: Any) -> None:
        if kind == "offer":
            raise RuntimeError("disk full")
        original(conn, kind, rows)

    monkeypatch.setattr(search, "_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.rebuild_search_index()
    assert index_contents(demo) == before


# -- folding of all Latin letters, phone numbers by their digits ------------------------------


@pytest.mark.both_backends
@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Yıldırım", "Yildirim"),
        ("Yildirim", "Yıldırım"),
        ("Øre", "Oere"),
        ("Øre", "ore"),
        ("Oere", "oere"),
        ("Oere", "Øre"),
        ("Aerztehaus", "Ärzte"),
        ("Ärztehaus", "Ärzte"),
        ("Arztehaus", "ärzte"),
        ("Łódź", "Lodz"),
        ("Lodz", "Łódź"),
    ],
)
def test_latin_letters_are_found_either_way(atlas: Atlas, stored: str, typed: str) -> None:
    inst = atlas.institutions.save(None, {"name": "Kita Sonnenschein"})
    person = atlas.contacts.save(None, {"last_name": stored, "first_name": "Ayşe", "institution_id": inst.id})
    atlas.contacts.save(None, {"last_name": "Schmidt", "institution_id": inst.id})
    assert atlas.contacts.list_ids(typed) == [person.id]
    assert atlas.contacts.list_ids(f"ayse {typed}") == [person.id]


@pytest.mark.both_backends
def test_contacts_and_institutions_are_found_by_the_digits_of_their_phone(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Stadtteilbüro", "phone": "+49 208 98765-0"})
    person = atlas.contacts.save(
        None, {"last_name": "Beispiel", "phone": "0208 / 12 34-5", "institution_id": inst.id}
    )
    other = atlas.contacts.save(None, {"last_name": "Anders", "phone": "0201 55555"})
    for typed in ("0208 123", "0208123", "0208/12345", "020812345", "12 34-5", "(0208) 12"):
        assert atlas.contacts.list_ids(typed) == [person.id], typed
    assert atlas.contacts.list_ids("0201") == [other.id]
    for typed in ("0208 98765", "020898765", "+49 208 98765", "4920898765"):
        assert atlas.institutions.list_ids(typed) == [inst.id], typed
    # A changed number is found by its new digits only.
    atlas.contacts.save(person.id, {"phone": "0208 777 888"}, person.version)
    assert atlas.contacts.list_ids("0208123") == []
    assert atlas.contacts.list_ids("0208777888") == [person.id]
    assert_index_current(atlas)


def test_an_index_written_with_older_folding_is_rebuilt_on_open(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index version (folding and texts) is kept in app_setting; a database whose
    index another version wrote (here: before versions, folded without ı -> i and
    without phone digits) gets a rebuilt index when it is opened."""
    result = open_database(db_path)
    atlas = Atlas(make_sessions(result.engine))
    person = atlas.contacts.save(None, {"last_name": "Yıldırım", "phone": "0208 / 12 34-5"})
    with atlas.sessions.begin() as session:
        conn = session.connection()
        assert search.stored_version(conn) == search.INDEX_VERSION
        conn.execute(text("UPDATE search_contact SET body = 'yıldırım 0208 / 12 34-5'"))
        conn.execute(text("DELETE FROM app_setting WHERE key = :k"), {"k": search.INDEX_VERSION_KEY})
    assert atlas.contacts.list_ids("yildirim") == []
    result.engine.dispose()

    again = open_database(db_path)
    atlas = Atlas(make_sessions(again.engine))
    assert atlas.contacts.list_ids("yildirim") == [person.id]
    assert atlas.contacts.list_ids("0208123") == [person.id]
    with atlas.sessions() as session:
        assert search.stored_version(session.connection()) == search.INDEX_VERSION
    again.engine.dispose()
    # Opened again with the same version: no rebuild.
    calls: list[object] = []
    monkeypatch.setattr(search, "rebuild", calls.append)
    open_database(db_path).engine.dispose()
    assert calls == []


@pytest.mark.parametrize("kind", ["institution", "offer", "contact", "actor", "meeting"])
def test_queries_in_memory_match_what_the_index_finds(demo: Atlas, kind: str) -> None:
    """A long list answers typed queries from the index texts in memory (no scan of the
    index per keystroke); every query finds exactly the records ``matching`` finds."""
    service = demo.records[kind]
    bodies = service.search_bodies()
    assert set(bodies) == set(service.list_ids())
    ids = list(bodies)
    texts = [bodies[i] for i in ids]
    short = [
        "a",
        "e",
        "s",
        "ä",
        "ö",
        "ß",
        "z",
        "4",
        "0",
        "%",
        "_",
        "\\",
        "st",
        "ar",
        "oe",
        "a s",
        "e n",
        "k ö",
        "a_b",
        "50%",
        "ob",
    ]
    long = [
        "ärzte",
        "aerzte",
        "strasse",
        "STRASSE",
        "beratung allein",
        "kita so",
        "öztürk",
        "ÄRZ",
    ]
    long += ["familienzentrum", "0208/123", "müller", "mueller", "straße", "büro"]
    in_memory = query_words.Texts(bodies)
    listed = in_memory.listed(ids[::-1])  # through the bigrams, in another order
    for query in short + long:
        terms = query_words.memory_terms(query)
        found = {i for i, body in bodies.items() if query_words.body_matches(terms, body)}
        assert found == service.matching_ids(query), (kind, query)
        assert found == set(service.list_ids(query)), (kind, query)
        assert query_words.keep_matching(terms, ids, texts) == [i for i in ids if i in found]
        if query_words.Texts.compact_answers(terms):
            assert listed.keep(terms) == [i for i in ids[::-1] if i in found], (kind, query)
        assert (query_words.short_words(query) is not None) == (query in short), query
    assert query_words.short_words("a kita") is None
    assert query_words.short_words("  ") is None and query_words.memory_terms("  ") == []


def test_the_bigrams_answer_every_word_as_a_substring_test() -> None:
    """``Grams.where(word)`` is ``word in text`` for every text: letters of their own and
    rare letters sharing a code, words of one, two and more letters, words with letters no
    text has, a text without a text (an id not indexed), and more texts than one chunk."""
    rare = ["".join(chr(0x400 + k + j) for j in range(4)) for k in range(90)]  # > 63 letters
    texts = ["ärzte strasse", "", "kita 100% sonne", "日本語 テキスト", "ab ab", "zz", *rare]
    texts += [f"kontakt {n} {n % 7}x" for n in range(5000)]
    grams = Grams(texts)
    words = ["a", "ab", "ba", "b", "zz", "z", "100%", "0%", "%", "日本", "本語", "テキ", "x", "7x", "4999"]
    words += ["kontakt 1", "q", "ß", "\n", "\u0401", "\u0401\u0402", "\u0402\u0401", "\u0459\u045a"]
    for word in words:
        assert grams.where(word).tolist() == [word in t for t in texts], word
    listed = query_words.Texts(dict(enumerate(texts))).listed([4, 999_999, 2, 0, 1])
    assert listed.keep([("a", None)]) == [4, 2, 0]
    assert listed.keep([("ab", None), ("b", None)]) == [4]
    assert listed.keep([("strasse", None), ("arzte", "ärzte")]) == [0]
    assert listed.keep([("sonne", None)]) == [2]
    assert Grams([]).where("a").tolist() == []


def _dependants_texts(conn: Any, kind: str) -> dict[str, list[tuple[Any, ...]]]:
    """The index texts (as computed now) of every kind whose texts show ``kind``'s records."""
    shown = {dep for dep, _sql in search._DEPENDANTS[kind]}
    return {dep: sorted(conn.execute(text(search._bodies_sql(dep, every_row=True))).all()) for dep in shown}


@pytest.mark.parametrize("kind", sorted(search.SHOWN_ELSEWHERE))
def test_only_the_fields_shown_elsewhere_change_other_records_texts(demo: Atlas, kind: str) -> None:
    """The offline copy's merge reindexes a record's dependants only when one of these
    fields changed: every other column is changed here and no dependant's text moves;
    each listed field does move one."""
    assert set(search.SHOWN_ELSEWHERE) == set(search._DEPENDANTS)
    table = m.Base.metadata.tables[kind]
    with demo.sessions() as session:
        conn = session.connection()
        before = _dependants_texts(conn, kind)
        for column in table.c:
            if column.primary_key or column.name in {"uuid", "version", "created_at", "updated_at"}:
                continue
            nested = conn.begin_nested()
            if column.foreign_keys:
                target = next(iter(column.foreign_keys)).column.table
                value: Any = conn.execute(select(target.c.id).order_by(target.c.id.desc())).scalar()
                conn.execute(table.update().values({column.name: value}))
            elif column.type.python_type is str:
                conn.execute(table.update().values({column.name: func.coalesce(column, "") + " (geändert)"}))
            else:
                conn.execute(
                    table.update().values({column.name: None if column.nullable else column.default.arg})
                )
            after = _dependants_texts(conn, kind)
            nested.rollback()
            if column.name in search.SHOWN_ELSEWHERE[kind]:
                assert after != before, f"{kind}.{column.name} is listed but shown nowhere else"
            else:
                assert after == before, f"{kind}.{column.name} is shown in other records' texts"
