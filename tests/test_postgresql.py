"""Opening a database on a PostgreSQL server (issue 13): the Alembic migrations create
the schema on an empty database, a newer schema is refused like a newer file, a database
of something else is refused, and the address's password never reaches a message.

Needs the server of ``ATLAS_TEST_PG`` (tests/pg_support.py); skips without it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from atlas.errors import CorruptDatabaseError, DatabaseOpenError, NewerDatabaseError
from atlas.records import search
from db.migrate import head_revision, open_database
from tests import pg_support


def test_an_empty_database_gets_the_schema_at_head(bare_pg: str) -> None:
    result = open_database(bare_pg)
    try:
        assert result.revision_before is None and result.revision_now == head_revision()
        tables = set(inspect(result.engine).get_table_names())
        assert {"institution", "offer", "contact", "actor", "attendance", "erasure_register"} <= tables
        assert set(search.TABLES.values()) <= tables
        with result.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
            assert search.stored_version(conn) == search.INDEX_VERSION
            trigram = set(
                conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'"))
                .scalars()
                .all()
            )
            assert trigram == {f"{table}_body_trgm" for table in search.TABLES.values()}
            seeded = conn.execute(text("SELECT count(*) FROM term")).scalar()
            assert seeded and seeded > 0
    finally:
        result.engine.dispose()
    again = open_database(bare_pg)  # a second opening finds it current
    assert again.revision_before == head_revision() and again.backup is None
    again.engine.dispose()


def test_a_newer_schema_on_the_server_is_refused_and_left_alone(bare_pg: str) -> None:
    open_database(bare_pg).engine.dispose()
    engine = create_engine(bare_pg)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(NewerDatabaseError) as info:
        open_database(bare_pg)
    message = str(info.value)
    assert "neueren Version des Stadtteil-Atlas" in message and "9999_future" in message
    assert "aktualisieren" in message and "nicht verändert" in message
    assert pg_support.scalar(bare_pg, "SELECT version_num FROM alembic_version") == "9999_future"


def test_a_database_of_something_else_is_refused(bare_pg: str) -> None:
    engine = create_engine(bare_pg)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kunden (id integer PRIMARY KEY, name text)"))
    engine.dispose()
    with pytest.raises(CorruptDatabaseError, match="keine des Stadtteil-Atlas"):
        open_database(bare_pg)
    assert pg_support.scalar(bare_pg, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 1


def test_an_unreachable_server_is_named_without_its_password() -> None:
    url = make_url(pg_support.server_url()).set(password="geheim123", database="gibt_es_nicht")
    with pytest.raises(DatabaseOpenError) as info:
        open_database(url.render_as_string(hide_password=False))
    message = str(info.value)
    assert "nicht erreichbar oder lehnt die Anmeldung ab" in message
    assert "geheim123" not in message


def test_two_programs_opening_a_new_database_at_once_both_work(bare_pg: str) -> None:
    """The second waits for the first one's migration instead of failing half-way."""
    start = threading.Barrier(2)
    outcome: list[object] = [None, None]

    def run(k: int) -> None:
        start.wait()
        try:
            result = open_database(bare_pg)
            outcome[k] = result.revision_now
            result.engine.dispose()
        except Exception as err:
            outcome[k] = err

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcome == [head_revision(), head_revision()]


def test_the_address_shown_never_holds_the_password(bare_pg: str) -> None:
    """``--db postgresql+psycopg://coach:PASSWORD@…``: the window's status bar and the
    command line's report show the address (``OpenResult.shown``), never the password (the
    test server trusts its socket, so any password opens it)."""
    from sqlalchemy.engine import make_url

    with_password = make_url(bare_pg).set(password="Geheim-42").render_as_string(hide_password=False)
    result = open_database(with_password)
    try:
        assert "Geheim-42" in result.url  # kept in memory: the program connects with it
        assert "Geheim-42" not in result.shown and "***" in result.shown
        assert make_url(result.shown).database == make_url(bare_pg).database
    finally:
        result.engine.dispose()
