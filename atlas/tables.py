"""Reading a list file into rows of text: CSV as German Excel writes it, XLSX, and the
GeoJSON and vCard files of our own export.

Encoding and separator are decided deterministically (see :func:`detect_encoding`,
:func:`detect_separator`) and can be overridden. Oversized files, zip bombs and XML with a
DTD (entity bombs) are refused before any parser sees them (:mod:`atlas.xlsx` streams the
sheet with the standard library's C parser). First stage of :mod:`atlas.importing`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from atlas.errors import AtlasError
from atlas.files import unneutralise
from atlas.i18n import _
from atlas.text import clean

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
# Limits checked before parsing.
MAX_FILE_BYTES = 64 * 1024 * 1024  # the file on disk
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # all parts of an XLSX together, unpacked
MAX_RATIO = 200  # unpacked / packed size of one XLSX part larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 200_000

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
    try:
        size = path.stat().st_size
    except OSError as err:
        raise FileRefused(
            _("Die Datei {name} kann nicht gelesen werden: {reason}").format(
                name=path.name, reason=err.strerror or err
            )
        ) from err
    if size > max_bytes:
        raise FileRefused(
            _("Die Datei {name} ist zu groß ({size} MB; höchstens {limit} MB).").format(
                name=path.name, size=_mb(size), limit=_mb(max_bytes)
            )
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, max_unpacked, cancelled)
    if suffix in (".xls", ".ods", ".numbers"):
        raise FileRefused(
            _("Das Format {suffix} wird nicht gelesen. Bitte in Excel als .xlsx oder .csv speichern.").format(
                suffix=suffix
            )
        )
    data = _read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        raise FileRefused(
            _("{name} ist eine gepackte Datei (ZIP), keine CSV-Datei. Ist es eine .xlsx-Datei?").format(
                name=path.name
            )
        )
    if suffix in (".geojson", ".json"):
        return _read_geojson(path, data)
    used = encoding or detect_encoding(data)
    text = _decode(data, used, path.name)
    if suffix == ".vcf":
        return _read_vcard(path, text, used)
    return _read_csv(path.name, text, used, separator or detect_separator(text), cancelled)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise FileRefused(
            _("Die Datei {name} kann nicht gelesen werden: {reason}").format(
                name=path.name, reason=err.strerror or err
            )
        ) from err


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


def _read_csv(name: str, text: str, encoding: str, separator: str, cancelled: Cancelled | None) -> RawTable:
    if separator not in {s for s, _l in SEPARATORS} and len(separator) != 1:
        raise FileRefused(_("Das Trennzeichen muss ein einzelnes Zeichen sein."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"', strict=False)
    try:
        headers, header_row, rows = _collect(
            (
                (number, tuple(unneutralise(c) for c in record))
                for number, record in enumerate(reader, start=1)
            ),
            name,
            cancelled,
        )
    except csv.Error as err:
        raise FileRefused(
            _("{name} ist keine lesbare CSV-Datei: {reason}").format(name=name, reason=err)
        ) from err
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

    Empty rows are skipped; ``cancelled`` is asked every 5,000 rows; over MAX_ROWS is refused.
    """
    headers: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[int, tuple[str, ...]]] = []
    for count, (number, cells) in enumerate(records, start=1):
        if count % 5000 == 0 and cancelled is not None and cancelled():
            raise ImportCancelled()
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers, header_row = cells, number
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise FileRefused(
                _("{name} hat mehr als {n} Zeilen. Bitte in kleinere Dateien teilen.").format(
                    name=name, n=f"{MAX_ROWS:,}".replace(",", ".")
                )
            )
    return headers, header_row, rows


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
            from atlas.xlsx import prolog_is_safe

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
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _read_xlsx(path: Path, sheet: str | None, max_unpacked: int, cancelled: Cancelled | None) -> RawTable:
    check_zip(path, max_unpacked)
    from atlas.xlsx import UnsafeXml, XlsxError, open_workbook

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


# -- GeoJSON and vCard (what our own export writes) ---------------------------


def _read_geojson(path: Path, data: bytes) -> RawTable:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:
        raise FileRefused(_("{name} ist kein gültiges GeoJSON.").format(name=path.name)) from err
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise FileRefused(_("{name} ist keine GeoJSON-FeatureCollection.").format(name=path.name))
    keys: list[str] = []
    for feature in features:
        for key in (feature.get("properties") or {}) if isinstance(feature, dict) else {}:
            if key not in keys:
                keys.append(key)
    lat, lon = _("Breitengrad"), _("Längengrad")
    headers = (*keys, lat, lon)
    rows: list[tuple[int, tuple[str, ...]]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            continue
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        point = ("", "")
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if geometry.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            point = (str(coords[1]), str(coords[0]))
        cells = tuple(_json_text(props.get(k)) for k in keys) + point
        rows.append((number, cells))
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


def _vcard_unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(char)
    return "".join(out)


def _vcard_split(value: str, sep: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [_vcard_unescape(p) for p in parts]


def _read_vcard(path: Path, text: str, encoding: str) -> RawTable:
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    rows: list[tuple[int, tuple[str, ...]]] = []
    card: dict[str, str] | None = None
    number = 0
    for line in unfolded.splitlines():
        if not line.strip():
            continue
        name, _sep, value = line.partition(":")
        prop = name.split(";")[0].upper()
        if "." in prop:
            prop = prop.split(".", 1)[1]  # item1.TEL
        if prop == "BEGIN" and value.upper() == "VCARD":
            card = {}
        elif prop == "END" and card is not None:
            number += 1
            rows.append(
                (
                    number,
                    tuple(card.get(k, "") for k in ("first", "last", "org", "title", "tel", "email", "note")),
                )
            )
            card = None
        elif card is not None:
            if prop == "N":
                parts = [*_vcard_split(value, ";"), "", ""]
                card["last"], card["first"] = parts[0], parts[1]
            elif prop == "FN" and "last" not in card:
                card["last"] = _vcard_unescape(value)
            elif prop == "ORG":
                card["org"] = _vcard_split(value, ";")[0]
            elif prop in ("TITLE", "ROLE") and "title" not in card:
                card["title"] = _vcard_unescape(value)
            elif prop in ("TEL", "EMAIL", "NOTE") and prop.lower() not in card:
                card[prop.lower()] = _vcard_unescape(value)
    if not rows:
        raise FileRefused(_("{name} enthält keine Visitenkarten (vCard).").format(name=path.name))
    return RawTable(path.name, "vcf", encoding, None, _VCARD_HEADERS, tuple(rows))
