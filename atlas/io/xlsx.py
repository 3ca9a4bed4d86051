"""Reading the cells of an .xlsx sheet quickly and safely.

Why not openpyxl for reading: its read-only mode builds a cell object per cell: 2.2 s for
a list of 10,000 institutions against 0.4 s here (benchmarks/bench_import.py). This module
streams each part with defusedxml's parser (``iterparse``) and reads only what an import
needs: shared strings, inline strings, numbers, booleans, dates (by the cell's number
format) and the row numbers.

Bounded: a cell beyond :data:`atlas.limits.MAX_COLUMNS` holding a value is refused before
its row is widened (a cell in column ZZZZZZ would otherwise ask for a list of 321 million
entries), empty cells beyond it are dropped; shared strings are capped in number and length;
a shared-string index out of range or a date outside the calendar is refused naming the cell
(:class:`XlsxRefused`, German).

Safety, two walls: XML bombs and external entities need a document type declaration
(``<!DOCTYPE … [<!ENTITY …>]>``), and that can only stand in the prolog, before the root
element. :func:`prolog_is_safe` reads each part's prolog (streaming, however long its
comments) and refuses any declaration there, before a parser sees the part (a German
message naming the part); and the parser is defusedxml's with ``forbid_dtd``, which
refuses a declaration, an entity or an external reference itself should one ever get past
the first wall. The zip container is checked by :func:`atlas.io.tables_xlsx.check_zip` first.
openpyxl only writes our exports here.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree

from atlas.i18n import _
from atlas.limits import MAX_CELL_CHARS, MAX_CELLS, MAX_COLUMNS, count

_CHUNK = 256 * 1024
_MAX_PROLOG = 4 * 1024 * 1024
_REF_COLUMN = re.compile(r"[A-Z]+")
# SpreadsheetML's namespaces: transitional (what Excel writes) and strict.
_NAMESPACES = (
    "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}",
    "{http://purl.oclc.org/ooxml/spreadsheetml/main}",
)


class XlsxError(ValueError):
    """The file is no readable workbook (English detail; the caller words it in German)."""


class UnsafeXml(XlsxError):
    """A part of the workbook declares a DTD."""


class XlsxRefused(XlsxError):
    """A cap was exceeded or a cell cannot be read; the message is German and names the
    cell (the caller puts the file name in front)."""


def column_letters(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def prolog_is_safe(part: IO[bytes]) -> bool:
    """False when the XML prolog holds a declaration (``<!DOCTYPE``, ``<!ENTITY`` …).

    Reads only up to the root element. A UTF-16 part is refused (Excel writes UTF-8).
    """
    buffer = b""
    pos = 0
    eof = False
    while True:
        if not eof:
            chunk = part.read(_CHUNK)
            eof = not chunk
            buffer += chunk
        if pos == 0 and buffer[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return False
        while True:
            while pos < len(buffer) and buffer[pos] in b" \t\r\n":
                pos += 1
            if buffer.startswith(b"\xef\xbb\xbf", pos):
                pos += 3
                continue
            if pos >= len(buffer) or (len(buffer) - pos < 9 and not eof):
                break  # need more
            if buffer[pos : pos + 1] != b"<":
                return True  # not XML at all: the parser will say so
            if buffer.startswith(b"<?", pos):
                end = buffer.find(b"?>", pos + 2)
                if end < 0:
                    break
                pos = end + 2
            elif buffer.startswith(b"<!--", pos):
                end = buffer.find(b"-->", pos + 4)
                if end < 0:
                    break
                pos = end + 3
            else:
                # <!DOCTYPE or <!ENTITY (never in a workbook) - or the root element: prolog over
                return not buffer.startswith(b"<!", pos)
        if eof:
            return True
        if len(buffer) > _MAX_PROLOG:
            return False
        buffer, pos = buffer[pos:], 0


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _open_safe(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    with archive.open(name) as part:
        if not prolog_is_safe(part):
            raise UnsafeXml(name)
    return archive.open(name)


def _elements(archive: zipfile.ZipFile, name: str, wanted: set[str]) -> Iterator[Element]:
    """The closing elements of ``name`` whose local name is in ``wanted``, streamed."""
    with _open_safe(archive, name) as part:
        for element in _closed(part, name):
            if _local(element.tag) in wanted:
                yield element


def _closed(part: IO[bytes], name: str) -> Iterator[Any]:
    """Every element of an XML part as it closes, streamed by defusedxml's parser.

    Behind :func:`prolog_is_safe` a second wall: the parser itself refuses a document type
    declaration, an entity declaration and an external reference (``forbid_dtd``), so no
    entity is ever expanded even if a declaration got past the prolog check.
    """
    try:
        for _event, element in DefusedElementTree.iterparse(part, events=("end",), forbid_dtd=True):
            yield element
    except DefusedXmlException as err:
        raise UnsafeXml(name) from err


def _rels(archive: zipfile.ZipFile, name: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target path in the archive) of a part's .rels file."""
    folder, base = posixpath.split(name)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in archive.namelist():
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in _elements(archive, rels_name, {"Relationship"}):
        target = rel.get("Target", "")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        out[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return out


def _text(element: Element) -> str:
    """The text of a string item (<si> or <is>): its <t>, or its runs' <t>, never phonetics."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _column(ref: str) -> int:
    match = _REF_COLUMN.match(ref)
    if not match:
        raise XlsxError(f"bad cell reference {ref!r}")
    index = 0
    for char in match.group():
        index = index * 26 + ord(char) - 64
    return index - 1


class Workbook:
    """The sheets of an .xlsx file; :meth:`rows` streams one of them."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        names = set(archive.namelist())
        root_rels = _rels(archive, "") if "_rels/.rels" in names else {}
        workbook = next(
            (p for t, p in root_rels.values() if t.endswith("/officeDocument")), "xl/workbook.xml"
        )
        if workbook not in names:
            raise XlsxError("no workbook part")
        rels = _rels(archive, workbook)
        self.sheets: list[tuple[str, str]] = []  # (name, part)
        self.date1904 = False
        for element in _elements(archive, workbook, {"sheet", "workbookPr"}):
            if _local(element.tag) == "workbookPr":
                self.date1904 = element.get("date1904", "0").lower() in ("1", "true")
                continue
            rid = next((v for k, v in element.attrib.items() if k.startswith("{") and _local(k) == "id"), "")
            if rid in rels and rels[rid][1] in names:
                self.sheets.append((element.get("name", ""), rels[rid][1]))
        if not self.sheets:
            raise XlsxError("no sheets")
        by_type = {t.rsplit("/", 1)[-1]: p for t, p in rels.values()}
        self.shared = self._shared(by_type.get("sharedStrings"))
        self.date_styles = self._date_styles(by_type.get("styles"))

    def _shared(self, part: str | None) -> list[str]:
        if not part or part not in self.archive.namelist():
            return []
        strings: list[str] = []
        for element in _elements(self.archive, part, {"si"}):
            text = _text(element)
            if len(text) > MAX_CELL_CHARS:
                raise XlsxRefused(
                    _(
                        "Der gemeinsame Text Nr. {n} ist länger als {limit} Zeichen (mehr, als Excel erlaubt)."
                    ).format(n=len(strings), limit=count(MAX_CELL_CHARS))
                )
            strings.append(text)
            element.clear()
            if len(strings) > MAX_CELLS:
                raise XlsxRefused(
                    _(
                        "Die Mappe hat mehr als {n} gemeinsame Texte. Bitte in kleinere Dateien teilen."
                    ).format(n=count(MAX_CELLS))
                )
        return strings

    def _date_styles(self, part: str | None) -> set[int]:
        if not part or part not in self.archive.namelist():
            return set()
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        custom: dict[int, str] = {}
        formats: list[int] = []
        in_cell_xfs = False
        for element in _elements(self.archive, part, {"numFmt", "xf", "cellXfs", "cellStyleXfs"}):
            name = _local(element.tag)
            if name == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif name == "xf":
                formats.append(int(element.get("numFmtId", "0")))
            elif name == "cellStyleXfs":
                formats.clear()  # those were the style xfs; the cell xfs follow
            elif name == "cellXfs":
                in_cell_xfs = True
                break
        if not in_cell_xfs:
            return set()
        dates = set()
        for index, fid in enumerate(formats):
            code = custom.get(fid) or BUILTIN_FORMATS.get(fid, "")
            if (14 <= fid <= 22) or (45 <= fid <= 47) or (code and is_date_format(code)):
                dates.add(index)
        return dates

    def rows(
        self, sheet: str | None = None, max_columns: int = MAX_COLUMNS
    ) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) of the sheet (default: the first); values are str, int,
        float, bool, datetime or None, as the cells hold them.

        A row is at most ``max_columns`` wide: empty cells beyond are dropped, a value
        there is refused (XlsxRefused) before the row is built. So is a shared string
        index out of range, a number that is none, and a date outside the calendar."""
        part = dict(self.sheets)[sheet] if sheet is not None else self.sheets[0][1]
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        shared, date_styles = self.shared, self.date_styles
        # The hot loop (every cell): full tag names instead of local names, C-level look-ups.
        cell_tags = {ns + "c" for ns in _NAMESPACES}
        row_tags = {ns + "row" for ns in _NAMESPACES}
        columns: dict[str, int] = {}
        cells: dict[int, Any] = {}
        next_row = 1
        next_col = 0
        seen = 0
        ns = ""
        with _open_safe(self.archive, part) as stream:
            for element in _closed(stream, part):
                tag = element.tag
                if tag in cell_tags:
                    if not ns:
                        ns = tag[:-1]
                    ref = element.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = _column(letters)
                    else:
                        col = next_col
                    next_col = col + 1
                    seen += 1
                    if seen > 2 * MAX_CELLS:
                        raise XlsxRefused(
                            _(
                                "Die Tabelle hat mehr als {n} Zellen. Bitte in kleinere Dateien teilen."
                            ).format(n=count(2 * MAX_CELLS))
                        )
                    kind = element.get("t", "n")
                    raw = element.findtext(ns + "v")
                    value: Any = None
                    try:
                        if kind == "s":
                            value = shared[_index(raw, len(shared))] if raw is not None else None
                        elif kind == "inlineStr":
                            inline = element.find(ns + "is")
                            value = _text(inline) if inline is not None else ""
                        elif kind in ("str", "e"):
                            value = raw or ""
                        elif kind == "b":
                            value = raw == "1"
                        elif kind == "d" and raw:
                            value = dt.datetime.fromisoformat(raw.rstrip("Z"))
                        elif raw:
                            number = float(raw)
                            if date_styles and int(element.get("s", "0")) in date_styles:
                                value = from_excel(number, epoch)
                            elif number.is_integer() and "." not in raw and "E" not in raw.upper():
                                value = int(raw)
                            else:
                                value = number
                    except (ValueError, OverflowError, TypeError) as err:
                        raise XlsxRefused(
                            _bad_cell(ref or f"{column_letters(col)}{next_row}", kind, raw)
                        ) from err
                    if col >= max_columns:
                        if value is not None and value != "":
                            raise XlsxRefused(
                                _(
                                    "Die Zelle {ref} liegt hinter Spalte {n}. So breite Tabellen "
                                    "werden nicht gelesen; bitte die Datei prüfen."
                                ).format(ref=ref or f"{column_letters(col)}{next_row}", n=count(max_columns))
                            )
                    else:
                        cells[col] = value
                    element.clear()
                elif tag in row_tags:
                    number_text = element.get("r")
                    row_number = int(number_text) if number_text else next_row
                    width = max(cells) + 1 if cells else 0
                    yield row_number, [cells.get(i) for i in range(width)]
                    cells = {}
                    next_row, next_col = row_number + 1, 0
                    element.clear()


def _index(raw: str, size: int) -> int:
    index = int(raw)
    if not 0 <= index < size:
        raise ValueError("shared string index out of range")
    return index


def _bad_cell(ref: str, kind: str, raw: str | None) -> str:
    shown = (raw or "")[:40]
    if kind == "s":
        return _(
            "Die Zelle {ref} verweist auf den gemeinsamen Text Nr. {raw}, den es in der Datei nicht gibt."
        ).format(ref=ref, raw=shown)
    if kind == "d":
        return _("Die Zelle {ref} enthält kein gültiges Datum („{raw}“).").format(ref=ref, raw=shown)
    return _("Die Zelle {ref} enthält „{raw}“ – keine Zahl und kein Datum, das es im Kalender gibt.").format(
        ref=ref, raw=shown
    )


def open_workbook(file: Any) -> Workbook:
    """Open a checked .xlsx file (see :func:`atlas.io.tables_xlsx.check_zip`). Raises XlsxError."""
    try:
        return Workbook(zipfile.ZipFile(file))
    except (KeyError, IndexError) as err:
        raise XlsxError(str(err)) from err
