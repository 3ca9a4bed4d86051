"""Opening database files safely: migrate, back up, and refuse (untouched) what must not be used."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import (
    DatabaseOpenError,
    EmptyDatabaseError,
    MissingFolderError,
    NewerDatabaseError,
)
from atlas.records import search
from db import migrate
from db.engine import make_sessions
from db.files import SQLITE_MAGIC, backup_sqlite
from db.migrate import head_revision, open_database

ROOT = Path(__file__).resolve().parents[1]

SEEDED = {"category": 13, "target_group": 10, "sector": 9}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def make_db(path: Path, institutions: int = 0) -> None:
    """A migrated database file, optionally with some rows, closed again."""
    result = open_database(path)
    atlas = Atlas(make_sessions(result.engine))
    for i in range(institutions):
        atlas.institutions.save(
            None, {"name": f"Einrichtung {i:04d}", "notes": "Notiz " * 40}, confirm_duplicate=True
        )
    result.engine.dispose()


def assert_refused(path: Path, error: type[DatabaseOpenError], *words: str) -> DatabaseOpenError:
    """open_database raises ``error`` with a German message and changes neither the file nor the folder."""
    before_hash = sha256(path)
    before_stat = path.stat()
    before_listing = folder_listing(path.parent)
    with pytest.raises(error) as info:
        result = open_database(path)
        result.engine.dispose()
    assert sha256(path) == before_hash
    assert path.stat().st_mtime_ns == before_stat.st_mtime_ns
    assert path.stat().st_size == before_stat.st_size
    assert folder_listing(path.parent) == before_listing
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert "Traceback" not in message
    return info.value


# -- migrations ----------------------------------------------------------------------------


def test_empty_file_is_migrated_to_head(db_path: Path) -> None:
    assert not db_path.exists()
    result = open_database(db_path)
    try:
        assert result.revision_before is None
        assert result.revision_now == head_revision()
        assert result.backup is None
        with result.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
            )
            tables = set(inspect(conn).get_table_names())
            assert set(m.Base.metadata.tables) <= tables
            assert {f"search_{kind}" for kind in search.MODELS} <= tables
            rows = conn.execute(text("SELECT vocabulary, count(*) FROM term GROUP BY vocabulary"))
            counts = {vocabulary: n for vocabulary, n in rows}
            assert counts == SEEDED
    finally:
        result.engine.dispose()
    assert folder_listing(db_path.parent) == [db_path.name]


def test_zero_byte_file_is_refused_unless_asked_to_create(db_path: Path) -> None:
    """An empty file is not silently made into a database (issue 11 §6): refused and
    untouched; with ``create=True`` (the window's yes, ``--create``) it becomes one."""
    db_path.write_bytes(b"")
    error = assert_refused(db_path, EmptyDatabaseError, "ist leer", "nicht verändert", "--create")
    assert error.path == str(db_path)  # type: ignore[attr-defined]
    assert db_path.stat().st_size == 0
    result = open_database(db_path, create=True)
    assert result.revision_now == head_revision()
    result.engine.dispose()
    assert db_path.read_bytes()[:16] == SQLITE_MAGIC


def test_missing_folders_are_not_created_silently(tmp_path: Path) -> None:
    target = tmp_path / "gibt" / "es" / "nicht" / "atlas.sqlite"
    with pytest.raises(MissingFolderError, match=r"Den Ordner .* gibt es nicht") as info:
        open_database(target)
    assert "--create" in str(info.value)
    assert folder_listing(tmp_path) == []
    result = open_database(target, create=True)  # asked for: folders and file are made
    result.engine.dispose()
    assert target.is_file()


def test_a_dangling_link_is_never_followed(tmp_path: Path) -> None:
    link = tmp_path / "atlas.sqlite"
    link.symlink_to(tmp_path / "woanders" / "ziel.sqlite")
    folder_link = tmp_path / "ordner"
    folder_link.symlink_to(tmp_path / "weg")
    for path in (link, folder_link / "atlas.sqlite"):
        for create in (False, True):
            with pytest.raises(MissingFolderError, match="Verknüpfung") as info:
                open_database(path, create=create)
            assert "Traceback" not in str(info.value)
    assert folder_listing(tmp_path) == ["atlas.sqlite", "ordner"]  # only the two links
    assert not (tmp_path / "woanders").exists() and not (tmp_path / "weg").exists()
    # a link to an existing database is opened as before
    make_db(tmp_path / "echt.sqlite")
    good = tmp_path / "gut.sqlite"
    good.symlink_to(tmp_path / "echt.sqlite")
    open_database(good).engine.dispose()


def test_migrated_schema_matches_models(db_path: Path) -> None:
    result = open_database(db_path)
    try:
        with result.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(ctx, m.Base.metadata)
    finally:
        result.engine.dispose()

    def is_search_index(diff: object) -> bool:
        table = diff[1] if isinstance(diff, tuple) and len(diff) > 1 else None
        return getattr(table, "name", "").startswith("search_")

    assert [d for d in diffs if not is_search_index(d)] == []


def test_every_id_table_is_autoincrement(db_path: Path) -> None:
    """Alembic's comparison does not look at AUTOINCREMENT, so check the migrated
    tables against the models here: ids must never be handed out twice (undo)."""
    with_id = {t.name for t in m.Base.metadata.sorted_tables if "id" in t.c}
    assert all(m.Base.metadata.tables[n].dialect_kwargs["sqlite_autoincrement"] for n in with_id)
    result = open_database(db_path)
    try:
        with result.engine.connect() as conn:
            ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    finally:
        result.engine.dispose()
    assert {n for n in with_id if "AUTOINCREMENT" not in ddl[n]} == set()
    assert "sqlite_sequence" in ddl


def test_opening_again_is_a_no_op(db_path: Path) -> None:
    make_db(db_path, institutions=3)
    before = sha256(db_path)
    result = open_database(db_path)
    try:
        assert result.revision_before == head_revision()
        assert result.revision_now == head_revision()
        assert result.backup is None
        assert Atlas(make_sessions(result.engine)).institutions.count() == 3
    finally:
        result.engine.dispose()
    assert sha256(db_path) == before
    assert folder_listing(db_path.parent) == [db_path.name]


def test_foreign_keys_are_on(atlas: Atlas) -> None:
    engine = atlas.sessions.kw["bind"]
    for _ in range(3):  # every pooled connection, not just the first
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO offer (institution_id, title, version) VALUES (999, 'x', 1)"))


@pytest.mark.parametrize("name", ["Atlas #2 (100%).sqlite", "Müller & Söhne 50%20.sqlite", "atlas"])
def test_odd_file_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    make_db(path, institutions=2)
    assert folder_listing(tmp_path) == [name]
    result = open_database(path)
    try:
        assert Atlas(make_sessions(result.engine)).institutions.count() == 2
    finally:
        result.engine.dispose()
    assert folder_listing(tmp_path) == [name]
    copy = backup_sqlite(path, "test")
    assert copy.exists()
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT count(*) FROM institution").fetchone()[0] == 2
    conn.close()


def test_folder_is_created_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "neu" / "unter" / "atlas.sqlite"
    result = open_database(path, create=True)
    result.engine.dispose()
    assert path.exists()


# -- refusals: not a database, corrupt -------------------------------------------------------


# -- backups and upgrades -------------------------------------------------------------------------
def test_backup_sqlite_copies_all_rows(db_path: Path) -> None:
    make_db(db_path, institutions=25)
    before = sha256(db_path)
    copy = backup_sqlite(db_path, "update-0001")
    assert copy.parent == db_path.parent
    assert copy.name.startswith("atlas.vor-update-0001-")
    assert copy.suffix == ".sqlite"
    assert sha256(db_path) == before
    src, dst = sqlite3.connect(db_path), sqlite3.connect(copy)
    try:
        assert dst.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in ("institution", "term", "alembic_version"):
            query = f"SELECT * FROM {table} ORDER BY 1"
            assert dst.execute(query).fetchall() == src.execute(query).fetchall()
    finally:
        src.close()
        dst.close()


def test_two_backups_in_the_same_second_do_not_overwrite(db_path: Path) -> None:
    make_db(db_path, institutions=1)
    first = backup_sqlite(db_path, "x")
    second = backup_sqlite(db_path, "x")
    assert first != second
    assert first.exists() and second.exists()


# The program's own newest revision; the tests add one after it.
HEAD = head_revision()
NEXT = "9999"

SECOND_MIGRATION = '''"""add a column by rebuilding the institution table

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institution", recreate="always") as batch:
        batch.add_column(sa.Column("test_extra", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("institution") as batch:
        batch.drop_column("test_extra")
'''.replace("{head}", HEAD)

FAILING_MIGRATION = '''"""a migration that fails half-way

Revision ID: 9999
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("UPDATE institution SET name = 'kaputt'")
    raise RuntimeError("migration failed on purpose")


def downgrade() -> None:
    pass
'''.replace("{head}", HEAD)


@pytest.fixture
def newer_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the migration scripts; the test adds a revision to it."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    yield scripts / "versions"


def _filled_old_db(path: Path) -> dict[str, list[tuple[object, ...]]]:
    result = open_database(path)
    atlas = Atlas(make_sessions(result.engine))
    inst = atlas.institutions.save(None, {"name": "Ärztehaus"})
    atlas.offers.save(None, {"title": "Schuldnerberatung", "institution_id": inst.id})
    atlas.contacts.save(None, {"last_name": "Beispiel", "institution_id": inst.id})
    atlas.actors.save(None, {"name": "Netzwerk", "status": "aktiv", "institution_id": inst.id})
    result.engine.dispose()
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            for t in ("institution", "offer", "contact", "actor")
        }
    finally:
        conn.close()


