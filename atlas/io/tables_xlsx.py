"""Reading an XLSX file: the zip container checked first (:func:`check_zip`: zip bombs,
XML with a DTD), then the sheet's cells streamed by :mod:`atlas.io.xlsx` and turned into
text. Part of :mod:`atlas.io.tables`.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from atlas.files import unneutralise
from atlas.i18n import _
from atlas.io.tables_common import Cancelled, FileRefused, RawTable, clean_headers, collect
from atlas.limits import MAX_RATIO, MAX_UNPACKED_BYTES, RATIO_FLOOR
from atlas.text import format_date, format_datetime


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",")


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


def read_xlsx(path: Path, sheet: str | None, max_unpacked: int, cancelled: Cancelled | None) -> RawTable:
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
        headers, header_row, rows = collect(
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
        headers=clean_headers(headers[:width]),
        rows=tuple(rows),
        header_row=header_row,
        sheet=chosen,
        sheets=names,
    )
