"""Reading a list file into rows of text: CSV as German Excel writes it, XLSX, and the
GeoJSON files of our own export and vCard files (2.1 as Outlook writes it, 3.0, 4.0).

Encoding and separator are decided deterministically (see :func:`detect_encoding`,
:func:`detect_separator`) and can be overridden; a file mixing two encodings is refused
(:func:`check_mixed_encoding`). Oversized files, zip bombs and XML with a DTD (entity
bombs) are refused before any parser sees them (:mod:`atlas.io.xlsx` streams the sheet with
the standard library's C parser). Every reader honours the caps of :mod:`atlas.limits`
(line length, columns, cell length, cells, rows, JSON depth) before it allocates, so a
hostile file is refused in seconds and in bounded memory. First stage of
:mod:`atlas.io.importing`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from xml.etree.ElementTree import ParseError

from atlas.errors import AtlasError
from atlas.files import unneutralise
from atlas.i18n import _
from atlas.io import vcard
from atlas.limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_RECORD_CHARS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    RATIO_FLOOR,
    check_json_shape,
    check_regular,
    count,
    line_too_long,
    lines,
    read_capped,
)
from atlas.text import clean, format_date, format_datetime

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
# The caps live in atlas.limits; the names stay importable from here.
__all__ = [
    "MAX_FILE_BYTES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "RATIO_FLOOR",
    "FileRefused",
    "ImportCancelled",
    "ImportFailed",
    "RawTable",
    "check_mixed_encoding",
    "check_zip",
    "detect_encoding",
    "detect_separator",
    "read_table",
]

ENCODINGS: tuple[tuple[str, str], ...] = (
    ("utf-8-sig", "UTF-8 (mit BOM)"),
    ("utf-8", "UTF-8"),
    ("cp1252", "Windows-1252 (ANSI, Excel)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16 (Excel „Unicode-Text“)"),
)
SEPARATORS: tuple[tuple[str, str], ...] = (
    (";", _("Semikolon ;")),
    (",", _("Komma ,")),
    ("\t", _("Tabulator")),
)


class ImportFailed(AtlasError):
    """An import cannot go on (German message); nothing was written."""


class FileRefused(ImportFailed):
    """The file was refused before parsing: too big, a zip bomb, an entity bomb, unreadable."""


class ImportCancelled(ImportFailed):
    def __init__(self) -> None:
        super().__init__(_("Der Import wurde abgebrochen. Es wurde nichts gespeichert."))


@dataclass(frozen=True)
class RawTable:
    """A file as rows of text. ``rows`` holds (row number as Excel shows it, cells)."""

    source: str  # file name, for messages
    format: str  # "csv", "xlsx", "geojson", "vcf"
    encoding: str | None  # the encoding used (CSV), None otherwise
    separator: str | None  # the separator used (CSV), None otherwise
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    header_row: int = 1
    sheet: str | None = None  # XLSX: the sheet read
    sheets: tuple[str, ...] = ()  # XLSX: all sheets, for a choice

    def __len__(self) -> int:
        return len(self.rows)


def read_table(
    path: Path | str,
    encoding: str | None = None,
    separator: str | None = None,
    *,
    sheet: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    max_unpacked: int = MAX_UNPACKED_BYTES,
    cancelled: Cancelled | None = None,
) -> RawTable:
    """Read a CSV, XLSX, GeoJSON or vCard file into a :class:`RawTable`.

    CSV: ``encoding`` and ``separator`` are detected when not given (see
    :func:`detect_encoding`, :func:`detect_separator`); the table reports what was used.
    Raises :class:`FileRefused` with a German message.
    """
    path = Path(path)
    check_regular(path, max_bytes, FileRefused)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, max_unpacked, cancelled)
    if suffix in (".xls", ".ods", ".numbers"):
        raise FileRefused(
            _("Das Format {suffix} wird nicht gelesen. Bitte in Excel als .xlsx oder .csv speichern.").format(
                suffix=suffix
            )
        )
    data = read_capped(path, max_bytes, FileRefused)
    if data.startswith(b"PK\x03\x04"):
        raise FileRefused(
            _("{name} ist eine gepackte Datei (ZIP), keine CSV-Datei. Ist es eine .xlsx-Datei?").format(
                name=path.name
            )
        )
    if suffix in (".geojson", ".json"):
        return _read_geojson(path, data)
    used = encoding or detect_encoding(data)
    check_mixed_encoding(data, used, path.name)
    text = _decode(data, used, path.name)
    del data  # the text is what is read from now on
    if suffix == ".vcf":
        return _read_vcard(path, text, used)
    return _read_csv(path.name, text, used, separator or detect_separator(text), cancelled)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",")


def detect_encoding(data: bytes) -> str:
    """Deterministic: a BOM decides; else strict UTF-8 if it decodes; else Windows-1252.

    No statistical guessing: on a short file guessers pick exotic code pages.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