def test_upgrade_makes_a_backup_first_and_keeps_all_rows(db_path: Path, newer_program: Path) -> None:
    rows = _filled_old_db(db_path)  # made with the shipped head (the copy has no 9999 yet)
    old_bytes = db_path.read_bytes()
    (newer_program / "9999_second.py").write_text(SECOND_MIGRATION, encoding="utf-8")
    assert migrate.head_revision() == NEXT

    result = open_database(db_path)
    try:
        assert result.revision_before == HEAD
        assert result.revision_now == NEXT
        assert result.backup is not None
        assert result.backup.exists()
        assert result.backup.name.startswith(f"atlas.vor-update-{HEAD}-")
        atlas = Atlas(make_sessions(result.engine))
        assert atlas.offers.count() == 1
        with result.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == NEXT
            assert "test_extra" in {c["name"] for c in inspect(conn).get_columns("institution")}
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            # Rebuilding a parent table must not cascade-delete its children.
            for table, before in rows.items():
                now = conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                assert len(now) == len(before), table
            assert conn.execute(text("SELECT institution_id FROM actor")).scalar_one() == 1
    finally:
        result.engine.dispose()

    # The backup is the old database, complete and at the old revision.
    backup = sqlite3.connect(result.backup)
    try:
        assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        for table, before in rows.items():
            assert backup.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() == before
    finally:
        backup.close()
    assert len(old_bytes) > 0


