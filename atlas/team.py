"""A team server's address and what a test connection found (plain values).

The address (host, port, database, login, TLS) is what a coach types once and the program
keeps (``ui.team_dialog``); the password is never part of it: it is handed to
:meth:`ServerAddress.url` in memory, kept by the system's keyring if the coach wants
(``ui.team_secrets``), and never written into settings, messages or logs. The connection
test itself is ``db.team.check_connection``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.rights import Rights

DEFAULT_PORT = 5432
#: How long a connection attempt may take (libpq's ``connect_timeout``, seconds; at least 2).
CONNECT_TIMEOUT_S = 5


@dataclass(frozen=True)
class ServerAddress:
    """Where a team's database lives; no password (see the module's text)."""

    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT
    tls: bool = True

    def key(self) -> str:
        """ "anna@server:5432/atlas": the keyring's name for this login's password."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def label(self) -> str:
        """What the window shows: the key, and whether the connection is encrypted."""
        return self.key() + (" " + _("(verschlüsselt)") if self.tls else "")

    def url_object(self, password: str | None, timeout_s: int = CONNECT_TIMEOUT_S) -> URL:
        query = {"connect_timeout": str(max(2, int(timeout_s)))}
        if self.tls:
            query["sslmode"] = "require"
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query=query,
        )

    def url(self, password: str | None, timeout_s: int = CONNECT_TIMEOUT_S) -> str:
        """The SQLAlchemy URL with the password, for ``open_database`` — in memory only."""
        return self.url_object(password, timeout_s).render_as_string(hide_password=False)


@dataclass(frozen=True)
class CheckResult:
    """What one test connection found."""

    server_version: str  # "15.8"
    rights: Rights | None  # None while the database holds no tables of the program yet
    schema: str  # "current", "older" or "empty"

    def describe(self) -> str:
        """The sentence the dialog shows."""
        who = (
            _("angemeldet als {user} ({role})").format(user=self.rights.user, role=self.rights.role)
            if self.rights is not None and self.rights.user
            else _("angemeldet")
        )
        state = {
            "current": _("Datenbank aktuell."),
            "older": _("Die Datenbank wird beim Verbinden auf den neuen Stand gebracht."),
            "empty": _("Die Datenbank ist leer; beim Verbinden werden die Tabellen angelegt."),
        }[self.schema]
        return _("Verbunden: PostgreSQL {version}, {who}. {state}").format(
            version=self.server_version, who=who, state=state
        )


#: Characters a host name, database or login may not hold here (they would change the
#: meaning of the connection: spaces, quotes, a path, a second parameter).
_BAD = set(" \t\r\n'\"\\=&?#")


def address_from(host: str, port: int, database: str, user: str, tls: bool) -> ServerAddress:
    """The address from what was typed, or ``ValidationError`` with one German line per field
    (``host``, ``port``, ``database``, ``user``)."""
    errors: dict[str, str] = {}
    host, database, user = host.strip(), database.strip(), user.strip()
    for field, value, label in (
        ("host", host, _("Server")),
        ("database", database, _("Datenbank")),
        ("user", user, _("Benutzer")),
    ):
        if not value:
            errors[field] = _("{label}: bitte angeben.").format(label=label)
        elif len(value) > 253 or _BAD & set(value):
            errors[field] = _(
                "{label}: ohne Leerzeichen, Anführungszeichen und Sonderzeichen wie = & ? #."
            ).format(label=label)
    if not 1 <= port <= 65535:
        errors["port"] = _("Port: eine Zahl von 1 bis 65535.")
    if errors:
        raise ValidationError(errors)
    return ServerAddress(host=host, database=database, user=user, port=port, tls=tls)