# A UTF-8 sequence for what mojibake is made of: Latin letters with accents and umlauts,
# ° § and no-break space (U+0080..U+017F: Â Ã Ä Å and one more byte in Windows-1252), and
# € „ “ – … (U+2000..U+20CF: â and two more). Real Windows-1252 German text does not have
# them; "Fuß“" (ß and a closing quote) is no such sequence.
_UTF8_IN_ANSI = re.compile(rb"[\xc2-\xc5][\x80-\xbf]|\xe2[\x80-\x82][\x80-\xbf]")
_UTF8_CLASSES = bytes(
    ord("L") if 0xC2 <= b <= 0xC5 else ord("E") if b == 0xE2 else ord("k") if 0x80 <= b <= 0x82
    else ord("c") if 0x83 <= b <= 0xBF else ord(".")
    for b in range(256)
)  # fmt: skip
_UTF8_SEQUENCES = (b"Lk", b"Lc", b"Ekk", b"Ekc")


def check_mixed_encoding(data: bytes, encoding: str, name: str) -> None:
    """Refuse reading UTF-8 text as Windows-1252 or Latin-1: it would import "MÃ¼ller".

    A file mixing both (a Windows-1252 list with lines pasted from a UTF-8 source) is
    named with a line of each; a file that is UTF-8 throughout but read as a single-byte
    encoding asks for UTF-8.
    """
    try:
        single_byte = codecs.lookup(encoding).name in ("cp1252", "iso8859-1")
    except LookupError:
        return  # _decode names the unknown encoding
    if not single_byte:
        return
    # Bytes as classes (linear, in C), then the sequences searched as plain substrings.
    classes = data.translate(_UTF8_CLASSES)
    starts = [i for i in (classes.find(seq) for seq in _UTF8_SEQUENCES) if i >= 0]
    if not starts:
        return
    found = _UTF8_IN_ANSI.search(data, min(starts))
    assert found is not None
    utf8_line = data.count(b"\n", 0, found.start()) + 1
    start = data.rfind(b"\n", 0, found.start()) + 1
    end = data.find(b"\n", found.start())
    sample = data[start : end if end >= 0 else len(data)][:240].decode("utf-8", "replace")
    sample = (clean(sample.replace("\ufffd", "?")) or "")[:80]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        ansi_line = data.count(b"\n", 0, err.start) + 1
        raise FileRefused(
            _(
                "{name} mischt zwei Zeichenkodierungen: Zeile {utf8} ist als UTF-8 gespeichert "
                "(„{sample}“), Zeile {ansi} als Windows-1252. So gelesen würde aus „Müller“ „MÃ¼ller“. "
                "Bitte die Datei einheitlich speichern (in Excel: „CSV UTF-8“) und neu importieren."
            ).format(name=name, utf8=utf8_line, sample=sample, ansi=ansi_line)
        ) from err
    raise FileRefused(
        _(
            "{name} ist als UTF-8 gespeichert (Zeile {utf8}: „{sample}“), nicht als {enc}. "
            "Bitte als Zeichenkodierung UTF-8 wählen."
        ).format(name=name, utf8=utf8_line, sample=sample, enc=encoding)
    )


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError as err:
        raise FileRefused(_("Unbekannte Zeichenkodierung: {enc}").format(enc=encoding)) from err
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        raise FileRefused(
            _(
                "{name} lässt sich nicht als {enc} lesen (Byte {pos}). "
                "Bitte eine andere Zeichenkodierung wählen."
            ).format(name=name, enc=encoding, pos=err.start + 1)
        ) from err
    return text.removeprefix("\ufeff")


def _counts_outside_quotes(text: str, candidates: str, max_records: int = 200) -> list[dict[str, int]]:
    """Per record (line breaks inside quotes do not end one): how often each candidate
    separator occurs outside quotes. Blank records are left out."""
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(candidates, 0)
    quoted = False
    blank = True
    for char in text:
        if char == '"':
            quoted = not quoted
            blank = False
        elif quoted:
            continue
        elif char == "\n" or char == "\r":
            if not blank:
                records.append(counts)
                if len(records) >= max_records:
                    return records
            counts = dict.fromkeys(candidates, 0)
            blank = True
        elif char in counts:
            counts[char] += 1
            blank = False
        elif not char.isspace():
            blank = False
    if not blank:
        records.append(counts)
    return records