def test_database_of_newer_program_refused_by_older(db_path: Path, newer_program: Path) -> None:
    (newer_program / "9999_second.py").write_text(SECOND_MIGRATION, encoding="utf-8")
    make_db(db_path, institutions=1)
    # Back to the program as shipped: it does not know 9999.
    (newer_program / "9999_second.py").unlink()
    assert migrate.head_revision() == HEAD
    err = assert_refused(db_path, NewerDatabaseError, "neueren Version", NEXT)
    assert "aktualisieren" in str(err)


def test_failed_upgrade_leaves_the_old_database(db_path: Path, newer_program: Path) -> None:
    rows = _filled_old_db(db_path)
    before = sha256(db_path)
    (newer_program / "9999_fail.py").write_text(FAILING_MIGRATION, encoding="utf-8")
    with pytest.raises(DatabaseOpenError) as info:
        open_database(db_path)
    message = str(info.value)
    assert "nicht auf den neuen Stand gebracht" in message
    assert "zurückgenommen" in message
    assert "Sicherungskopie" in message
    assert sha256(db_path) == before
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half_done" not in tables
        assert conn.execute("SELECT * FROM institution ORDER BY id").fetchall() == rows["institution"]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    backups = [p for p in db_path.parent.iterdir() if p.name.startswith(f"atlas.vor-update-{HEAD}-")]
    assert len(backups) == 1


