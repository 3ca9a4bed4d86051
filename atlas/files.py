"""Writing files safely: atomic replace, spreadsheet-safe cells, CSV as Excel reads it.

Shared by the exports (:mod:`atlas.io.exporting`, :mod:`atlas.io.hsds`) and the import's
reject report (:mod:`atlas.io.importing`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

from atlas.errors import AtlasError
from atlas.i18n import _

# OWASP "CSV injection": a cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters no spreadsheet or CSV reader expects (tab, line feed and carriage
# return stay: they are quoted in CSV and allowed in XLSX strings).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def neutralise(text: str) -> str:
    """A cell text that a spreadsheet shows as text, never runs as a formula.

    Prefixes a single quote (OWASP); :func:`unneutralise` on import takes it off again.
    """
    text = strip_control(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` (used when reading a file back)."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


#: The program's own temporary files: ``.<name>.stadtteil-atlas-tmp-<pid>-<random>.tmp``
#: beside the target. Only files named so, whose process is gone, are ever cleaned.
TMP_MARK = ".stadtteil-atlas-tmp-"
_TMP_NAME = re.compile(r"^\..+" + re.escape(TMP_MARK) + r"(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
_journal: Path | None = None


def use_journal(path: Path | None) -> None:
    """Remember every folder an export writes a temporary file to in ``path`` (a small
    text file in the user's state folder), so that :func:`clean_leftovers` at the next
    start finds what a killed export left behind. ``main`` sets it; None: no journal."""
    global _journal
    _journal = path


def _journal_folders() -> list[Path]:
    if _journal is None:
        return []
    try:
        lines = _journal.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [Path(line) for line in dict.fromkeys(lines) if line.strip()]


def _remember(folder: Path) -> None:
    if _journal is None:
        return
    entry = str(folder.resolve())
    with contextlib.suppress(OSError):
        if entry in {str(f) for f in _journal_folders()}:
            return
        _journal.parent.mkdir(parents=True, exist_ok=True)
        with _journal.open("a", encoding="utf-8") as fh:
            fh.write(entry + "\n")


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (a reused id counts as running: nothing is lost)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl+C there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission: it exists
        return True
    return True


def clean_leftovers(folders: Iterable[Path] | None = None) -> list[Path]:
    """Delete the temporary files a killed export of this program left behind.

    Looks in ``folders`` (default: the journal's) only at files named by
    :data:`TMP_MARK` whose process is gone; the journal keeps the folders that still
    hold a running export's file. Returns what was deleted.
    """
    journal = folders is None
    todo = _journal_folders() if folders is None else [Path(f) for f in folders]
    removed: list[Path] = []
    busy: list[Path] = []
    for folder in todo:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            found = _TMP_NAME.match(entry.name)
            if found is None or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(found.group("pid"))
            if pid == os.getpid() or process_alive(pid):
                busy.append(folder)
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    if journal and _journal is not None:
        with contextlib.suppress(OSError):
            keep = "".join(f"{f}\n" for f in dict.fromkeys(busy))
            if keep:
                _journal.write_text(keep, encoding="utf-8")
            else:
                _journal.unlink(missing_ok=True)
    return removed


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through ``write`` to a temporary file beside ``path``, then rename it over ``path``.

    A full disk, a locked target or an error half-way leaves no half file: the
    target is either the old file or the complete new one. Raises AtlasError in German.
    A process killed half-way leaves its temporary file; the next write into the same
    folder, or the next start (:func:`clean_leftovers`), removes it.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    clean_leftovers([folder])
    _remember(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}{TMP_MARK}{os.getpid()}-", suffix=".tmp", dir=folder
        )
    except OSError as err:
        raise _write_error(path, err) from err
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise _write_error(path, err) from err
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _write_error(path: Path, err: OSError) -> AtlasError:
    reason = err.strerror or str(err)
    return AtlasError(
        _("Die Datei {path} konnte nicht geschrieben werden: {reason}. Es wurde nichts verändert.").format(
            path=path, reason=reason
        )
    )


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, separator: str = ";", excel: bool = True
) -> bytes:
    """CSV as German Excel opens it: UTF-8 with BOM, ``;``, CRLF, every cell neutralised.

    With ``excel=False``: plain UTF-8 without BOM and without neutralising (data packages).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, quotechar='"', lineterminator="\r\n")
    clean = neutralise if excel else strip_control
    writer.writerow([clean(h) for h in header])
    for row in rows:
        writer.writerow([clean(c) for c in row])
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if excel else data