def detect_separator(text: str) -> str:
    """``;``, ``,`` or tab: the one found outside quotes on the header line that occurs
    the same number of times on most records. Ties go to ``;`` (German Excel), then tab.

    Counting on whole records, outside quotes, is robust where ``csv.Sniffer`` is not:
    decimal commas, commas in addresses, separators inside quoted text.
    """
    candidates = ";\t,"
    records = _counts_outside_quotes(text[: 256 * 1024], candidates)
    if not records:
        return ";"
    header = records[0]
    best, best_key = ";", (-1, -1, -1)
    for rank, sep in enumerate(candidates):
        n = header[sep]
        if n == 0:
            continue
        same = sum(1 for r in records if r[sep] == n)
        key = (same, n if same == len(records) else 0, -rank)
        if key > best_key:
            best, best_key = sep, key
    return best


def csv_records(
    text: str, name: str, separator: str, error: Callable[[str], Exception] = AtlasError
) -> Iterator[list[str]]:
    """The records of a CSV text, each at most MAX_RECORD_CHARS long (a quoted line break
    continues a record), with no cell over MAX_CELL_CHARS; refused with ``error``."""
    spent = [0, 0]  # characters of the record being read, physical lines read

    def physical() -> Iterator[str]:
        for line in lines(text, name, error):
            spent[0] += len(line)
            spent[1] += 1
            if spent[0] > MAX_RECORD_CHARS + 2:
                raise error(line_too_long(name, spent[1]))
            yield line

    reader = csv.reader(physical(), delimiter=separator, quotechar='"', strict=False)
    try:
        for record in reader:
            spent[0] = 0
            yield record
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            raise error(_cell_too_long(name, reader.line_num)) from err
        reason = _("ein NUL-Zeichen (Binärdatei?)") if "NUL" in str(err) else str(err)
        raise error(
            _("{name} ist keine lesbare CSV-Datei (Zeile {line}: {reason}).").format(
                name=name, line=count(reader.line_num), reason=reason
            )
        ) from err


def _cell_too_long(name: str, row: int, column: int | None = None) -> str:
    where = _("Zeile {row}").format(row=count(row))
    if column is not None:
        where += _(", Spalte {col}").format(col=column)
    return _(
        "{name}: eine Zelle in {where} ist zu lang (mehr als {n} Zeichen). Die Datei wird nicht gelesen."
    ).format(name=name, where=where, n=count(MAX_CELL_CHARS))


def _read_csv(name: str, text: str, encoding: str, separator: str, cancelled: Cancelled | None) -> RawTable:
    if separator not in {s for s, _l in SEPARATORS} and len(separator) != 1:
        raise FileRefused(_("Das Trennzeichen muss ein einzelnes Zeichen sein."))
    headers, header_row, rows = _collect(
        (
            (number, tuple(unneutralise(c) for c in record))
            for number, record in enumerate(csv_records(text, name, separator, FileRefused), start=1)
        ),
        name,
        cancelled,
    )
    if headers is None:
        raise FileRefused(_("{name} ist leer.").format(name=name))
    return RawTable(
        source=name,
        format="csv",
        encoding=encoding,
        separator=separator,
        headers=_headers(headers),
        rows=tuple(rows),
        header_row=header_row,
    )


def _collect(
    records: Iterable[tuple[int, tuple[str, ...]]], name: str, cancelled: Callable[[], bool] | None
) -> tuple[tuple[str, ...] | None, int, list[tuple[int, tuple[str, ...]]]]:
    """Headings (the first non-empty row), their row number, and the data rows with theirs.

    Empty rows are skipped; ``cancelled`` is asked every 5,000 rows; the caps of
    :class:`_Budget` are applied to every row.
    """
    headers: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[int, tuple[str, ...]]] = []
    budget = _Budget(name)
    for seen, (number, cells) in enumerate(records, start=1):
        if seen % 5000 == 0 and cancelled is not None and cancelled():
            raise ImportCancelled()
        cells = budget.row(number, cells)
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers, header_row = cells, number
            continue
        rows.append((number, cells))
        budget.data_row()
    return headers, header_row, rows


