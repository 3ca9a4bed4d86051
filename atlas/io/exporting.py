"""Take the data out: CSV (Excel), XLSX, GeoJSON and vCard, for the ids of a filtered list.

:func:`export` chooses the format by the file's suffix. Every file is written to a
temporary name and renamed (:func:`atlas.files.atomic_write`): a full disk or a locked
target leaves the old file, never half a new one. Spreadsheet cells that start with ``=``,
``+``, ``-``, ``@``, tab or CR are neutralised (OWASP CSV injection): in CSV with a leading
``'``, in XLSX as typed text cells with Excel's quote prefix. Control characters are
dropped. The column headings are the form labels, so an exported list can be imported
again (:mod:`atlas.io.importing`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.files import FORMULA_STARTS, atomic_write, csv_bytes, strip_control
from atlas.i18n import _
from atlas.progress import IsCancelled, Progress, Steps
from atlas.records import ENTITIES, STATUS_CHOICES, Kind
from atlas.text import format_date, format_datetime

FORMATS: dict[str, str] = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".vcf": "vcf"}
KINDS = ("institution", "offer", "contact", "actor")
# Which kinds each format can hold.
FORMAT_KINDS: dict[str, tuple[str, ...]] = {
    "csv": KINDS,
    "xlsx": KINDS,
    "geojson": ("institution",),
    "vcf": ("contact",),
}
# What GeoJSON publishes of an institution (never notes, check dates or contacts).
PUBLIC_FIELDS = (
    "name",
    "category",
    "sector",
    "carrier",
    "street",
    "postcode",
    "city",
    "quarter",
    "phone",
    "email",
    "website",
    "opening_hours",
    "accessibility",
    "languages",
)
_STATUS = dict(STATUS_CHOICES)
_CHUNK = 900


class ExportError(AtlasError):
    pass


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    count: int

    def summary(self) -> str:
        return _("{n} Einträge exportiert ({fmt}): {path}").format(
            n=self.count, fmt=self.format.upper(), path=self.path
        )


@dataclass(frozen=True)
class Column:
    heading: str
    kind: Kind
    get: Callable[[Any, _Names], Any]


class _Names:
    """Names of the records that exported rows refer to, loaded once."""

    def __init__(self, session: Session) -> None:
        self.terms: dict[int, str] = {i: n for i, n in session.execute(select(m.Term.id, m.Term.name))}
        self.quarters: dict[int, str] = {
            i: n for i, n in session.execute(select(m.Quarter.id, m.Quarter.name))
        }
        self.institutions = {
            i: (n, p)
            for i, n, p in session.execute(
                select(m.Institution.id, m.Institution.name, m.Institution.postcode)
            )
        }
        self.contacts = {
            i: " ".join(x for x in (f, last) if x)
            for i, f, last in session.execute(select(m.Contact.id, m.Contact.first_name, m.Contact.last_name))
        }
        self.target_groups: dict[int, list[int]] = {}
        for offer_id, term_id in session.execute(
            select(m.offer_target_group.c.offer_id, m.offer_target_group.c.term_id)
        ):
            self.target_groups.setdefault(offer_id, []).append(term_id)


def _plain(name: str) -> Callable[[Any, _Names], Any]:
    return lambda obj, _n: getattr(obj, name)


def _term(name: str) -> Callable[[Any, _Names], Any]:
    return lambda obj, n: n.terms.get(getattr(obj, name))


def columns(kind: str) -> list[Column]:
    """The exported columns of ``kind``: the form's fields, links as names."""
    out: list[Column] = []
    for f in ENTITIES[kind].fields:
        if f.kind is Kind.TERM:
            out.append(Column(f.label, Kind.TEXT, _term(f.name)))
        elif f.kind is Kind.TERMS:
            out.append(
                Column(
                    f.label,
                    Kind.TEXT,
                    lambda obj, n: ", ".join(sorted(n.terms[t] for t in n.target_groups.get(obj.id, []))),
                )
            )
        elif f.kind is Kind.REF and f.ref == "quarter":
            out.append(Column(f.label, Kind.TEXT, lambda obj, n: n.quarters.get(obj.quarter_id)))
        elif f.kind is Kind.REF and f.ref == "institution":
            out.append(
                Column(f.label, Kind.TEXT, lambda obj, n: n.institutions.get(obj.institution_id, (None,))[0])
            )
            out.append(
                Column(
                    _("PLZ der Einrichtung"),
                    Kind.POSTCODE,
                    lambda obj, n: n.institutions.get(obj.institution_id, (None, None))[1],
                )
            )
        elif f.kind is Kind.REF and f.ref == "contact":
            out.append(Column(f.label, Kind.TEXT, lambda obj, n: n.contacts.get(obj.contact_id)))
        elif f.kind is Kind.CHOICE and f.name == "status":
            out.append(Column(f.label, Kind.TEXT, lambda obj, _n: _STATUS.get(obj.status, obj.status)))
        elif f.kind is Kind.REFS:
            continue
        else:
            out.append(Column(f.label, f.kind, _plain(f.name)))
    return out


