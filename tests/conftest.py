"""Shared fixtures. Qt runs offscreen; QtWebEngine needs its sandbox off as root."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import Atlas
from db.engine import make_sessions, to_url
from db.migrate import open_database
from tests.records_support import term_id


@pytest.fixture(autouse=True, scope="session")
def _own_state_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The program's state (the journal of temporary files) goes to a folder of the test
    run, for the tests in this process and the command lines they start, never the user's."""
    before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if before is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = before


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "atlas.sqlite"


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Atlas]:
    """A copy of the bundled demo database (migrated if the program is newer)."""
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(ROOT / "resources" / "demo" / "demo.sqlite", copy)
    result = open_database(copy)
    yield Atlas(make_sessions(result.engine))
    result.engine.dispose()


@pytest.fixture(scope="session")
def new_database_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One new, migrated database file per test run: a fresh database is a copy of it (12 ms
    instead of 0.65 s for running every migration again, at every test)."""
    path = tmp_path_factory.mktemp("template") / "neu.sqlite"
    open_database(path).engine.dispose()
    return path


def fresh_copy(template: Path, target: Path) -> Path:
    """A fresh database at ``target``, made from the template, with an identity of its own
    (two databases of one test are two databases: a copy of one is refused by the other)."""
    import sqlite3

    shutil.copyfile(template, target)
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE app_setting SET value = ? WHERE key = ?", (m.new_uuid(), m.DATABASE_KEY))
    conn.close()
    return target


@pytest.fixture
def empty(tmp_path: Path, new_database_file: Path) -> Iterator[Atlas]:
    """A second fresh database (beside ``demo``): the target of an export → import round trip."""
    result = open_database(fresh_copy(new_database_file, tmp_path / "leer.sqlite"))
    yield Atlas(make_sessions(result.engine))
    result.engine.dispose()


#: The day of the ``atlas`` fixture's clock: not the demo's, and not the machine's.
TEST_DAY = dt.datetime(2026, 11, 16, 10, 0)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database under ``atlas`` and ``other``: "sqlite" (a file), or, for a test
    marked ``both_backends``, "sqlite" and "postgresql" (a fresh database on the server
    of ``ATLAS_TEST_PG``; tests/pg_support.py)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_url(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The address of the test's fresh database: the file ``db_path``, or a new database
    on the PostgreSQL server, dropped after the test."""
    if backend == "sqlite":
        yield to_url(db_path)
        return
    from tests.pg_support import fresh_database

    with fresh_database(request) as url:
        yield url


@pytest.fixture
def atlas(backend: str, db_path: Path, db_url: str, new_database_file: Path) -> Iterator[Atlas]:
    """A fresh, migrated database with the seeded taxonomies, on a fixed day (a file,
    or on PostgreSQL for a test marked ``both_backends``)."""
    if backend == "sqlite":
        fresh_copy(new_database_file, db_path)
    result = open_database(db_path if backend == "sqlite" else db_url)
    yield Atlas(make_sessions(result.engine), clock=FixedClock(TEST_DAY))
    result.engine.dispose()


@pytest.fixture
def other(db_url: str, atlas: Atlas) -> Iterator[Atlas]:
    """A second coach's program on the database of ``atlas``: its own engine and
    connections, so a test has two real connections to the same SQLite file or
    PostgreSQL database (lost updates, locks)."""
    from tests.concurrency_support import dispose, second_atlas  # it imports this module

    second = second_atlas(db_url)
    yield second
    dispose(second)


_bare_databases = itertools.count()


@pytest.fixture
def bare_pg() -> Iterator[str]:
    """The URL of a new, empty database on the test server: no schema, no extensions (as an
    admin makes it); dropped afterwards. Skips (fails under CI) without a server."""
    from tests import pg_support

    pg_support.server_url()
    name = f"atlas_bare_{os.getpid()}_{next(_bare_databases)}"
    url = pg_support.create_database(name)
    yield url
    pg_support.drop_database(name)


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections made from now on wait 150 ms for a lock (not 3 s)."""
    from db import engine as db_engine

    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_MS", 150)


@pytest.fixture
def network(atlas: Atlas) -> dict[str, Any]:
    """An institution with 2 offers (with target groups), a contact and a linked actor in a round table."""
    q = atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    inst = atlas.institutions.save(None, {"name": "Ärztehaus Mitte", "quarter_id": q.id})
    other = atlas.institutions.save(None, {"name": "Jobcenter"})
    a = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Alleinerziehende")
    b = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Geflüchtete")
    o1 = atlas.offers.save(
        None, {"title": "Schuldnerberatung", "institution_id": inst.id, "target_groups": [a, b]}
    )
    o2 = atlas.offers.save(None, {"title": "Sprechstunde", "institution_id": inst.id, "target_groups": [b]})
    o3 = atlas.offers.save(None, {"title": "Bewerbungstraining", "institution_id": other.id})
    contact = atlas.contacts.save(
        None, {"last_name": "Beispiel", "first_name": "Erika", "institution_id": inst.id}
    )
    actor = atlas.actors.save(
        None,
        {
            "name": "Netzwerk Gesundheit",
            "status": "aktiv",
            "institution_id": inst.id,
            "contact_id": contact.id,
        },
    )
    rt = atlas.records["round_table"].save(None, {"name": "RT Gesundheit", "members": [actor.id]})
    return {
        "quarter": q,
        "inst": inst,
        "other": other,
        "offers": [o1, o2],
        "other_offer": o3,
        "contact": contact,
        "actor": actor,
        "round_table": rt,
        "groups": (a, b),
    }


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--system-date",
        metavar="YYYY-MM-DD",
        help="run with Python's wall clock moved to this day (time-machine; the program must not notice)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dates: depends on days and months; ./dev test runs these again with the system date moved",
    )
    config.addinivalue_line(
        "markers",
        "both_backends: runs on SQLite and on PostgreSQL (test ids [sqlite], [postgresql]; "
        "the server of ATLAS_TEST_PG, else the PostgreSQL run skips)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``both_backends`` that uses the database (``backend``, through
    ``atlas``, ``other``, …) runs once per backend."""
    marker = metafunc.definition.get_closest_marker("both_backends")
    if marker is None and os.environ.get("ATLAS_TEST_ALL_BACKENDS") == "1":
        marker = pytest.mark.both_backends.mark  # explore: every database test on both
    if marker is not None and "backend" in metafunc.fixturenames:
        # ``@pytest.mark.both_backends("postgresql")``: only there (e.g. a query plan)
        metafunc.parametrize("backend", list(marker.args) or ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True, scope="session")
def _system_date(request: pytest.FixtureRequest) -> Iterator[None]:
    """``--system-date``: every test of the run sees that day as the machine's date."""
    day = request.config.getoption("--system-date")
    if not day:
        yield
        return
    import time_machine

    with time_machine.travel(dt.datetime.fromisoformat(f"{day}T09:30:00"), tick=True):
        assert dt.date.today() == dt.date.fromisoformat(day)
        yield
