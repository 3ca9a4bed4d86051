"""Moving a whole database (issue 13): ``stadtteil-atlas transfer QUELLE ZIEL`` copies
SQLite → PostgreSQL and PostgreSQL → SQLite with ids, history, settings, attendance and
the erasure register intact, checked by counts and checksums, in one transaction on the
target; a target holding records is refused unless ``--replace``; the source is never
written.

The PostgreSQL tests need the server of ``ATLAS_TEST_PG`` (tests/pg_support.py) and skip
without it; the SQLite → SQLite ones and the command line run everywhere."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.errors import DatabaseOpenError, NewerDatabaseError
from db import transfer as transfer_module
from db.engine import make_sessions
from db.migrate import open_database
from db.transfer import TransferError, holding_records, normal_row, transfer
from tests import pg_support

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo" / "demo.sqlite"
DAY = dt.datetime(2026, 11, 16, 10, 0)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_rows(url: str | Path) -> dict[str, list[list[object]]]:
    """Every table of the program, rows ordered by primary key, values normalised."""
    engine = create_engine(f"sqlite:///{url}" if isinstance(url, Path) else url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    normal_row(row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                ]
                for table in m.Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


#: The tables of the records that can travel (``atlas.models.Travelling``).
TRAVELLING = [t for t in m.Base.metadata.sorted_tables if "uuid" in t.c]


def uuids(url: str | Path) -> dict[str, dict[int, str]]:
    """Each travelling table's UUID by id."""
    engine = create_engine(f"sqlite:///{url}" if isinstance(url, Path) else url)
    try:
        with engine.connect() as conn:
            return {t.name: dict(conn.execute(select(t.c.id, t.c.uuid)).all()) for t in TRAVELLING}
    finally:
        engine.dispose()