# -- a write interrupted by a crash ---------------------------------------------------------


CRASH_MID_WRITE = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size=1")  # spill changed pages into the file before the commit
conn.execute("BEGIN")
conn.execute("UPDATE institution SET notes = 'HALB GESPEICHERT ' || notes")
os._exit(0)  # power loss: no commit, no rollback
"""


def test_interrupted_write_is_rolled_back_not_refused(db_path: Path) -> None:
    """A laptop whose battery died mid-save: the last saved state opens, nothing saved is lost."""
    make_db(db_path, institutions=300)
    conn = sqlite3.connect(db_path)
    saved = conn.execute("SELECT id, name, notes FROM institution ORDER BY id").fetchall()
    conn.close()
    subprocess.run([sys.executable, "-c", CRASH_MID_WRITE, str(db_path)], check=True)
    journal = db_path.with_name(db_path.name + "-journal")
    assert journal.exists() and journal.stat().st_size > 0

    result = open_database(db_path)
    try:
        assert result.backup is not None
        assert result.backup.name.startswith("atlas.vor-wiederherstellung-")
        with result.engine.connect() as c:
            rows = c.execute(text("SELECT id, name, notes FROM institution ORDER BY id")).all()
        assert [tuple(r) for r in rows] == saved
    finally:
        result.engine.dispose()
    assert not journal.exists()
    # The state as found (file and journal) was kept beside it.
    assert result.backup.exists()
    assert result.backup.with_name(result.backup.name + "-journal").exists()


def test_revision_scan_agrees_with_alembic() -> None:
    """db.migrate reads the revision graph from the files to keep Alembic off the start path."""
    from alembic.script import ScriptDirectory

    from db import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.head_revision() == script.get_current_head()
    assert migrate.known_revisions() == {s.revision for s in script.walk_revisions()}


def test_opening_a_current_database_does_not_import_alembic(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    open_database(db).engine.dispose()
    code = (
        "import sys; from db.migrate import open_database; "
        f"open_database({str(db)!r}).engine.dispose(); "
        "print('alembic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr


def test_upgrade_from_0001_keeps_pins_as_manual_and_queues_addresses(db_path: Path) -> None:
    """The real path from the first schema: pins typed before the geocoder existed are
    kept as set by hand; addresses without a pin wait for the geocoder."""
    from alembic import command

    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text(
                "INSERT INTO institution (name, street, postcode, city, lat, lon) VALUES "
                "('Gepinnt', 'Marktstraße 1', '46045', 'Oberhausen', 51.47, 6.86), "
                "('Ohne Pin', 'Marktstraße 2', '46045', 'Oberhausen', NULL, NULL), "
                "('Nur Ort', NULL, NULL, 'Oberhausen', NULL, NULL), "
                "('Ohne alles', NULL, NULL, NULL, NULL, NULL)"
            )
        )
    engine.dispose()
    result = open_database(db_path)
    try:
        assert result.revision_before == "0001"
        assert result.revision_now == head_revision()
        assert result.backup is not None
        with result.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT name, geocode_status FROM institution")).all())
            assert conn.execute(text("SELECT count(*) FROM geocode_cache")).scalar_one() == 0
    finally:
        result.engine.dispose()
    assert rows == {"Gepinnt": "manual", "Ohne Pin": "pending", "Nur Ort": None, "Ohne alles": None}
