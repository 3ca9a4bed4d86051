"""Caps on everything the program reads from a file, in one place, and the checks that
apply them *before* the costly step allocates.

Why caps: every reader (CSV, XLSX, GeoJSON, vCard, Open Referral, the logo of reports)
builds Python objects per cell, per value or per line, and a small hostile file can ask for
gigabytes (a 10 MB CSV header of separators, an XLSX cell in column ZZZZZZ, JSON nested
100,000 deep). Each cap below is far above what a coach's list holds and low enough that a
file refused at the cap costs well under 500 MB and a few seconds. A refusal is always an
:class:`~atlas.errors.AtlasError` (or a subclass the reader chooses) with a German message
naming the file and what was too big.

What is checked where:

- :func:`read_capped` - any file read whole: only regular files (not ``/dev/zero``, not a
  FIFO, which would block), never more than its cap, read with one bounded ``read``.
- :func:`lines` - text split into lines lazily (no copy of the file as a list), each line
  at most :data:`MAX_RECORD_CHARS`; CSV and vCard read through it.
- :func:`check_json_shape` - before ``json.loads``: nesting depth and the number of values
  (bounded by the separators outside strings), counted on a skeleton of the text.
- :data:`MAX_COLUMNS`, :data:`MAX_CELL_CHARS`, :data:`MAX_CELLS`, :data:`MAX_ROWS` - per row
  of a list (CSV, XLSX, GeoJSON, vCard; :mod:`atlas.io.tables`), the XLSX reader checks a
  cell's column before it widens a row (:mod:`atlas.io.xlsx`).
- :data:`EARLIEST_YEAR`, :data:`LATEST_YEAR` - dates entered, imported or asked for
  (:func:`atlas.text.check_date_range`).
"""

from __future__ import annotations

import operator
import os
import re
import stat
from collections.abc import Callable, Iterator
from itertools import accumulate, repeat
from pathlib import Path

from atlas.errors import AtlasError
from atlas.i18n import _

MiB = 1024 * 1024

# -- list files (atlas.io.tables, atlas.io.xlsx) ------------------------------------------------
#: A list file on disk (CSV, XLSX, GeoJSON, vCard).
MAX_FILE_BYTES = 64 * MiB
#: All parts of an XLSX together, unpacked.
MAX_UNPACKED_BYTES = 256 * MiB
#: Unpacked / packed size of one XLSX part larger than RATIO_FLOOR (zip bombs).
MAX_RATIO = 200
RATIO_FLOOR = 1 * MiB
#: Data rows of one list (and cards of a vCard file, features of a GeoJSON list).
MAX_ROWS = 200_000
#: Columns of a list. Trailing empty cells beyond it are dropped (Excel sometimes writes
#: formatted empty cells far to the right); a value beyond it is refused.
MAX_COLUMNS = 1_000
#: Characters of one cell: Excel's own limit.
MAX_CELL_CHARS = 32_767
#: Cells of a list together (rows x columns as read, empty cells included).
MAX_CELLS = 4_000_000
#: Characters of one CSV record (a heading line included) or one unfolded vCard line.
MAX_RECORD_CHARS = 1 * MiB

# -- JSON (GeoJSON lists and quarters, Open Referral's datapackage.json) ------------------
#: Nesting of arrays and objects; a MultiPolygon FeatureCollection needs 8.
MAX_JSON_DEPTH = 64
#: Values in one JSON file (counted as separators outside strings, before parsing).
MAX_JSON_VALUES = 4_000_000
#: A quarter boundary file.
MAX_GEOJSON_BYTES = 20 * MiB
#: Quarters in one boundary file.
MAX_QUARTERS = 1_000

# -- Open Referral (atlas.io.hsds_import) ----------------------------------------------------
#: The CSV and JSON files of one package together, as read.
MAX_PACKAGE_BYTES = 64 * MiB

# -- reports ------------------------------------------------------------------------------
#: The logo file of a printed document.
MAX_LOGO_BYTES = 5 * MiB

# -- dates --------------------------------------------------------------------------------
#: Dates a user enters, imports or asks for lie in these years (4 digits in every export,
#: and month arithmetic around them cannot leave the calendar).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999

ErrorFactory = Callable[[str], Exception]


def count(n: int) -> str:
    """A count the German way: 200.000."""
    return f"{n:,}".replace(",", ".")


