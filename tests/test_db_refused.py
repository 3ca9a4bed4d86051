"""Database files that must not be used are refused, untouched, with a German message:
not SQLite, corrupt, truncated, a folder, someone else's, newer, locked, read-only."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from atlas.errors import (
    CorruptDatabaseError,
    LockedDatabaseError,
    MissingFolderError,
    NewerDatabaseError,
    ReadOnlyDatabaseError,
)
from db.migrate import open_database
from tests.test_db import assert_refused, folder_listing, make_db


def test_random_bytes_refused(db_path: Path) -> None:
    db_path.write_bytes(os.urandom(64 * 1024))
    assert_refused(db_path, CorruptDatabaseError, "keine Stadtteil-Atlas-Datenbank", "nicht verändert")


def test_text_file_refused(db_path: Path) -> None:
    db_path.write_text("Name;Straße\nJobcenter;Marktstraße 1\n", encoding="cp1252")
    assert_refused(db_path, CorruptDatabaseError, "nicht verändert")


def test_sqlite_header_with_garbage_refused(db_path: Path) -> None:
    db_path.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    assert_refused(db_path, CorruptDatabaseError, "nicht verändert")


def _corrupt_middle_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    assert pages >= 8, pages
    rng = __import__("random").Random(1)
    for page in range(pages // 3, pages // 3 + 3):
        start = page * page_size
        data[start : start + page_size] = bytes(rng.randrange(256) for _ in range(page_size))
    path.write_bytes(bytes(data))


def test_corrupted_pages_refused(db_path: Path) -> None:
    make_db(db_path, institutions=200)
    _corrupt_middle_pages(db_path)
    assert_refused(db_path, CorruptDatabaseError, "beschädigt", "nicht verändert")


def test_truncated_file_refused(db_path: Path) -> None:
    make_db(db_path, institutions=200)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    assert_refused(db_path, CorruptDatabaseError, "beschädigt")


def test_directory_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ordner.sqlite"
    folder.mkdir()
    with pytest.raises(CorruptDatabaseError, match="ist ein Ordner"):
        open_database(folder)


def test_foreign_sqlite_database_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE kunden (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO kunden (name) VALUES ('Müller')")
    conn.commit()
    conn.close()
    assert_refused(db_path, CorruptDatabaseError, "keine des Stadtteil-Atlas", "nicht verändert")


def test_newer_database_refused(db_path: Path) -> None:
    make_db(db_path, institutions=2)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    assert_refused(db_path, NewerDatabaseError, "neueren Version", "9999_future", "nicht verändert")


# -- refusals: locked ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["EXCLUSIVE", "IMMEDIATE", "WRITING"])
def test_locked_database_refused_quickly(db_path: Path, mode: str) -> None:
    make_db(db_path, institutions=300 if mode == "WRITING" else 2)
    other = sqlite3.connect(db_path, isolation_level=None)
    if mode == "WRITING":
        # Another program in the middle of a large save: its journal is live, not hot.
        other.execute("PRAGMA cache_size=1")
        other.execute("BEGIN")
        other.execute("UPDATE institution SET notes = 'x' || notes")
        assert db_path.with_name(db_path.name + "-journal").exists()
    else:
        other.execute(f"BEGIN {mode}")
    try:
        started = time.monotonic()
        assert_refused(db_path, LockedDatabaseError, "von einem anderen Programm benutzt")
        assert time.monotonic() - started < 10
    finally:
        other.execute("ROLLBACK")
        other.close()
    # Once the other program is done, the file opens normally.
    result = open_database(db_path)
    result.engine.dispose()


# -- refusals: read-only -----------------------------------------------------------------------


NOBODY = 65534


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="atlas-ro-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for p in [folder, *folder.rglob("*")]:
            p.chmod(0o777 if p.is_dir() else 0o666)
        shutil.rmtree(folder)


@contextmanager
def without_root() -> Iterator[None]:
    """Root ignores file permissions; act as an ordinary user meanwhile."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def _writable_for_others(path: Path) -> None:
    path.chmod(0o666)


def test_read_only_file_refused(shared_dir: Path) -> None:
    path = shared_dir / "atlas.sqlite"
    make_db(path, institutions=2)
    path.chmod(0o444)
    with without_root():
        assert_refused(path, ReadOnlyDatabaseError, "schreibgeschützt")


def test_read_only_folder_refused(shared_dir: Path) -> None:
    """SQLite needs to write its journal next to the file."""
    path = shared_dir / "atlas.sqlite"
    make_db(path, institutions=2)
    _writable_for_others(path)
    shared_dir.chmod(0o555)
    with without_root():
        assert_refused(path, ReadOnlyDatabaseError, "schreibgeschützt")


def test_new_database_in_read_only_folder_refused(shared_dir: Path) -> None:
    shared_dir.chmod(0o555)
    path = shared_dir / "atlas.sqlite"
    with without_root(), pytest.raises(ReadOnlyDatabaseError, match="keine Schreibrechte"):
        open_database(path)
    assert not path.exists()
    assert folder_listing(shared_dir) == []


def test_missing_folder_under_a_read_only_one_gives_a_german_message(shared_dir: Path) -> None:
    shared_dir.chmod(0o555)
    path = shared_dir / "neu" / "atlas.sqlite"
    with without_root():
        with pytest.raises(MissingFolderError, match="gibt es nicht"):
            open_database(path)
        with pytest.raises(ReadOnlyDatabaseError, match="kann nicht angelegt werden"):
            open_database(path, create=True)
    assert folder_listing(shared_dir) == []


def test_unreadable_file_refused(shared_dir: Path) -> None:
    path = shared_dir / "atlas.sqlite"
    make_db(path)
    path.chmod(0o200)
    with without_root(), pytest.raises(ReadOnlyDatabaseError, match="kann nicht gelesen werden"):
        open_database(path)


def test_read_only_check_as_root_is_honest(shared_dir: Path) -> None:
    """For root a 0444 file is writable; it is opened, not refused for a made-up reason."""
    if os.geteuid() != 0:
        pytest.skip("only meaningful as root")
    path = shared_dir / "atlas.sqlite"
    make_db(path)
    path.chmod(0o444)
    result = open_database(path)
    result.engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
