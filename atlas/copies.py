"""The copies the program makes of a database file, and how long they are kept.

Two kinds lie next to the database, named by ``db.migrate``:

- ``NAME.vor-wiederherstellung-STAMP.sqlite`` (with its ``-journal``): the state found
  after a crash, before SQLite rolled the interrupted write back;
- ``NAME.vor-update-REV-STAMP.sqlite``: the file before a schema update.

**Kept:** of each kind the newest :data:`KEEP_NEWEST`, and none older than
:data:`KEEP_DAYS` days (by the time in the name; ``shutil.copy2`` keeps the original's
file time). :func:`prune` runs whenever a database is opened (``db.migrate``). Before,
every crash left a full copy forever (20 copies, 522 MB in the field).

**After an erasure (Art. 17)** every copy made before it is deleted (:func:`remove_all`),
not edited: a copy may hold the person in any of the places an erasure cleans (her row,
mentions in notes, minutes, follow-ups), a recovery copy is a half-written state with a
hot journal, and a pre-update copy has an older schema that this program cannot safely
write to. Editing them could leave her in one of them; deleting cannot. The erasure's
summary names how many copies went.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from dataclasses import dataclass
from pathlib import Path

#: How many copies of each kind are kept (the newest).
KEEP_NEWEST = 3
#: Copies older than this many days are deleted, even among the newest.
KEEP_DAYS = 30

_NAME = re.compile(r"\.vor-(?P<label>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?$")
_COMPANIONS = ("-journal", "-wal", "-shm")


@dataclass(frozen=True)
class Copy:
    path: Path
    kind: str  # "wiederherstellung", "update", …
    made: dt.datetime
    n: int  # 1, 2, … for copies made in the same second


def copies_of(database: Path) -> list[Copy]:
    """The program's copies of ``database``, newest first."""
    suffix = database.suffix or ".sqlite"
    found = []
    pattern = f"{glob.escape(database.stem)}.vor-*{glob.escape(suffix)}"
    for path in database.parent.glob(pattern):
        rest = path.name[len(database.stem) : len(path.name) - len(suffix)]
        match = _NAME.fullmatch(rest)
        if match is None or not path.is_file():
            continue
        try:
            made = dt.datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        kind = match["label"].split("-", 1)[0]
        found.append(Copy(path, kind, made, int(match["n"] or 1)))
    return sorted(found, key=lambda c: (c.made, c.n), reverse=True)


def _remove(copy: Copy) -> list[Path]:
    gone = []
    for path in (copy.path, *(copy.path.with_name(copy.path.name + s) for s in _COMPANIONS)):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue  # in use or protected: tried again at the next opening
        gone.append(path)
    return gone


def prune(database: Path, now: dt.datetime, keep: int = KEEP_NEWEST, days: int = KEEP_DAYS) -> list[Path]:
    """Delete the copies beyond the newest ``keep`` of each kind and those older than
    ``days``; the files deleted."""
    oldest = now - dt.timedelta(days=days)
    seen: dict[str, int] = {}
    gone: list[Path] = []
    for copy in copies_of(database):
        seen[copy.kind] = seen.get(copy.kind, 0) + 1
        if seen[copy.kind] > keep or copy.made < oldest:
            gone += _remove(copy)
    return gone


def remove_all(database: Path) -> list[Path]:
    """Delete every copy of ``database`` (after an erasure); the copy files deleted."""
    gone: list[Path] = []
    for copy in copies_of(database):
        if copy.path in _remove(copy):
            gone.append(copy.path)
    return gone
