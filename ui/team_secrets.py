"""A team server's password in the system's keyring (never in a file or QSettings).

The keyring (``keyring``: the Windows Credential Locker, macOS Keychain, the Secret
Service of a Linux desktop) keeps it under the service "Stadtteil-Atlas" and the
address's :meth:`atlas.team.ServerAddress.key`. Without a keyring (a server without a
desktop session) nothing is stored: the dialog says so and asks again next time.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from atlas.i18n import _
from atlas.team import ServerAddress

SERVICE = "Stadtteil-Atlas"
log = logging.getLogger(__name__)

NO_KEYRING = _(
    "Auf diesem Rechner ist kein Schlüsselbund verfügbar: das Passwort wurde nicht "
    "gespeichert und wird beim nächsten Mal wieder abgefragt."
)


def available() -> bool:
    """Whether a real keyring answers (keyring's "fail" backend has priority 0)."""
    try:
        return float(keyring.get_keyring().priority) > 0  # type: ignore[arg-type]
    except Exception:  # a backend that cannot even say its priority is no keyring
        return False


def read(address: ServerAddress) -> str | None:
    """The stored password, or None (none stored, or no keyring)."""
    try:
        return keyring.get_password(SERVICE, address.key())
    except KeyringError as err:
        log.info("keyring not readable: %s", type(err).__name__)
        return None


def store(address: ServerAddress, password: str) -> str | None:
    """Keep the password; None when done, else the German reason it was not kept."""
    try:
        keyring.set_password(SERVICE, address.key(), password)
    except KeyringError as err:
        log.info("keyring not writable: %s", type(err).__name__)
        return NO_KEYRING
    return None


def forget(address: ServerAddress) -> None:
    """Remove a stored password (the coach unticked "im Schlüsselbund speichern")."""
    try:
        keyring.delete_password(SERVICE, address.key())
    except PasswordDeleteError:
        pass  # none stored
    except KeyringError as err:
        log.info("keyring not writable: %s", type(err).__name__)