def _records(session: Session, kind: str, ids: Sequence[int], steps: Steps | None = None) -> Iterator[Any]:
    """The records in the order of ``ids`` (the list's sort order); each id is a step."""
    model = ENTITIES[kind].model
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        found = {o.id: o for o in session.scalars(select(model).where(model.id.in_(chunk)))}
        for record_id in chunk:
            if record_id in found:
                yield found[record_id]
            if steps is not None:
                steps.advance()


def _counted(rows: Sequence[Sequence[Any]], steps: Steps) -> Iterator[Sequence[Any]]:
    for row in rows:
        yield row
        steps.advance()


def table(
    atlas: Atlas, kind: str, ids: Sequence[int], steps: Steps | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Headings and typed values (str, int, float, date, bool, None) of the rows."""
    cols = columns(kind)
    with atlas.sessions() as session:
        names = _Names(session)
        rows = [[c.get(obj, names) for c in cols] for obj in _records(session, kind, ids, steps)]
    return [c.heading for c in cols], rows


def _kinds(cols: Sequence[Column]) -> list[Kind]:
    return [c.kind for c in cols]


def _csv_text(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",")  # German Excel reads a decimal comma as a number
    return str(value)


def _write_csv(
    out: IO[bytes],
    headings: Sequence[str],
    rows: Sequence[Sequence[Any]],
    kinds: Sequence[Kind],
    steps: Steps | None = None,
) -> None:
    counted = _counted(rows, steps) if steps is not None else rows
    out.write(
        csv_bytes(headings, ([_csv_text(v, k) for v, k in zip(row, kinds, strict=True)] for row in counted))
    )


def _write_xlsx(
    out: IO[bytes],
    title: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[Any]],
    steps: Steps | None = None,
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    widths = [min(max(len(h), 8) + 2, 40) for h in headings]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)

    def text_cell(value: str) -> Any:
        value = ILLEGAL_CHARACTERS_RE.sub("", strip_control(value))
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula, whatever it starts with
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # and stays text when edited in Excel
        return cell

    header = []
    for heading in headings:
        cell = text_cell(heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    try:
        _xlsx_rows(sheet, _counted(rows, steps) if steps is not None else rows, text_cell)
    except BaseException:  # a cancel: close the sheet's own temporary file and remove it
        with contextlib.suppress(Exception):
            sheet.close()
            sheet._writer.cleanup()
        raise
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{len(rows) + 1}"
    book.save(out)


def _xlsx_rows(sheet: Any, rows: Iterable[Sequence[Any]], text_cell: Callable[[str], Any]) -> None:
    from openpyxl.cell import WriteOnlyCell

    for row in rows:
        cells: list[Any] = []
        for value in row:
            if value is None:
                cells.append(None)
            elif isinstance(value, bool):
                cells.append(text_cell(_("ja") if value else _("nein")))
            elif isinstance(value, (int, float)):
                cells.append(value)
            elif isinstance(value, dt.date):
                with_time = isinstance(value, dt.datetime)
                if not with_time:
                    value = dt.datetime.combine(value, dt.time())
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD.MM.YYYY HH:MM" if with_time else "DD.MM.YYYY"
                cells.append(cell)
            else:
                cells.append(text_cell(str(value)))
        sheet.append(cells)


def _geojson_bytes(session: Session, ids: Sequence[int], steps: Steps | None = None) -> tuple[bytes, int]:
    names = _Names(session)
    features = []
    for inst in _records(session, "institution", ids, steps):
        if not inst.is_public:
            continue
        props = {
            "name": inst.name,
            "category": names.terms.get(inst.category_id),
            "sector": names.terms.get(inst.sector_id),
            "carrier": inst.carrier,
            "street": inst.street,
            "postcode": inst.postcode,
            "city": inst.city,
            "quarter": names.quarters.get(inst.quarter_id),
            "phone": inst.phone,
            "email": inst.email,
            "website": inst.website,
            "opening_hours": inst.opening_hours,
            "accessibility": inst.accessibility,
            "languages": inst.languages,
        }
        geometry = (
            {"type": "Point", "coordinates": [inst.lon, inst.lat]}
            if inst.lat is not None and inst.lon is not None
            else None
        )
        features.append(
            {
                "type": "Feature",
                "id": inst.id,
                "geometry": geometry,
                "properties": {k: strip_control(v) if isinstance(v, str) else v for k, v in props.items()},
            }
        )
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"), len(features)


def vcard_escape(value: str) -> str:
    value = strip_control(value).replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 6350 line folding at 75 octets, never inside a UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


def _vcard_bytes(session: Session, ids: Sequence[int], steps: Steps | None = None) -> tuple[bytes, int]:
    names = _Names(session)
    out = io.StringIO()
    count = 0
    for c in _records(session, "contact", ids, steps):
        org = names.institutions.get(c.institution_id, (None, None))[0] if c.institution_id else None
        full = " ".join(p for p in (c.first_name, c.last_name) if p)
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"N:{vcard_escape(c.last_name or '')};{vcard_escape(c.first_name or '')};;;",
            f"FN:{vcard_escape(full)}",
        ]
        if org:
            lines.append(f"ORG:{vcard_escape(org)}")
        if c.function:
            lines.append(f"TITLE:{vcard_escape(c.function)}")
        if c.phone:
            lines.append(f"TEL;TYPE=WORK,VOICE:{vcard_escape(c.phone)}")
        if c.email:
            lines.append(f"EMAIL;TYPE=INTERNET,WORK:{vcard_escape(c.email)}")
        if c.notes:
            lines.append(f"NOTE:{vcard_escape(c.notes)}")
        lines.append(f"REV:{c.updated_at.strftime('%Y%m%dT%H%M%SZ')}" if c.updated_at else "REV:")
        lines.append("END:VCARD")
        out.write("".join(_fold(line) + "\r\n" for line in lines))
        count += 1
    return out.getvalue().encode("utf-8"), count


def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(
            _("Unbekanntes Format „{suffix}“. Möglich sind: {formats}").format(
                suffix=path.suffix or path.name, formats=", ".join(FORMATS)
            )
        )
    return fmt


def export(
    atlas: Atlas,
    kind: str,
    ids: Sequence[int],
    path: Path | str,
    progress: Progress | None = None,
    cancelled: IsCancelled | None = None,
) -> ExportResult:
    """Write the records ``ids`` of ``kind`` (in this order) to ``path``; the suffix
    chooses the format (.csv, .xlsx, .geojson for institutions, .vcf for contacts).

    ``progress(done, total)`` hears how far it got (reading, then writing the rows);
    ``cancelled()`` is asked as it goes (:mod:`atlas.progress`): a cancelled export raises
    :class:`atlas.progress.Cancelled` and leaves the target as it was (no file, or the old one)."""
    path = Path(path)
    if kind not in KINDS:
        raise ExportError(_("Exportiert werden können Einrichtungen, Angebote, Kontakte und Akteure."))
    fmt = format_of(path)
    if kind not in FORMAT_KINDS[fmt]:
        allowed = {"geojson": _("Einrichtungen"), "vcf": _("Kontakte")}[fmt]
        raise ExportError(
            _("Als {fmt} lassen sich nur {allowed} exportieren.").format(fmt=path.suffix, allowed=allowed)
        )
    spec = ENTITIES[kind]
    steps = Steps(progress, cancelled, total=len(ids) * (2 if fmt in ("csv", "xlsx") else 1))
    steps.check()
    if fmt in ("csv", "xlsx"):
        cols = columns(kind)
        headings, rows = table(atlas, kind, ids, steps)
        steps.expect(len(ids) + len(rows))
        steps.finish_phase()
        kinds = _kinds(cols)

        def write(out: IO[bytes]) -> None:
            if fmt == "csv":
                _write_csv(out, headings, rows, kinds, steps)
            else:
                _write_xlsx(out, spec.plural, headings, rows, steps)
            steps.finish_phase()  # the last chance: after this the file replaces the target

        atomic_write(path, write)
        return ExportResult(path, fmt, len(rows))
    with atlas.sessions() as session:
        if fmt == "geojson":
            data, count = _geojson_bytes(session, ids, steps)
        else:
            data, count = _vcard_bytes(session, ids, steps)
    steps.finish_phase()
    atomic_write(path, lambda out: out.write(data))
    return ExportResult(path, fmt, count)
