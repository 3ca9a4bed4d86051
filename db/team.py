"""A team server's address and a first connection test ("Mit Teamserver verbinden …").

The address (host, port, database, login, TLS) is what a coach types once and the program
keeps; the password is never part of it: it is handed to :meth:`ServerAddress.url` in
memory, kept by the system's keyring if the coach wants (``ui.team_secrets``), and never
written into settings, messages or logs. :func:`check_connection` connects once and says
what it found, or raises a :class:`atlas.errors.DatabaseOpenError` with a German message a
coach can act on (wrong password, server not reachable, no such database, TLS refused,
a newer schema).
"""

from __future__ import annotations

import re

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from atlas.errors import DatabaseOpenError, NewerDatabaseError
from atlas.i18n import _
from atlas.rights import Rights, read_rights
from atlas.team import CONNECT_TIMEOUT_S, CheckResult, ServerAddress
from db.migrate import head_revision, known_revisions

__all__ = [
    "CheckResult",
    "LoginRefusedError",
    "MissingServerDatabaseError",
    "ServerAddress",
    "ServerUnreachableError",
    "TlsRefusedError",
    "check_connection",
    "explain",
]


class LoginRefusedError(DatabaseOpenError):
    """Wrong password, unknown login, or the server lets this login not in."""


class ServerUnreachableError(DatabaseOpenError):
    """The host is unknown, refuses the connection or does not answer in time."""


class MissingServerDatabaseError(DatabaseOpenError):
    """The server is there, the database named in the address is not."""


class TlsRefusedError(DatabaseOpenError):
    """TLS was asked for, but the server does not offer it."""


def check_connection(
    address: ServerAddress, password: str, timeout_s: int = CONNECT_TIMEOUT_S
) -> CheckResult:
    """Connect once, look and disconnect; nothing is written. Raises a German
    :class:`DatabaseOpenError` (one of the subclasses above, or ``NewerDatabaseError``)."""
    engine = create_engine(address.url_object(password, timeout_s), poolclass=NullPool)
    try:
        try:
            with engine.connect() as conn:
                version = str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
                try:
                    revision = conn.execute(
                        text("SELECT version_num FROM alembic_version")
                    ).scalar_one_or_none()
                except DBAPIError:
                    conn.rollback()
                    revision = None
                tables = set(inspect(conn).get_table_names()) if revision is None else set()
        except DBAPIError as err:
            raise explain(address, err) from None
        if revision is not None and revision not in known_revisions():
            raise NewerDatabaseError(
                _(
                    "Die Datenbank {where} wurde mit einer neueren Version des Stadtteil-Atlas "
                    "eingerichtet (Stand {rev}). Bitte das Programm aktualisieren."
                ).format(where=address.key(), rev=revision)
            )
        if revision is None and tables:
            raise DatabaseOpenError(
                _(
                    "Die Datenbank {where} enthält schon Tabellen, aber keine des Stadtteil-Atlas. "
                    "Bitte die Adresse prüfen oder die IT fragen."
                ).format(where=address.key())
            )
        rights: Rights | None = None
        if revision is not None:
            try:
                rights = read_rights(sessionmaker(engine))
            except DBAPIError:
                rights = None  # an older schema may lack a table the question names
        schema = "empty" if revision is None else ("current" if revision == head_revision() else "older")
        return CheckResult(version, rights, schema)
    finally:
        engine.dispose()


_UNREACHABLE = re.compile(
    r"connection refused|timeout expired|timed out|could not translate host name|failed to resolve host"
    r"|name or service not known|no route to host|network is unreachable|could not connect"
    r"|server closed the connection|invalid response to ssl negotiation",
    re.IGNORECASE,
)
_TLS = re.compile(
    r"does not support ssl|ssl was required|ssl.*required|no pg_hba.conf entry.*no encryption", re.I
)


def explain(address: ServerAddress, err: DBAPIError) -> DatabaseOpenError:
    """The German error for a failed connection. The driver's text is matched, never shown
    (it could name the login); the password is never in it nor in the result."""
    original = err.orig
    state = str(getattr(original, "sqlstate", "") or "")
    message = str(original or err)
    where = _("{host}, Port {port}").format(host=address.host, port=address.port)
    if state == "3D000" or re.search(r"database \".*\" does not exist", message):
        return MissingServerDatabaseError(
            _(
                "Auf dem Server {where} gibt es keine Datenbank „{database}“. Bitte den Namen "
                "prüfen oder die IT fragen."
            ).format(where=where, database=address.database)
        )
    if _TLS.search(message):
        return TlsRefusedError(
            _(
                "Der Server {where} bietet keine verschlüsselte Verbindung (TLS) an. Ohne "
                "Verschlüsselung wird nicht verbunden; bitte die IT fragen."
            ).format(where=where)
        )
    if state.startswith("28") or re.search(
        r"password authentication failed|authentication failed|no password supplied|"
        r"role \".*\" does not exist|no pg_hba.conf entry|fe_sendauth",
        message,
        re.IGNORECASE,
    ):
        return LoginRefusedError(
            _(
                "Anmeldung abgelehnt: Benutzer „{user}“ oder Passwort stimmt nicht, oder dieser "
                "Zugang ist auf dem Server {where} nicht freigeschaltet."
            ).format(user=address.user, where=where)
        )
    if _UNREACHABLE.search(message):
        return ServerUnreachableError(
            _(
                "Der Server {where} ist nicht erreichbar (keine Antwort oder Verbindung abgelehnt). "
                "Bitte Servername, Port und Netzwerk prüfen."
            ).format(where=where)
        )
    return DatabaseOpenError(
        _(
            "Die Verbindung zu {where} ist fehlgeschlagen. Bitte die Angaben prüfen oder die IT fragen."
        ).format(where=where)
    )
