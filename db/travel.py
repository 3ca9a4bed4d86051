"""The offline copy's files (issue 14): make one from the office database, open one.

``make_copy`` copies the whole database into a new SQLite file (``db.transfer``: ids,
versions and UUIDs kept, checked by checksum) and hands the opened copy to ``prepare``
(``atlas.travel.TravelService.prepare``: trim, identity, base); if anything fails, the
new file is removed. ``open_copy`` opens a copy to bring it back: an older schema is
migrated first (with the usual copy before the update), a newer one refused.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine

from atlas.errors import AtlasError
from atlas.i18n import _
from db.engine import sqlite_path, to_url
from db.migrate import open_database
from db.transfer import Progress, transfer

T = TypeVar("T")


class CopyFileError(AtlasError):
    """The copy's file cannot be made or opened; nothing was changed."""


def make_copy(
    source: str | Path, target: str | Path, prepare: Callable[[Engine], T], progress: Progress | None = None
) -> T:
    """A new offline copy at ``target`` (a new SQLite file) of the database ``source``."""
    target_path = sqlite_path(to_url(target))
    if target_path is None:
        raise CopyFileError(_("Eine Unterwegs-Kopie ist eine Datei (.sqlite), keine Server-Adresse."))
    if target_path.exists() and target_path.stat().st_size > 0:
        raise CopyFileError(
            _("Die Datei {name} gibt es schon. Bitte einen neuen Dateinamen wählen.").format(
                name=target_path.name
            )
        )
    transfer(source, target, create=True, progress=progress)
    try:
        opened = open_database(target_path)
        try:
            return prepare(opened.engine)
        finally:
            opened.engine.dispose()
    except BaseException:
        for leftover in (target_path, target_path.with_name(target_path.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise


def open_copy(path: str | Path) -> Engine:
    """The copy's database, opened to be read (an older schema is migrated first)."""
    target = Path(path)
    if not target.is_file():
        raise CopyFileError(_("Die Datei {name} gibt es nicht.").format(name=target.name))
    return open_database(target).engine