class _Budget:
    """The caps of a list (:mod:`atlas.limits`), applied row by row as it is read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.cells = 0
        self.seen = 0

    def row(self, number: int, cells: tuple[str, ...]) -> tuple[str, ...]:
        """``cells`` without empty cells beyond MAX_COLUMNS; refused if a value lies
        there, a cell is too long, or the list grows over MAX_CELLS or 2 x MAX_ROWS rows."""
        self.seen += 1
        if self.seen > 2 * MAX_ROWS:
            self.too_many_rows()
        if len(cells) > MAX_COLUMNS:
            if any(c.strip() for c in cells[MAX_COLUMNS:]):
                raise FileRefused(
                    _(
                        "{name}: Zeile {row} hat mehr als {n} Spalten. "
                        "So breite Listen werden nicht gelesen; bitte die Datei prüfen."
                    ).format(name=self.name, row=count(number), n=count(MAX_COLUMNS))
                )
            cells = cells[:MAX_COLUMNS]
        if cells and max(map(len, cells)) > MAX_CELL_CHARS:
            column = next(i for i, c in enumerate(cells, start=1) if len(c) > MAX_CELL_CHARS)
            raise FileRefused(_cell_too_long(self.name, number, column))
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise FileRefused(
                _("{name} hat mehr als {n} Zellen. Bitte in kleinere Dateien teilen.").format(
                    name=self.name, n=count(MAX_CELLS)
                )
            )
        return cells

    def data_row(self) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            self.too_many_rows()

    def too_many_rows(self) -> NoReturn:
        raise FileRefused(
            _("{name} hat mehr als {n} Zeilen. Bitte in kleinere Dateien teilen.").format(
                name=self.name, n=count(MAX_ROWS)
            )
        )


def _headers(cells: Sequence[str]) -> tuple[str, ...]:
    return tuple(
        (clean(c) or _("Spalte {n}").format(n=i)).replace("\n", " ") for i, c in enumerate(cells, start=1)
    )


# -- XLSX -------------------------------------------------------------------


def check_zip(path: Path, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a zip bomb and XML with a DTD (entity bombs) before any XML parser sees the file."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            total = sum(i.file_size for i in infos)
            if total > max_unpacked:
                raise FileRefused(
                    _(
                        "{name} würde entpackt {size} MB groß (höchstens {limit} MB). "
                        "Die Datei wird nicht geöffnet."
                    ).format(name=path.name, size=_mb(total), limit=_mb(max_unpacked))
                )
            for info in infos:
                if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise FileRefused(
                        _(
                            "{name} ist verdächtig stark gepackt ({part}: {ratio}:1) – "
                            "möglicherweise eine „Zip-Bombe“. Die Datei wird nicht geöffnet."
                        ).format(
                            name=path.name,
                            part=info.filename,
                            ratio=info.file_size // max(info.compress_size, 1),
                        )
                    )
            from atlas.io.xlsx import prolog_is_safe

            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    with archive.open(info) as part:
                        safe = prolog_is_safe(part)
                    if not safe:
                        raise FileRefused(
                            _(
                                "{name} enthält XML mit einer DTD ({part}). Excel schreibt so etwas nie; "
                                "die Datei wird aus Sicherheitsgründen nicht geöffnet."
                            ).format(name=path.name, part=info.filename)
                        )
    except zipfile.BadZipFile as err:
        raise FileRefused(
            _("{name} ist keine gültige .xlsx-Datei (beschädigt oder kein Excel-Format).").format(
                name=path.name
            )
        ) from err


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return unneutralise(value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return format_date(value)
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _read_xlsx(path: Path, sheet: str | None, max_unpacked: int, cancelled: Cancelled | None) -> RawTable:
    check_zip(path, max_unpacked)
    from atlas.io.xlsx import UnsafeXml, XlsxError, XlsxRefused, open_workbook

    unreadable = _("{name} ist keine lesbare .xlsx-Datei: {reason}")
    try:
        workbook = open_workbook(path)
        names = tuple(name for name, _part in workbook.sheets)
        if sheet is not None and sheet not in names:
            raise FileRefused(
                _("Die Tabelle „{sheet}“ gibt es in {name} nicht. Vorhanden: {names}").format(
                    sheet=sheet, name=path.name, names=", ".join(names)
                )
            )
        chosen = sheet if sheet is not None else names[0]
        headers, header_row, rows = _collect(
            ((number, tuple(_cell_text(v) for v in values)) for number, values in workbook.rows(chosen)),
            path.name,
            cancelled,
        )
    except XlsxRefused as err:
        raise FileRefused(f"{path.name}: {err}") from err
    except UnsafeXml as err:
        raise FileRefused(
            _(
                "{name} enthält XML mit einer DTD ({part}). Excel schreibt so etwas nie; "
                "die Datei wird aus Sicherheitsgründen nicht geöffnet."
            ).format(name=path.name, part=err)
        ) from err
    except (XlsxError, zipfile.BadZipFile, ParseError, ValueError, KeyError) as err:
        raise FileRefused(unreadable.format(name=path.name, reason=err)) from err
    if headers is None:
        raise FileRefused(_("Die Tabelle in {name} ist leer.").format(name=path.name))
    width = len(headers)
    while width and not headers[width - 1].strip():
        width -= 1  # drop empty trailing headings
    return RawTable(
        source=path.name,
        format="xlsx",
        encoding=None,
        separator=None,
        headers=_headers(headers[:width]),
        rows=tuple(rows),
        header_row=header_row,
        sheet=chosen,
        sheets=names,
    )


# -- GeoJSON (what our own export writes) and vCard (atlas.io.vcard) ---------------


def _read_geojson(path: Path, data: bytes) -> RawTable:
    try:
        text = data.decode("utf-8-sig")
        del data
        check_json_shape(text, path.name, FileRefused)
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise FileRefused(_("{name} ist kein gültiges GeoJSON.").format(name=path.name)) from err
    del text
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise FileRefused(_("{name} ist keine GeoJSON-FeatureCollection.").format(name=path.name))
    budget = _Budget(path.name)
    if len(features) > MAX_ROWS:
        budget.too_many_rows()
    keys: dict[str, None] = {}
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(props, dict):
            keys.update(dict.fromkeys(props))
            if len(keys) > MAX_COLUMNS:
                raise FileRefused(
                    _(
                        "{name}: die Objekte haben zusammen mehr als {n} verschiedene Eigenschaften "
                        "(Spalten). So breite Listen werden nicht gelesen."
                    ).format(name=path.name, n=count(MAX_COLUMNS))
                )
    lat, lon = _("Breitengrad"), _("Längengrad")
    headers = (*keys, lat, lon)
    rows: list[tuple[int, tuple[str, ...]]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            continue
        props = feature.get("properties")
        props = props if isinstance(props, dict) else {}
        geometry = feature.get("geometry")
        point = ("", "")
        is_point = isinstance(geometry, dict) and geometry.get("type") == "Point"
        coords = geometry.get("coordinates") if is_point and isinstance(geometry, dict) else None
        if isinstance(coords, list) and len(coords) >= 2:
            point = (str(coords[1]), str(coords[0]))
        cells = tuple(_json_text(props.get(k)) for k in keys) + point
        rows.append((number, budget.row(number, cells)))
        budget.data_row()
    return RawTable(path.name, "geojson", None, None, headers, tuple(rows))


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_json_text(v) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    return str(value)


_VCARD_HEADERS = (
    _("Vorname"),
    _("Nachname"),
    _("Einrichtung"),
    _("Funktion"),
    _("Telefon"),
    _("E-Mail"),
    _("Notizen"),
)


_VCARD_BEGIN = re.compile(r"^BEGIN:VCARD", re.IGNORECASE | re.MULTILINE)


def _read_vcard(path: Path, text: str, encoding: str) -> RawTable:
    """vCard 2.1 (Outlook: quoted-printable, charsets), 3.0 and 4.0 (:mod:`atlas.io.vcard`)."""
    rows: list[tuple[int, tuple[str, ...]]] = []
    budget = _Budget(path.name)
    if sum(1 for _match in _VCARD_BEGIN.finditer(text)) > MAX_ROWS:
        budget.too_many_rows()  # counted before a card is parsed
    logical = vcard.unfold(
        lines(text, path.name, FileRefused),
        MAX_RECORD_CHARS,
        lambda number: FileRefused(line_too_long(path.name, number)),
    )
    for number, card in enumerate(vcard.cards(logical), start=1):
        cells = tuple(card.get(k, "") for k in vcard.FIELDS)
        rows.append((number, budget.row(number, cells)))
        budget.data_row()
    if not rows:
        raise FileRefused(_("{name} enthält keine Visitenkarten (vCard).").format(name=path.name))
    return RawTable(path.name, "vcf", encoding, None, _VCARD_HEADERS, tuple(rows))
