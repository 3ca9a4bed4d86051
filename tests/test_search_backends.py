"""One search corpus, the same answers on SQLite (FTS5 trigram tables) and PostgreSQL
(plain tables with a pg_trgm GIN index): both store the text folded by
``atlas.text.fold_for_index`` and match every typed word with ``LIKE '%word%'``, so the
results agree by construction; this test holds them to it (issue 13)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from atlas.core import Atlas
from atlas.records import search

pytestmark = pytest.mark.both_backends

NAMES = [
    "Beratung Hauptstraße",
    "Strassenfest Verein",
    "Mädchentreff Süd",
    "Maedchenhaus Nord",
    "Madchen-Kino",
    "SÜD-Werkstatt",
    "Praxis Yıldırım",
    "Yildirim Übersetzungen",
    "Rabatt 100% Laden",
    "Rabatt 1000 Laden",
    "a_b Agentur",
    "axb Agentur",
    "Back\\slash e. V.",
]

QUERIES: dict[str, set[str]] = {
    "straße": {"Beratung Hauptstraße", "Strassenfest Verein"},
    "strasse": {"Beratung Hauptstraße", "Strassenfest Verein"},
    "STRASSE": {"Beratung Hauptstraße", "Strassenfest Verein"},
    "mädchen": {"Mädchentreff Süd", "Maedchenhaus Nord", "Madchen-Kino"},
    "maedchen": {"Mädchentreff Süd", "Maedchenhaus Nord"},
    "madchen": {"Mädchentreff Süd", "Madchen-Kino"},
    "SÜD": {"Mädchentreff Süd", "SÜD-Werkstatt"},
    "sud": {"Mädchentreff Süd", "SÜD-Werkstatt"},
    "sued": {"Mädchentreff Süd", "SÜD-Werkstatt"},
    "yıldırım": {"Praxis Yıldırım", "Yildirim Übersetzungen"},
    "Yildirim": {"Praxis Yıldırım", "Yildirim Übersetzungen"},
    "100%": {"Rabatt 100% Laden"},
    "0%": {"Rabatt 100% Laden"},
    "a_b": {"a_b Agentur"},
    "_": {"a_b Agentur"},
    "%": {"Rabatt 100% Laden"},
    "\\": {"Back\\slash e. V."},
    "k\\s": {"Back\\slash e. V."},
    # a word shorter than a trigram is matched as folded only ("ü" as "u", not also "ue")
    "ü": {
        "Beratung Hauptstraße",
        "Mädchentreff Süd",
        "Maedchenhaus Nord",
        "SÜD-Werkstatt",
        "Yildirim Übersetzungen",
        "a_b Agentur",
        "axb Agentur",
    },
    "xb": {"axb Agentur"},
    "ö": {"Maedchenhaus Nord", "Madchen-Kino"},
    "q": set(),
    "y": {"Praxis Yıldırım", "Yildirim Übersetzungen"},
    "m n": {"Mädchentreff Süd", "Maedchenhaus Nord", "Madchen-Kino", "Yildirim Übersetzungen"},
    "ab 100": {"Rabatt 100% Laden", "Rabatt 1000 Laden"},
    "sü tr": {"Mädchentreff Süd"},
    "ent mäd": {"Mädchentreff Süd"},
    "agentur a_b": {"a_b Agentur"},
}


@pytest.fixture
def corpus(atlas: Atlas) -> dict[int, str]:
    return {atlas.institutions.save(None, {"name": name}).id: name for name in NAMES}


def test_the_corpus_finds_the_same_on_both_backends(atlas: Atlas, corpus: dict[int, str]) -> None:
    found = {query: {corpus[i] for i in atlas.institutions.list_ids(query)} for query in QUERIES}
    wrong = {query: found[query] for query in QUERIES if found[query] != QUERIES[query]}
    assert wrong == {}


def test_the_index_holds_the_folded_text(atlas: Atlas, corpus: dict[int, str]) -> None:
    with atlas.sessions() as session:
        bodies = search.bodies(session.connection(), "institution")
    by_name = {corpus[i]: body.split() for i, body in bodies.items()}  # empty fields: spaces
    assert by_name["Beratung Hauptstraße"] == ["beratung", "hauptstrasse"]
    assert by_name["Mädchentreff Süd"] == ["madchentreff", "sud", "maedchentreff", "sued"]
    assert by_name["Praxis Yıldırım"] == ["praxis", "yildirim"]


@pytest.mark.both_backends("postgresql")
def test_postgresql_answers_a_word_from_the_trigram_index(atlas: Atlas) -> None:
    """The plan of a keystroke's query uses the GIN index (once the planner may not scan)."""
    for n in range(3):
        atlas.institutions.save(None, {"name": f"Beratungsstelle {n}"})
    query = search.matching("institution", "stelle")
    assert query is not None
    with atlas.sessions() as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in session.execute(
                text("EXPLAIN " + str(query.compile(compile_kwargs={"literal_binds": True})))
            )
        )
    assert "search_institution_body_trgm" in plan, plan