def mb(n: int) -> str:
    """Bytes as megabytes with a decimal comma: 64, 0,5, 1.234,5."""
    whole = n % MiB == 0
    return f"{n / MiB:,.{0 if whole else 1}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def read_capped(path: Path | str, limit: int, error: ErrorFactory = AtlasError) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Refuses devices, FIFOs and sockets before opening them for reading (``/dev/zero``
    has size 0 and no end; a FIFO blocks the open) and reads at most ``limit + 1``
    bytes, so a file growing while it is read cannot get past the cap either.
    """
    target = Path(path)
    check_regular(target, limit, error)
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the stat
                raise error(_("{name} ist keine gewöhnliche Datei.").format(name=target.name))
            with os.fdopen(fd, "rb", closefd=True) as handle:
                fd = -1
                data = handle.read(limit + 1)
        finally:
            if fd >= 0:
                os.close(fd)
    except OSError as err:
        raise error(
            _("Die Datei {name} kann nicht gelesen werden: {reason}").format(
                name=target.name, reason=err.strerror or err
            )
        ) from err
    if len(data) > limit:
        raise error(_too_big(target.name, len(data), limit))
    return data


def check_regular(path: Path | str, limit: int, error: ErrorFactory = AtlasError) -> int:
    """The size of ``path``; refused unless it is a regular file of at most ``limit`` bytes."""
    target = Path(path)
    try:
        info = os.stat(target)
    except OSError as err:
        raise error(
            _("Die Datei {name} kann nicht gelesen werden: {reason}").format(
                name=target.name, reason=err.strerror or err
            )
        ) from err
    if not stat.S_ISREG(info.st_mode):
        raise error(
            _("{name} ist keine gewöhnliche Datei (sondern ein Ordner, ein Gerät oder eine Pipe).").format(
                name=target.name
            )
        )
    if info.st_size > limit:
        raise error(_too_big(target.name, info.st_size, limit))
    return info.st_size


def _too_big(name: str, size: int, limit: int) -> str:
    return _("Die Datei {name} ist zu groß ({size} MB; höchstens {limit} MB).").format(
        name=name, size=mb(size), limit=mb(limit)
    )


_EOL = re.compile(r"\r\n?|\n")


def lines(
    text: str, name: str, error: ErrorFactory = AtlasError, limit: int = MAX_RECORD_CHARS
) -> Iterator[str]:
    """The lines of ``text`` with their line ends (``\\n``, ``\\r\\n`` or ``\\r``), one at a
    time, as ``io.StringIO(text, newline="")`` gives them but without copying the text.

    A line longer than ``limit`` characters is refused before it is cut out of the text.
    """
    pos, end_of_text, number = 0, len(text), 0
    carriage_returns = text.count("\r")
    if carriage_returns == 0 or carriage_returns == text.count("\r\n"):
        find = text.find  # every line ends with \n (or \r\n): memchr
        while pos < end_of_text:
            number += 1
            newline = find("\n", pos, pos + limit + 2)
            stop = newline if newline >= 0 else end_of_text
            if stop - pos > limit and stop - pos - (text[stop - 1] == "\r") > limit:
                raise error(line_too_long(name, number, limit))
            end = stop + 1 if newline >= 0 else end_of_text
            yield text[pos:end]
            pos = end
        return
    while pos < end_of_text:
        number += 1
        found = _EOL.search(text, pos, pos + limit + 2)
        if (found.start() if found is not None else end_of_text) - pos > limit:
            raise error(line_too_long(name, number, limit))
        end = found.end() if found is not None else end_of_text
        yield text[pos:end]
        pos = end


def line_too_long(name: str, number: int, limit: int = MAX_RECORD_CHARS) -> str:
    return _(
        "{name}: Zeile {line} ist zu lang (mehr als {n} Zeichen). "
        "Ist es wirklich eine Liste? Die Datei wird nicht gelesen."
    ).format(name=name, line=count(number), n=count(limit))


_JSON_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def check_json_shape(
    text: str,
    name: str,
    error: ErrorFactory = AtlasError,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_values: int = MAX_JSON_VALUES,
) -> None:
    """Refuse JSON nested deeper than ``max_depth`` or with more than ``max_values``
    values, before ``json.loads`` recurses or builds the values.

    Works on a skeleton: strings replaced by ``""``, then only the brackets; all in C
    (regular expressions, ``bytes.translate``, ``itertools.accumulate``), linear in the text.
    """
    if text.count(",") < max_values and text.count("[") + text.count("{") <= max_depth:
        return  # cannot exceed either cap
    skeleton = _JSON_STRING.sub('""', text)
    if skeleton.count(",") >= max_values:
        raise error(
            _("{name} enthält zu viele Werte (mehr als {n}) und wird nicht gelesen.").format(
                name=name, n=count(max_values)
            )
        )
    # Only the brackets, as steps: 2 opens, 0 closes (minus 1 in the sum below).
    steps = skeleton.encode("utf-8", "surrogatepass").translate(_DEPTH_STEP, _NOT_BRACKET)
    del skeleton
    # Dropping every innermost pair (an open right before a close) lowers the deepest
    # point by exactly one and leaves little: GeoJSON coordinates are innermost pairs.
    inner = steps.replace(b"\x02\x00", b"")
    depth = (1 + max(accumulate(map(operator.sub, inner, repeat(1))), default=0)) if steps else 0
    if depth > max_depth:
        raise error(
            _("{name} ist zu tief verschachtelt (mehr als {n} Ebenen) und wird nicht gelesen.").format(
                name=name, n=max_depth
            )
        )


__all__ = [
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_GEOJSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
    "MAX_LOGO_BYTES",
    "MAX_PACKAGE_BYTES",
    "MAX_QUARTERS",
    "MAX_RATIO",
    "MAX_RECORD_CHARS",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "RATIO_FLOOR",
    "check_json_shape",
    "check_regular",
    "count",
    "lines",
    "mb",
    "read_capped",
]
