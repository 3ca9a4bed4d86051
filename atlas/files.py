"""Writing files safely: atomic replace, spreadsheet-safe cells, CSV as Excel reads it.

Shared by the exports (:mod:`atlas.exporting`, :mod:`atlas.hsds`) and the import's
reject report (:mod:`atlas.importing`).
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


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through ``write`` to a temporary file beside ``path``, then rename it over ``path``.

    A full disk, a locked target or an error half-way leaves no half file: the
    target is either the old file or the complete new one. Raises AtlasError in German.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
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
