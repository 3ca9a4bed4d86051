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

One reader per format behind :func:`read_table`, which picks it by the file's suffix: CSV
in :mod:`atlas.io.tables_csv`, XLSX in :mod:`atlas.io.tables_xlsx`, GeoJSON and vCard
here; the table, the errors and the row caps they share in :mod:`atlas.io.tables_common`.
Their public names are offered here too (``__all__``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from atlas.i18n import _
from atlas.io import vcard
from atlas.io.tables_common import (
    Budget,
    Cancelled,
    FileRefused,
    ImportCancelled,
    ImportFailed,
    Progress,
    RawTable,
)
from atlas.io.tables_csv import (
    ENCODINGS,
    SEPARATORS,
    check_mixed_encoding,
    decode,
    detect_encoding,
    detect_separator,
    read_csv,
)
from atlas.io.tables_xlsx import check_zip, read_xlsx
from atlas.limits import (
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

# The shared table and errors (atlas.io.tables_common), the CSV and XLSX readers
# (atlas.io.tables_csv, atlas.io.tables_xlsx) and the caps (atlas.limits): the names stay
# importable from here, where a list file is read.
__all__ = [
    "ENCODINGS",
    "MAX_FILE_BYTES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "RATIO_FLOOR",
    "SEPARATORS",
    "Cancelled",
    "FileRefused",
    "ImportCancelled",
    "ImportFailed",
    "Progress",
    "RawTable",
    "check_mixed_encoding",
    "check_zip",
    "detect_encoding",
    "detect_separator",
    "read_table",
]


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
        return read_xlsx(path, sheet, max_unpacked, cancelled)
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
    text = decode(data, used, path.name)
    del data  # the text is what is read from now on
    if suffix == ".vcf":
        return _read_vcard(path, text, used)
    return read_csv(path.name, text, used, separator or detect_separator(text), cancelled)


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
    budget = Budget(path.name)
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
    budget = Budget(path.name)
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
