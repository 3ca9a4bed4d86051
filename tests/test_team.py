"""Connecting to a team server: the address, the connection test's answers and refusals
(a private cluster that checks passwords: tests/team_support.py), the keyring."""

from __future__ import annotations

import pytest

from atlas.errors import NewerDatabaseError, ValidationError
from atlas.team import ServerAddress, address_from
from db.team import (
    LoginRefusedError,
    MissingServerDatabaseError,
    ServerUnreachableError,
    TlsRefusedError,
    check_connection,
)
from tests.team_support import (  # noqa: F401  (fixtures)
    COACH,
    DATABASE,
    PASSWORD,
    Cluster,
    MemoryKeyring,
    _free_port,
    cluster,
    memory_keyring,
    no_keyring,
)
from ui import team_secrets

# pytest-xdist (./dev test): its private cluster (a module fixture) is started once, on one worker.
pytestmark = pytest.mark.xdist_group("team")


def coach_at(cluster: Cluster, **changes: object) -> ServerAddress:  # noqa: F811
    values: dict[str, object] = {"host": "127.0.0.1", "port": cluster.port, "database": DATABASE}
    values.update(user=COACH, tls=False)
    values.update(changes)
    return ServerAddress(**values)  # type: ignore[arg-type]


def test_the_address_keeps_no_password() -> None:
    address = ServerAddress("atlas.stadt.local", "atlas", "anna", 5433, tls=True)
    assert address.key() == "anna@atlas.stadt.local:5433/atlas"
    url = address.url("s3cr:t@/")
    assert "sslmode=require" in url and "connect_timeout=5" in url
    assert "s3cr" not in address.key() + address.label() + repr(address)
    assert "sslmode" not in ServerAddress("h", "d", "u", tls=False).url("x")


def test_each_wrong_field_gets_its_own_german_line() -> None:
    with pytest.raises(ValidationError) as caught:
        address_from(" ", 0, "", "anna bertram", True)
    assert caught.value.errors == {
        "host": "Server: bitte angeben.",
        "database": "Datenbank: bitte angeben.",
        "user": "Benutzer: ohne Leerzeichen, Anführungszeichen und Sonderzeichen wie = & ? #.",
        "port": "Port: eine Zahl von 1 bis 65535.",
    }
    assert address_from(" server ", 5432, "atlas", "anna", False) == ServerAddress(
        "server", "atlas", "anna", 5432, False
    )


def test_a_closed_port_is_unreachable_in_german() -> None:
    address = ServerAddress("127.0.0.1", "atlas", "anna", _free_port(), tls=False)
    with pytest.raises(ServerUnreachableError) as caught:
        check_connection(address, "Pa55wort", timeout_s=2)
    assert str(caught.value).startswith("Der Server 127.0.0.1, Port ")
    assert "nicht erreichbar" in str(caught.value) and "Pa55wort" not in str(caught.value)


def test_the_coach_connects_and_sees_her_role(cluster: Cluster) -> None:  # noqa: F811
    found = check_connection(coach_at(cluster), PASSWORD)
    assert found.server_version.split(".")[0].isdigit()
    assert found.schema == "current"
    assert found.rights is not None and found.rights.user == COACH and found.rights.role == "Netzwerkcoach"
    assert found.describe() == (
        f"Verbunden: PostgreSQL {found.server_version}, angemeldet als {COACH} (Netzwerkcoach). Datenbank aktuell."
    )


def test_a_wrong_password_is_refused_without_showing_it(cluster: Cluster) -> None:  # noqa: F811
    with pytest.raises(LoginRefusedError) as caught:
        check_connection(coach_at(cluster), "falsch-Passwort")
    assert "Anmeldung abgelehnt" in str(caught.value) and COACH in str(caught.value)
    assert "falsch-Passwort" not in str(caught.value) and caught.value.__cause__ is None
    with pytest.raises(LoginRefusedError):
        check_connection(coach_at(cluster, user="niemand"), PASSWORD)


def test_a_missing_database_is_named(cluster: Cluster) -> None:  # noqa: F811
    with pytest.raises(MissingServerDatabaseError, match="keine Datenbank „gibtsnicht“"):
        check_connection(coach_at(cluster, database="gibtsnicht"), PASSWORD)


def test_tls_asked_for_but_not_offered_is_refused(cluster: Cluster) -> None:  # noqa: F811
    with pytest.raises(TlsRefusedError, match="keine verschlüsselte Verbindung"):
        check_connection(coach_at(cluster, tls=True), PASSWORD)


def test_an_empty_and_a_newer_database(cluster: Cluster) -> None:  # noqa: F811
    cluster.admin('CREATE DATABASE "atlas_empty"')
    cluster.admin(f"GRANT CONNECT ON DATABASE atlas_empty TO {COACH}")
    assert check_connection(coach_at(cluster, database="atlas_empty"), PASSWORD).schema == "empty"
    cluster.admin(f'CREATE DATABASE "atlas_newer" TEMPLATE "{DATABASE}"')
    cluster.admin("UPDATE alembic_version SET version_num = '9999_aus_der_zukunft'", database="atlas_newer")
    with pytest.raises(NewerDatabaseError, match="neueren Version"):
        check_connection(coach_at(cluster, database="atlas_newer"), PASSWORD)


def test_the_keyring_keeps_reads_and_forgets(memory_keyring: MemoryKeyring) -> None:  # noqa: F811
    address = ServerAddress("server", "atlas", "anna")
    assert team_secrets.available() and team_secrets.read(address) is None
    assert team_secrets.store(address, "pw1") is None
    assert memory_keyring.stored == {("Stadtteil-Atlas", "anna@server:5432/atlas"): "pw1"}
    assert team_secrets.read(address) == "pw1"
    team_secrets.forget(address)
    team_secrets.forget(address)  # nothing stored: no error
    assert team_secrets.read(address) is None


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_nothing_is_kept() -> None:
    address = ServerAddress("server", "atlas", "anna")
    assert not team_secrets.available()
    assert team_secrets.store(address, "pw1") == team_secrets.NO_KEYRING
    assert "kein Schlüsselbund verfügbar" in team_secrets.NO_KEYRING
    assert team_secrets.read(address) is None
    team_secrets.forget(address)
