"""Errors the core raises. Every message is German and meant for a coach."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from atlas.i18n import _

if TYPE_CHECKING:
    from atlas.records import Candidate


class AtlasError(Exception):
    """Base class; ``str(err)`` is a German message a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(AtlasError):
    """Input was refused; ``errors`` maps field name to a German reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        lines = "; ".join(errors.values())
        super().__init__(f"Bitte Eingaben prüfen: {lines}")
        self.errors = dict(errors)


class DuplicateWarning(AtlasError):
    """Stored records may be the same as the one being saved (``atlas.records.duplicates``);
    saving again with ``confirm_duplicate`` creates it anyway."""

    def __init__(self, message: str, existing_ids: list[int], candidates: Sequence[Candidate] = ()) -> None:
        super().__init__(message)
        self.existing_ids = existing_ids
        self.candidates = tuple(candidates)


class ConflictError(AtlasError):
    """Someone saved the record after the user opened it."""


class NotFoundError(AtlasError):
    pass


BUSY_MESSAGE = _(
    "Die Datenbank wird gerade von einem anderen Programm benutzt – bitte gleich noch einmal versuchen."
)


class BusyError(AtlasError):
    """Another program (or another window) holds the database's write lock and did not
    let go in time. Nothing was saved; trying again later works (``atlas.busy``)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or BUSY_MESSAGE)


SERVER_GONE_MESSAGE = _(
    "Der Teamserver ist gerade nicht erreichbar. Ihre Eingaben sind noch da – "
    "bitte gleich noch einmal versuchen."
)


class ServerGoneError(AtlasError):
    """The connection to the team server is lost or cannot be made (the server was
    stopped or restarted, the network is gone; ``atlas.busy``). Nothing of the unit of
    work that failed was written; once the server is back the same call works again."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or SERVER_GONE_MESSAGE)


def not_allowed_message(role: str) -> str:
    return _("Dafür fehlt Ihnen die Berechtigung (Rolle: {role}). Bitte die Projektleitung fragen.").format(
        role=role
    )


class NotAllowedError(AtlasError):
    """The team server refused a write: the logged-in role may not do it (``atlas.busy``,
    ``docs/TEAM.md``). Nothing was written."""

    def __init__(self, role: str) -> None:
        super().__init__(not_allowed_message(role))
        self.role = role


class GeoJSONImportError(AtlasError):
    """A GeoJSON file was refused; nothing of it was imported. ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:8])
        if len(problems) > len(shown):
            shown.append(_("… und {n} weitere Probleme.").format(n=len(problems) - len(shown)))
        super().__init__(
            _("Die Datei wurde nicht importiert (nichts wurde übernommen):") + "\n" + "\n".join(shown)
        )
        self.problems = tuple(problems)


class DatabaseOpenError(AtlasError):
    """The database cannot be opened; it was left untouched."""


class CorruptDatabaseError(DatabaseOpenError):
    pass


class LockedDatabaseError(DatabaseOpenError):
    pass


class EmptyDatabaseError(DatabaseOpenError):
    """A zero-byte file: made into a new database only when asked (``create=True``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class MissingFolderError(DatabaseOpenError):
    """The folder of a new database does not exist (or a link points nowhere)."""


class ReadOnlyDatabaseError(DatabaseOpenError):
    pass


class NewerDatabaseError(DatabaseOpenError):
    pass