def sqlite_counters(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {name: seq for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    finally:
        conn.close()


def opened(url: str | Path) -> tuple[Atlas, Engine]:
    result = open_database(url)
    return Atlas(make_sessions(result.engine), clock=FixedClock(DAY)), result.engine


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """The demo with what a year of work leaves: an erased person (the register), a changed
    activity rule, and the newest institution deleted (its id must never come back)."""
    path = tmp_path / "buero.sqlite"
    shutil.copyfile(DEMO, path)
    atlas, engine = opened(path)
    try:
        contacts = atlas.records["contact"].list_ids()
        atlas.privacy.erase(contacts[0])
        atlas.network.set_rule(3, 9)
        newest = max(atlas.records["institution"].list_ids())
        atlas.records["institution"].delete(newest)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def pg_target(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new database on the test server, made by the program (only the seeded terms)."""
    pg_support.server_url()
    with pg_support.fresh_database(request) as url:
        yield url


def test_sqlite_to_postgresql_and_back_keeps_every_row(source: Path, bare_pg: str, tmp_path: Path) -> None:
    before = file_hash(source)
    expected = all_rows(source)
    identities = uuids(source)
    lines: list[str] = []

    there = transfer(source, bare_pg, progress=lines.append)

    assert file_hash(source) == before  # the source is only read
    offers, contacts, attendance = (len(expected[t]) for t in ("offer", "contact", "attendance"))
    assert f"Kontakte: {contacts} übertragen" in lines and lines[-1] == "Suchindex wird aufgebaut …"
    summary = there.summary()
    assert summary.startswith(
        f"Übertragen: 99 Einrichtungen, {offers} Angebote, {contacts} Kontakte, 100 Akteure"
    )
    assert f"{attendance} Teilnahmen" in summary and summary.endswith("– Prüfsummen stimmen.")
    assert all_rows(bare_pg) == expected

    laptop = tmp_path / "laptop" / "kopie.sqlite"
    laptop.parent.mkdir()
    sequences = "SELECT last_value FROM institution_id_seq"
    counter = pg_support.scalar(bare_pg, sequences)
    back = transfer(bare_pg, laptop)
    assert all_rows(bare_pg) == expected and pg_support.scalar(bare_pg, sequences) == counter  # only read
    assert counter == sqlite_counters(source)["institution"]
    rows = all_rows(laptop)
    assert rows == expected
    assert [t.checksum for t in back.tables] == [t.checksum for t in there.tables]
    # ids, history, taxonomy links, settings, attendance and the register, explicitly
    assert contacts > 190 and attendance > 300 and len(rows["offer_target_group"]) > 200
    assert rows["erasure_register"] and len(rows["actor_status_event"]) >= 100
    # the id counters travelled: the deleted institution's id is not handed out again
    assert sqlite_counters(laptop) == sqlite_counters(source)
    # every record keeps its UUID on the server and back (issue 14: identities that travel)
    assert {t.name for t in TRAVELLING} >= {"institution", "offer", "contact", "actor", "meeting", "term"}
    assert len(identities["contact"]) > 190 and uuids(bare_pg) == identities == uuids(laptop)

    for url in (bare_pg, laptop):
        atlas, engine = opened(url)
        try:
            assert atlas.network.rule().min_meetings == 3 and atlas.network.rule().window_months == 9
            assert atlas.privacy.reapply_register() == []  # the erased person stays erased
            assert atlas.records["institution"].list_ids("Agentur für Arbeit")  # the index was built
        finally:
            engine.dispose()


def test_the_postgresql_copy_works_on(source: Path, pg_target: str) -> None:
    deleted = sqlite_counters(source)["institution"]
    transfer(source, pg_target)
    atlas, engine = opened(pg_target)
    try:
        found = atlas.records["institution"].list_ids("Agentur für Arbeit")
        assert found and all(i < deleted for i in found)
        made = atlas.records["institution"].save(None, {"name": "Neu im Team"})
        assert made.id == deleted + 1  # past every id the office ever handed out
        assert atlas.records["institution"].list_ids("neu im team") == [made.id]
        contact = atlas.records["contact"].save(None, {"first_name": "Ada", "last_name": "Neu"})
        assert contact.id == sqlite_counters(source)["contact"] + 1
    finally:
        engine.dispose()


def test_a_target_with_records_is_refused_unless_replace(
    source: Path, pg_target: str, tmp_path: Path
) -> None:
    demo = tmp_path / "demo.sqlite"
    shutil.copyfile(DEMO, demo)
    open_database(demo).engine.dispose()  # the bundled file may be at an older schema
    transfer(demo, pg_target)
    before = all_rows(pg_target)
    with pytest.raises(TransferError, match=r"enthält schon Daten .*Einrichtungen.*--replace"):
        transfer(source, pg_target)
    assert all_rows(pg_target) == before

    transfer(source, pg_target, replace=True)
    assert all_rows(pg_target) == all_rows(source)


def test_a_new_database_is_empty_but_a_term_of_its_own_is_data(pg_target: str) -> None:
    engine = create_engine(pg_target)
    try:
        with engine.begin() as conn:
            assert holding_records(conn) == []
            conn.execute(m.Term.__table__.insert().values(vocabulary="category", name="Eigene Kategorie"))
            assert holding_records(conn) == ["Begriffe"]
    finally:
        engine.dispose()


def test_a_value_postgresql_refuses_rolls_everything_back(source: Path, pg_target: str) -> None:
    """A real constraint: SQLite kept a name longer than the column allows, PostgreSQL does not."""
    raw = sqlite3.connect(source)
    raw.execute("UPDATE contact SET last_name = ? WHERE id = (SELECT max(id) FROM contact)", ("x" * 500,))
    raw.commit()
    raw.close()
    before = all_rows(pg_target)
    with pytest.raises(
        TransferError, match=r"^Kontakte konnten nicht übertragen werden .*das Ziel ist wie vorher"
    ):
        transfer(source, pg_target)
    assert all_rows(pg_target) == before  # the tables copied before Kontakte are gone again


def test_a_checksum_mismatch_names_the_table_and_rolls_back(source: Path, pg_target: str) -> None:
    """The target stores a value differently (a trigger here): counts agree, the checksum not."""
    engine = create_engine(pg_target)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION shout() RETURNS trigger AS $$ BEGIN NEW.city := upper(NEW.city); "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER shout BEFORE INSERT ON institution FOR EACH ROW EXECUTE FUNCTION shout()"
        )
    engine.dispose()
    with pytest.raises(TransferError, match="Prüfung fehlgeschlagen: Einrichtungen – die Prüfsumme"):
        transfer(source, pg_target)
    assert pg_support.scalar(pg_target, "SELECT count(*) FROM institution") == 0
    assert pg_support.scalar(pg_target, "SELECT count(*) FROM contact") == 0


def test_a_failure_at_the_last_step_leaves_the_server_empty(
    source: Path, pg_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def power_cut(conn: object) -> None:
        raise RuntimeError("Strom weg")

    monkeypatch.setattr(transfer_module, "_rebuild_index", power_cut)
    before = all_rows(pg_target)
    with pytest.raises(RuntimeError, match="Strom weg"):
        transfer(source, pg_target)
    assert all_rows(pg_target) == before
    assert pg_support.scalar(pg_target, "SELECT count(*) FROM search_institution") == 0


# --- without a server ------------------------------------------------------------------


def test_sqlite_to_sqlite_makes_a_new_file(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "kopie.sqlite"
    result = transfer(source, target)
    assert all_rows(target) == all_rows(source)
    assert sqlite_counters(target) == sqlite_counters(source)
    assert result.rows == sum(len(rows) for rows in all_rows(source).values())


def test_a_failed_transfer_removes_the_file_it_made(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def power_cut(conn: object) -> None:
        raise RuntimeError("Strom weg")

    monkeypatch.setattr(transfer_module, "_rebuild_index", power_cut)
    target = tmp_path / "kopie.sqlite"
    with pytest.raises(RuntimeError):
        transfer(source, target)
    assert not target.exists() and not list(tmp_path.glob("kopie.sqlite*"))


def test_an_existing_target_file_is_refused_and_kept(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "vorhanden.sqlite"
    shutil.copyfile(DEMO, target)
    before = file_hash(target)
    with pytest.raises(TransferError, match=r"gibt es schon.*--replace"):
        transfer(source, target)
    assert file_hash(target) == before
    transfer(source, target, replace=True)
    assert all_rows(target) == all_rows(source)


def test_the_same_database_as_source_and_target_is_refused(source: Path) -> None:
    with pytest.raises(TransferError, match="dieselbe Datenbank"):
        transfer(source, source, replace=True)


def test_a_newer_or_older_source_is_refused_and_not_touched(source: Path, tmp_path: Path) -> None:
    raw = sqlite3.connect(source)
    raw.execute("UPDATE alembic_version SET version_num = '9999_aus_der_zukunft'")
    raw.commit()
    raw.close()
    before = file_hash(source)
    with pytest.raises(NewerDatabaseError, match="neueren Version"):
        transfer(source, tmp_path / "a.sqlite")
    raw = sqlite3.connect(source)
    raw.execute("UPDATE alembic_version SET version_num = '0004'")
    raw.commit()
    raw.close()
    before = file_hash(source)
    with pytest.raises(DatabaseOpenError, match="älteren Stand"):
        transfer(source, tmp_path / "a.sqlite")
    assert file_hash(source) == before
    assert not (tmp_path / "a.sqlite").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_the_command_line_moves_and_refuses(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "laptop.sqlite"
    done = run_cli("transfer", str(source), str(target))
    assert done.returncode == 0, done.stderr
    contacts = len(all_rows(source)["contact"])
    assert done.stdout.startswith("Übertragen: 99 Einrichtungen, ")
    assert f" {contacts} Kontakte, " in done.stdout and done.stdout.strip().endswith("Prüfsummen stimmen.")
    assert f"Kontakte: {contacts} übertragen" in done.stderr and "Teilnahmen: " in done.stderr
    assert all_rows(target) == all_rows(source)

    again = run_cli("transfer", str(source), str(target))
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.startswith("Fehler: Die Zieldatei") and "--replace" in again.stderr
    assert run_cli("transfer", "--replace", str(source), str(target)).returncode == 0
    assert run_cli("--db", str(source), "transfer", str(source), str(target)).returncode == 2


def test_the_command_line_moves_to_a_server(source: Path, bare_pg: str) -> None:
    done = run_cli("transfer", str(source), bare_pg)
    assert done.returncode == 0, done.stderr
    assert "Prüfsummen stimmen" in done.stdout
    count = pg_support.scalar(bare_pg, "SELECT count(*) FROM institution")
    assert count == 99
    assert all_rows(bare_pg) == all_rows(source)


def test_every_table_has_a_german_name_and_the_entities_match_the_schema() -> None:
    from atlas.records import ENTITIES

    labels = transfer_module._labels()
    assert set(labels) == {t.name for t in m.Base.metadata.sorted_tables}
    for spec in ENTITIES.values():
        assert labels[spec.model.__tablename__] == spec.plural


def test_many_batches_give_the_same_copy_and_progress(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer_module, "BATCH", 50)
    lines: list[str] = []
    target = tmp_path / "kopie.sqlite"
    transfer(source, target, progress=lines.append)
    assert all_rows(target) == all_rows(source)
    contacts = len(all_rows(source)["contact"])
    assert f"  Kontakte: 50 von {contacts}" in lines and f"  Kontakte: {contacts} von {contacts}" in lines


def test_the_checksum_sees_a_changed_uuid(source: Path) -> None:
    """A copy whose UUIDs differ is not the same copy: the checksum includes the column."""
    engine = create_engine(f"sqlite:///{source}")
    try:
        table = m.Institution.__table__
        with engine.begin() as conn:
            before = transfer_module.table_checksum(conn, table)
            first = conn.execute(select(table.c.id).order_by(table.c.id)).scalars().first()
            conn.execute(
                table.update().where(table.c.id == first).values(uuid="00000000-0000-4000-8000-000000000000")
            )
            after = transfer_module.table_checksum(conn, table)
    finally:
        engine.dispose()
    assert before[0] == after[0] and before[1] != after[1]
