"""The team server goes away and comes back (issue 13, "Server gone"): every read and write
meanwhile says so in German (``ServerGoneError``, never the driver's text, never the
password), and the same program works on as soon as the server is back — also right after
a restart, when every pooled connection is dead (``pool_pre_ping``).

A real server that really stops: a private cluster (``tests/team_support.py``) that this
module stops and starts again on the same port; the shared test server is never stopped.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from atlas import busy
from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.errors import SERVER_GONE_MESSAGE, ServerGoneError
from atlas.team import ServerAddress
from db.engine import make_engine, make_sessions
from db.migrate import open_database
from tests.conftest import TEST_DAY
from tests.team_support import COACH, DATABASE, PASSWORD, Cluster, private_cluster

# pytest-xdist (./dev test): its private cluster (a module fixture) is started once, on one worker.
pytestmark = pytest.mark.xdist_group("server_gone")


@pytest.fixture(scope="module")
def server() -> Iterator[Cluster]:
    with private_cluster() as made:
        yield made


@pytest.fixture
def team(server: Cluster) -> Iterator[Cluster]:
    """The private server with a fresh copy of the team's database for this test
    (``team.database``), running again after the test (also after a failed one)."""
    name = f"atlas_gone_{next(_copies)}"
    server.admin(f'CREATE DATABASE "{name}" TEMPLATE "{DATABASE}"')
    yield replace(server, database=name)
    if not server.running():
        server.start()
    server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_copies = itertools.count()


def coach_url(cluster: Cluster, password: str = PASSWORD) -> str:
    """A coach's login over TCP with her password, as the team dialog connects."""
    return ServerAddress("127.0.0.1", cluster.database, COACH, cluster.port, tls=False).url(password)


@pytest.fixture
def coach(team: Cluster) -> Iterator[Atlas]:
    result = open_database(coach_url(team))
    yield Atlas(make_sessions(result.engine), clock=FixedClock(TEST_DAY))
    result.engine.dispose()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_save_while_the_server_is_gone_is_refused_in_german_and_works_when_it_is_back(
    coach: Atlas, team: Cluster, mode: str
) -> None:
    kita = coach.institutions.save(None, {"name": "Kita Sonnenschein", "city": "Oberhausen"})
    values = {**kita.values, "city": "Oberhausen-Sterkrade"}

    team.stop(mode)  # fast: the server tells its connections; immediate: they are cut
    with pytest.raises(ServerGoneError) as caught:
        coach.institutions.save(kita.id, values, kita.version)
    assert (
        str(caught.value)
        == SERVER_GONE_MESSAGE
        == (
            "Der Teamserver ist gerade nicht erreichbar. Ihre Eingaben sind noch da – "
            "bitte gleich noch einmal versuchen."
        )
    )
    assert PASSWORD not in str(caught.value) and "Sterkrade" not in str(caught.value)
    with pytest.raises(ServerGoneError):  # a read says the same
        coach.institutions.get(kita.id)
    with pytest.raises(ServerGoneError):  # and again: no traceback, no hanging
        coach.institutions.save(kita.id, values, kita.version)

    team.start()
    saved = coach.institutions.save(kita.id, values, kita.version)  # the same program, at once
    assert (saved.values["city"], saved.version) == ("Oberhausen-Sterkrade", kita.version + 1)
    assert coach.institutions.get(kita.id).values["city"] == "Oberhausen-Sterkrade"


def test_right_after_a_restart_the_first_save_works(coach: Atlas, team: Cluster) -> None:
    """Nothing was asked while the server was away: every pooled connection is dead when it
    is back. Each is checked before use and replaced; without that check the first save
    after a restart failed (shown with an engine without it)."""
    kita = coach.institutions.save(None, {"name": "Kita Regenbogen"})
    plain = make_engine(coach_url(team), pool_pre_ping=False)
    busy.install(plain)
    with plain.connect() as conn:  # one pooled connection, from before the restart
        conn.exec_driver_sql("SELECT 1")
    engine = coach.sessions.kw["bind"]
    assert getattr(engine, "_proxied", engine).pool._pre_ping

    team.stop("fast")
    team.start()

    saved = coach.institutions.save(kita.id, {**kita.values, "city": "Oberhausen"}, kita.version)
    assert saved.values["city"] == "Oberhausen"
    try:
        with pytest.raises(ServerGoneError), plain.connect() as conn:  # unchecked: dead once
            conn.exec_driver_sql("SELECT 1")
        with plain.connect() as conn:  # and then connected anew
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        plain.dispose()


def test_a_refused_login_is_not_a_server_gone(team: Cluster) -> None:
    """The server is there and says no (a changed password): not "nicht erreichbar"."""
    engine = make_engine(coach_url(team, "falsch-Passwort"))
    busy.install(engine)
    try:
        with pytest.raises(OperationalError) as caught, engine.connect():
            pass
        assert not isinstance(caught.value, ServerGoneError)
    finally:
        engine.dispose()


def test_what_counts_as_a_server_gone() -> None:
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )
    assert busy.is_server_gone(refused, "postgresql")
    assert not busy.is_server_gone(
        psycopg.OperationalError('connection failed: FATAL:  password authentication failed for user "a"'),
        "postgresql",
    )
    assert not busy.is_server_gone(psycopg.errors.QueryCanceled("canceling statement"), "postgresql")
    assert busy.is_server_gone(psycopg.errors.AdminShutdown("terminating connection"), "postgresql")
    assert not busy.is_server_gone(sqlite3.OperationalError("disk I/O error"), "sqlite")
    assert not busy.is_server_gone(sqlite3.OperationalError("unable to open"), "sqlite", True)
