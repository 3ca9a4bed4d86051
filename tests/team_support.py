"""A private PostgreSQL cluster that asks for passwords, for the connect dialog's tests.

The ``./dev test`` server trusts everyone on its Unix socket, so a wrong password could
not be refused there. This cluster (same PostgreSQL binaries, started only when
``ATLAS_TEST_PG`` says a test server is available) listens on 127.0.0.1 with
``scram-sha-256`` for TCP and trust on its own socket (for the set-up only). It holds the
database ``atlas_team``, migrated and with ``docs/team-server.sql`` run, and a coach's login.
Also: an in-memory keyring, the stand-in for the OS's keyring service (none runs here).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from tests.pg_support import server_url

PASSWORD = "Geh3im!pw#Tz"
COACH = "atlas_t_dana"
DATABASE = "atlas_team"


@dataclass(frozen=True)
class Cluster:
    port: int
    socket_dir: str
    #: How to run ``pg_ctl`` for it (``stop``/``start``): its data folder, the binaries'
    #: folder, and ``runuser -u postgres --`` as root.
    data: str = ""
    bin_dir: str = ""
    run_as: tuple[str, ...] = ()
    #: The database a test works in (a copy of ``DATABASE`` for tests that need their own).
    database: str = DATABASE

    def admin_url(self, database: str = "") -> str:
        database = database or self.database
        url = URL.create(
            "postgresql+psycopg", "atlas", None, None, self.port, database, {"host": self.socket_dir}
        )
        return url.render_as_string(hide_password=False)

    def admin(self, sql: str, database: str = "postgres") -> None:
        engine = create_engine(self.admin_url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()

    def pg_ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.run_as, f"{self.bin_dir}/pg_ctl", "-D", self.data, *args],
            check=check, capture_output=True, timeout=90,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """The server goes away (``fast``: its connections are told so; ``immediate``: cut)."""
        self.pg_ctl("-m", mode, "-w", "-t", "60", "stop")

    def start(self) -> None:
        """The server (again) on the same port, accepting connections when this returns."""
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=off"
        self.pg_ctl("-l", f"{self.socket_dir}/server.log", "-w", "-t", "60", "-o", options, "start")

    def running(self) -> bool:
        status = subprocess.run(
            [*self.run_as, f"{self.bin_dir}/pg_ctl", "-D", self.data, "status"],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
        return status.returncode == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A cluster of its own (see the module's text), stopped and removed afterwards, also
    when the test failed. Skips (fails in CI) without a test server, as every PostgreSQL test."""
    server_url()
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL's initdb is not installed: no password-checking cluster")
    bin_dir = found[-1].parent
    folder = tempfile.mkdtemp(prefix="atlas-team-pg.")
    run_as: tuple[str, ...] = ()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        run_as = ("runuser", "-u", "postgres", "--")
    data = f"{folder}/data"
    cluster = Cluster(_free_port(), folder, data, str(bin_dir), run_as)
    try:
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", data, "-U", "atlas", "--auth-local=trust",
             "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        cluster.start()
        cluster.admin(f'CREATE DATABASE "{DATABASE}"')
        from db.migrate import open_database
        from tests.test_roles import run_script

        open_database(cluster.admin_url()).engine.dispose()
        run_script(cluster.admin_url())
        cluster.admin(f"CREATE ROLE {COACH} LOGIN PASSWORD '{PASSWORD}' IN ROLE atlas_coach")
        yield cluster
    finally:
        cluster.pg_ctl("-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with private_cluster() as made:
        yield made


class MemoryKeyring(KeyringBackend):
    """The OS keyring's stand-in: passwords in a dict, for one test."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.stored.pop((service, username), None) is None:
            raise PasswordDeleteError("not stored")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring

    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The real case on this machine: keyring's fail backend (no keyring service)."""
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)
