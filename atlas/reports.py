"""The printed documents: contact list, sign-in sheet, offer directory, network report.

Each function reads what it needs in one session, builds the whole document as HTML
with print CSS (A4, running header and footer with 'Seite x von y', rows never split,
table headers repeated on every page) and returns a :class:`ReportDocument`. Turning it
into a PDF is the UI's job (``ui.printing``: QtWebEngine's printToPdf).

No Qt here. Every value from the database is escaped (:mod:`atlas.reporthtml`); an
empty selection raises :class:`EmptyReportError` with a German message instead of
producing an empty document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.errors import AtlasError, ValidationError
from atlas.i18n import _
from atlas.network import FUNNEL, STATUS_LABELS, months_before
from atlas.reporthtml import (
    Logo,
    Margins,
    Safe,
    breakable,
    document,
    esc_lines,
    fill,
    format_day,
    format_long_day,
    join,
    sniff_image,
)
from atlas.reportsvg import Marker, Series, TileSource, map_svg, trend_svg
from atlas.schema import MEETING_KIND_CHOICES
from atlas.text import fold

if TYPE_CHECKING:
    from atlas.core import Atlas

KINDS: dict[str, str] = {
    "contact-list": _("Kontaktliste"),
    "sign-in": _("Teilnehmerliste"),
    "directory": _("Wegweiser"),
    "network": _("Netzwerkbericht"),
}

CONTACT_COLUMNS: dict[str, str] = {
    "name": _("Name"),
    "function": _("Funktion"),
    "institution": _("Einrichtung"),
    "phone": _("Telefon"),
    "email": _("E-Mail"),
    "address": _("Adresse"),
}
DEFAULT_CONTACT_COLUMNS = ("name", "function", "institution", "phone", "email")
# Preferred column widths; the automatic table layout still keeps every word whole.
_COLUMN_SHARE = {"name": 22, "function": 18, "institution": 22, "phone": 13, "email": 25, "address": 24}
CONTACT_SORTS: dict[str, str] = {
    "name": _("Name"),
    "institution": _("Einrichtung"),
    "function": _("Funktion"),
}
MAX_LOGO_BYTES = 5 * 1024 * 1024
_CHUNK = 900
_KIND_LABELS = dict(MEETING_KIND_CHOICES)
_WITHOUT = (_("ohne Sektor"), _("ohne Quartier"))  # the funnel's names for "not set": listed last


class EmptyReportError(AtlasError):
    """The selection holds nothing to print; no document was made."""


@dataclass(frozen=True)
class ReportDocument:
    """A finished document: HTML with print CSS, and what the PDF step needs to know."""

    kind: str
    title: str
    subtitle: str
    html: str
    file_stem: str  # a file name suggestion without suffix
    summary: str  # e.g. "42 Ansprechpersonen" for the status line
    landscape: bool = False
    margins: Margins = field(default_factory=Margins)
    items: tuple[str, ...] = ()  # the main names in printed order (checks and tests)


# -- shared helpers -----------------------------------------------------------------------
def load_logo(path: str | Path) -> Logo:
    """The logo file for the page header (PNG, JPEG or SVG). Raises AtlasError in German."""
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > MAX_LOGO_BYTES:
            raise AtlasError(
                _("Das Logo {name} ist zu groß ({mb:.1f} MB; höchstens 5 MB).").format(
                    name=target.name, mb=size / 1024 / 1024
                )
            )
        data = target.read_bytes()
    except OSError as err:
        raise AtlasError(
            _("Das Logo {path} kann nicht gelesen werden: {reason}.").format(
                path=target, reason=err.strerror or err
            )
        ) from err
    mime = sniff_image(data)
    if mime is None:
        raise AtlasError(
            _("Die Datei {name} ist kein PNG-, JPEG- oder SVG-Bild und kann nicht als Logo dienen.").format(
                name=target.name
            )
        )
    return Logo(data, mime)


def file_stem(*parts: str) -> str:
    """A file name from words: no characters Windows refuses, spaces as '-'."""
    text = "_".join(p for p in parts if p)
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f„“”]', "", text)
    text = re.sub(r"\s+", "-", text.strip())
    return text[:120].strip(".-_") or "Dokument"


def _sort_text(value: str | None) -> tuple[int, str]:
    return (1, "") if not value else (0, fold(value))


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def _address(street: str | None, postcode: str | None, city: str | None) -> str:
    place = " ".join(p for p in (postcode, city) if p)
    return ", ".join(p for p in (street, place) if p)


def _quarter_name(session: Session, quarter_id: int | None) -> str:
    if quarter_id is None:
        return ""
    name = session.scalar(select(m.Quarter.name).where(m.Quarter.id == quarter_id))
    if name is None:
        raise EmptyReportError(_("Das Quartier gibt es nicht mehr. Es wurde kein PDF erstellt."))
    return name


def _term_name(session: Session, term_id: int | None) -> str:
    if term_id is None:
        return ""
    name = session.scalar(select(m.Term.name).where(m.Term.id == term_id))
    if name is None:
        raise EmptyReportError(_("Die Kategorie gibt es nicht mehr. Es wurde kein PDF erstellt."))
    return name


def _header_line(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _footer(today: dt.date, note: str = "") -> str:
    base = _("Stadtteil-Atlas · erstellt am {day}").format(day=format_day(today))
    return f"{base} · {note}" if note else base


# -- 1. contact list -------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactRow:
    id: int
    first_name: str
    last_name: str
    function: str
    institution_id: int | None
    institution: str
    phone: str
    email: str
    address: str
    institution_phone: str

    @property
    def sort_name(self) -> str:
        return ", ".join(p for p in (self.last_name, self.first_name) if p)

    def cell(self, column: str) -> str:
        if column == "name":
            return self.sort_name
        if column == "phone":
            return self.phone or self.institution_phone
        return str(getattr(self, column))


def contact_rows(
    atlas: Atlas,
    *,
    round_table_id: int | None = None,
    quarter_id: int | None = None,
    category_id: int | None = None,
    contact_ids: Sequence[int] | None = None,
) -> list[ContactRow]:
    """The contacts of a round table's members, a quarter, a category and/or a list of ids
    (all given filters apply together)."""
    c, i = m.Contact, m.Institution
    stmt = select(
        c.id, c.first_name, c.last_name, c.function, c.institution_id, i.name, c.phone, c.email,
        i.street, i.postcode, i.city, i.phone,
    ).outerjoin(i, i.id == c.institution_id)  # fmt: skip
    if round_table_id is not None:
        members = select(m.round_table_member.c.actor_id).where(
            m.round_table_member.c.round_table_id == round_table_id
        )
        stmt = stmt.where(
            or_(
                c.institution_id.in_(select(m.Actor.institution_id).where(m.Actor.id.in_(members))),
                c.id.in_(select(m.Actor.contact_id).where(m.Actor.id.in_(members))),
            )
        )
    if quarter_id is not None:
        stmt = stmt.where(i.quarter_id == quarter_id)
    if category_id is not None:
        stmt = stmt.where(i.category_id == category_id)
    found: list[Any] = []
    with atlas.sessions() as session:
        if contact_ids is None:
            found = list(session.execute(stmt).all())
        else:
            wanted = list(dict.fromkeys(int(x) for x in contact_ids))
            for start in range(0, len(wanted), _CHUNK):
                found += session.execute(stmt.where(c.id.in_(wanted[start : start + _CHUNK]))).all()
    return [
        ContactRow(
            id=r[0],
            first_name=r[1] or "",
            last_name=r[2] or "",
            function=r[3] or "",
            institution_id=r[4],
            institution=r[5] or "",
            phone=r[6] or "",
            email=r[7] or "",
            address=_address(r[8], r[9], r[10]),
            institution_phone=r[11] or "",
        )
        for r in found
    ]


_CONTACT_CSS = """
table.contacts { table-layout: auto; font-family: "DejaVu Sans Condensed", "Arial Narrow", "DejaVu Sans", Arial, sans-serif;
  font-size: 8.8pt; }
table.contacts td.name { font-weight: bold; }
table.contacts td.phone { white-space: nowrap; }
table.contacts tbody.group { break-inside: avoid; page-break-inside: avoid; }
table.contacts tr.group-head th { background: none; border-top: none; border-bottom: 0.8pt solid #000;
  padding: 4mm 1.8mm 1.2mm 1.8mm; font-size: 10pt; }
table.contacts tr.group-head th span { font-weight: normal; font-size: 8.5pt; }
.selection { margin-bottom: 3.5mm; }
"""


def contact_list(
    atlas: Atlas,
    *,
    round_table_id: int | None = None,
    quarter_id: int | None = None,
    category_id: int | None = None,
    contact_ids: Sequence[int] | None = None,
    selection_label: str = "",
    columns: Sequence[str] = DEFAULT_CONTACT_COLUMNS,
    sort: str = "name",
    group: bool = False,
    logo: Logo | None = None,
    today: dt.date | None = None,
) -> ReportDocument:
    """Kontaktliste: chosen columns, sorted, optionally grouped by institution."""
    day = _today(today)
    cols = [col for col in dict.fromkeys(columns) if col in CONTACT_COLUMNS]
    unknown = [col for col in columns if col not in CONTACT_COLUMNS]
    if unknown or not cols:
        raise ValidationError(
            {
                "columns": _("Spalten zur Auswahl: {names}.").format(
                    names=", ".join(f"{k} ({v})" for k, v in CONTACT_COLUMNS.items())
                )
            }
        )
    if sort not in CONTACT_SORTS:
        raise ValidationError({"sort": _("Sortierung nach: name, institution oder function.")})
    if group and "name" not in cols:
        cols.insert(0, "name")
    with atlas.sessions() as session:
        what: list[str] = []
        quarter = _quarter_name(session, quarter_id)
        if round_table_id is not None:
            table = session.get(m.RoundTable, round_table_id)
            if table is None:
                raise EmptyReportError(_("Den Runden Tisch gibt es nicht mehr. Es wurde kein PDF erstellt."))
            what.append(table.name)
            if not quarter and table.quarter is not None:
                quarter = table.quarter.name
        if quarter_id is not None:
            what.append(_("Quartier {name}").format(name=quarter))
        if category_id is not None:
            what.append(_("Kategorie {name}").format(name=_term_name(session, category_id)))
    if contact_ids is not None:
        what.append(selection_label or _("Auswahl aus der Liste"))
    if not what:
        what.append(_("alle Kontakte"))
    selection = " · ".join(what)
    rows = contact_rows(
        atlas,
        round_table_id=round_table_id,
        quarter_id=quarter_id,
        category_id=category_id,
        contact_ids=contact_ids,
    )
    if not rows:
        raise EmptyReportError(
            _("In der Auswahl ({what}) gibt es keine Ansprechpersonen. Es wurde kein PDF erstellt.").format(
                what=selection
            )
        )

    def by_name(r: ContactRow) -> tuple[Any, ...]:
        return (_sort_text(r.last_name), _sort_text(r.first_name), r.id)

    if sort == "institution" or group:
        rows.sort(key=lambda r: (_sort_text(r.institution), *by_name(r)))
    elif sort == "function":
        rows.sort(key=lambda r: (_sort_text(r.function), *by_name(r)))
    else:
        rows.sort(key=by_name)
    # grouped: the institution and its address head each group instead of repeating in every row
    shown = [col for col in cols if not (group and col in ("institution", "address"))]
    landscape = len(shown) >= 5 and "address" in shown
    total = sum(_COLUMN_SHARE[col] for col in shown)
    colgroup = join(
        fill('<col style="width: $w%">', w=f"{100 * _COLUMN_SHARE[col] / total:.1f}") for col in shown
    )
    head = join(fill("<th>$label</th>", label=CONTACT_COLUMNS[col]) for col in shown)

    def row_html(r: ContactRow) -> Safe:
        cells = join(
            fill(
                '<td class="$col">$text</td>',
                col=col,
                text=breakable(r.cell(col)) if col == "email" else r.cell(col),
            )
            for col in shown
        )
        return Safe(f"<tr>{cells}</tr>")

    institutions = {r.institution_id for r in rows if r.institution_id is not None}
    if group:
        groups: dict[int | None, list[ContactRow]] = defaultdict(list)
        for r in rows:
            groups[r.institution_id].append(r)
        bodies = []
        for members in groups.values():
            first = members[0]
            detail = _header_line(first.address, first.institution_phone)
            heading = fill(
                '<tr class="group-head"><th colspan="$n">$name <span>$detail</span></th></tr>',
                n=len(shown),
                name=first.institution or _("ohne Einrichtung"),
                detail=(" – " + detail) if detail else "",
            )
            bodies.append(
                fill(
                    '<tbody class="group">$head$rows</tbody>',
                    head=heading,
                    rows=join(row_html(r) for r in members),
                )
            )
        table_body = join(bodies)
    else:
        table_body = fill("<tbody>$rows</tbody>", rows=join(row_html(r) for r in rows))
    count = _("{n} Ansprechpersonen aus {k} Einrichtungen").format(n=len(rows), k=len(institutions))
    if len(rows) == 1:
        count = _("1 Ansprechperson")
    order = (
        _("gruppiert nach Einrichtung")
        if group
        else _("sortiert nach {what}").format(what=CONTACT_SORTS[sort])
    )
    body = fill(
        """<h1>$title</h1>
<p class="lead selection">$selection</p>
<p class="muted small">$count · $order · $stand</p>
<table class="list contacts"><colgroup>$colgroup</colgroup><thead><tr>$head</tr></thead>$rows</table>
<p class="small muted" style="margin-top: 4mm">$privacy</p>""",
        title=_("Kontaktliste"),
        selection=selection,
        count=count,
        order=order,
        stand=_("Stand {day}").format(day=format_day(day)),
        colgroup=colgroup,
        head=head,
        rows=table_body,
        privacy=_(
            "Personenbezogene Daten: nur für die Arbeit im Netzwerk verwenden, nicht weitergeben, "
            "nach Gebrauch vernichten."
        ),
    )
    title = _("Kontaktliste")
    in_quarter = _("Quartier {name}").format(name=quarter) if quarter and quarter_id is None else ""
    subtitle = _header_line(selection, in_quarter, _("Stand {day}").format(day=format_day(day)))
    html = document(
        title=title,
        subtitle=subtitle,
        footer=_footer(day, _("vertraulich – personenbezogene Daten")),
        body=body,
        css=_CONTACT_CSS,
        logo=logo,
        landscape=landscape,
    )
    return ReportDocument(
        kind="contact-list",
        title=title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(title, selection, day.isoformat()),
        summary=count,
        landscape=landscape,
        items=tuple(r.sort_name for r in rows),
    )


# -- 2. sign-in sheet ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SignInRow:
    person: str
    institution: str


_SIGN_IN_CSS = """
.facts { width: 100%; border-collapse: collapse; margin: 1mm 0 3mm 0; font-size: 10pt; }
.facts th { text-align: left; width: 30mm; padding: 0.8mm 0; vertical-align: top; font-weight: bold; }
.facts td { padding: 0.8mm 0; vertical-align: top; }
.funding { font-style: italic; margin: 0 0 3mm 0; }
table.signin { table-layout: fixed; font-size: 9.5pt; }
table.signin td { height: 10.5mm; vertical-align: middle; border-bottom: 0.6pt solid #000;
  border-left: 0.4pt solid #888; }
table.signin td:first-child { border-left: none; }
table.signin th { border-left: 0.4pt solid #888; font-size: 8.5pt; }
table.signin th:first-child { border-left: none; }
table.signin td.check, table.signin th.check { text-align: center; }
table.signin td.nr { text-align: right; color: #333; font-size: 8.5pt; }
table.signin tr.blank td { height: 11.5mm; }
.box { display: inline-block; width: 3.6mm; height: 3.6mm; border: 0.8pt solid #000; vertical-align: middle; }
table.signin tfoot td { border: none; height: auto; padding: 2mm 0 0 0; font-size: 7.5pt; color: #222;
  vertical-align: top; }
"""


def sign_in_sheet(
    atlas: Atlas,
    meeting_id: int | None,
    *,
    funding: str = "",
    blank_rows: int = 8,
    consent: bool = True,
    logo: Logo | None = None,
    today: dt.date | None = None,
) -> ReportDocument:
    """Teilnehmer- und Unterschriftenliste of one meeting: expected people plus blank rows."""
    day = _today(today)
    if meeting_id is None:
        raise EmptyReportError(_("Bitte ein Treffen wählen. Es wurde kein PDF erstellt."))
    if not 0 <= blank_rows <= 200:
        raise ValidationError({"blank_rows": _("Leerzeilen: bitte eine Zahl von 0 bis 200.")})
    with atlas.sessions() as session:
        meeting = session.get(m.Meeting, meeting_id)
        if meeting is None:
            raise EmptyReportError(_("Das Treffen gibt es nicht mehr. Es wurde kein PDF erstellt."))
        title = meeting.title
        starts = meeting.starts_at
        place = meeting.place or ""
        kind = _KIND_LABELS.get(meeting.kind, "")
        table = meeting.round_table
        table_name = table.name if table else ""
        organiser = (table.organiser if table else "") or ""
        quarter = table.quarter.name if table and table.quarter else ""
    rows: list[SignInRow] = []
    for r in atlas.network.sheet(meeting_id):
        nameless = r.contact_id is None
        # an actor that is a single person is named after the person: no second name
        institution = r.institution or ("" if r.person and r.actor.startswith(r.person) else r.actor)
        rows.append(SignInRow("" if nameless else r.person, institution))
    if not rows and blank_rows == 0:
        raise EmptyReportError(
            _(
                "Für „{title}“ werden niemand erwartet (keine Mitglieder mit Ansprechpersonen) und es sind "
                "keine Leerzeilen gewählt. Es wurde kein PDF erstellt."
            ).format(title=title)
        )
    time = f"{starts.hour:02d}:{starts.minute:02d}"
    when = _("{day}, {time} Uhr").format(day=format_long_day(starts.date()), time=time)
    facts = [(_("Veranstaltung"), title), (_("Datum"), when), (_("Ort"), place)]
    if table_name and table_name != title:
        facts.append((_("Runder Tisch"), table_name))
    facts.append((_("Veranstalter"), organiser))
    if kind:
        facts.append((_("Art"), kind))
    facts_html = join(fill("<tr><th>$k</th><td>$v</td></tr>", k=k, v=v or "–") for k, v in facts)
    if consent:
        cols = Safe(
            '<col style="width: 5.5%"><col style="width: 26%"><col style="width: 26%">'
            '<col style="width: 9%"><col style="width: 10.5%"><col style="width: 23%">'
        )
        head = fill(
            "<th class='num'>$nr</th><th>$name</th><th>$inst</th><th class='check'>$photo</th>"
            "<th class='check'>$share</th><th>$sign</th>",
            nr=_("Nr."),
            name=_("Name, Vorname"),
            inst=_("Einrichtung"),
            photo=_("Fotos ¹"),
            share=_("Kontakt teilen ²"),
            sign=_("Unterschrift"),
        )
        checks = Safe(
            '<td class="check"><span class="box"></span></td><td class="check"><span class="box"></span></td>'
        )
        note = _(
            "¹ Ich bin einverstanden, dass bei der Veranstaltung Fotos gemacht werden, auf denen ich zu sehen "
            "sein kann, und dass sie für die Berichte und die Öffentlichkeitsarbeit des Projekts verwendet werden. "
            "² Ich bin einverstanden, dass Name, Einrichtung und dienstliche Kontaktdaten an die anderen "
            "Teilnehmenden weitergegeben werden. Ohne Kreuz gilt: nicht einverstanden. Beides kann jederzeit "
            "widerrufen werden. Die Liste dient dem Nachweis der Teilnahme gegenüber dem Fördergeber."
        )
        n_cols = 6
    else:
        cols = Safe(
            '<col style="width: 5.5%"><col style="width: 30%"><col style="width: 30%"><col style="width: 34.5%">'
        )
        head = fill(
            "<th class='num'>$nr</th><th>$name</th><th>$inst</th><th>$sign</th>",
            nr=_("Nr."),
            name=_("Name, Vorname"),
            inst=_("Einrichtung"),
            sign=_("Unterschrift"),
        )
        checks = Safe("")
        note = _("Die Liste dient dem Nachweis der Teilnahme gegenüber dem Fördergeber.")
        n_cols = 4
    lines = [
        fill(
            '<tr><td class="nr">$nr</td><td>$name</td><td>$inst</td>', nr=n, name=r.person, inst=r.institution
        )
        + checks
        + Safe("<td></td></tr>")
        for n, r in enumerate(rows, start=1)
    ]
    lines += [
        fill('<tr class="blank"><td class="nr">$nr</td><td></td><td></td>', nr=n)
        + checks
        + Safe("<td></td></tr>")
        for n in range(len(rows) + 1, len(rows) + blank_rows + 1)
    ]
    funding_html = fill('<p class="funding">$text</p>', text=funding.strip()) if funding.strip() else Safe("")
    body = fill(
        """<h1>$heading</h1>
<table class="facts">$facts</table>
$funding
<table class="list signin"><colgroup>$cols</colgroup><thead><tr>$head</tr></thead>
<tfoot><tr><td colspan="$n">$note</td></tr></tfoot>
<tbody>$lines</tbody></table>""",
        heading=_("Teilnehmer- und Unterschriftenliste"),
        facts=facts_html,
        funding=funding_html,
        cols=cols,
        head=head,
        n=n_cols,
        note=note,
        lines=join(lines),
    )
    doc_title = _("Teilnehmerliste: {title}").format(title=title)
    subtitle = _header_line(
        format_day(starts.date()) + " " + time, place, quarter and _("Quartier {name}").format(name=quarter)
    )
    html = document(
        title=doc_title,
        subtitle=subtitle,
        footer=funding.strip() or _footer(day),
        body=body,
        css=_SIGN_IN_CSS,
        logo=logo,
    )
    return ReportDocument(
        kind="sign-in",
        title=doc_title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(_("Teilnehmerliste"), title, starts.date().isoformat()),
        summary=_("{n} erwartete Personen, {k} Leerzeilen").format(n=len(rows), k=blank_rows),
        items=tuple(r.person or r.institution for r in rows),
    )


# -- 3. directory (Wegweiser) -------------------------------------------------------------------
@dataclass(frozen=True)
class DirectoryOffer:
    id: int
    title: str
    category: str
    target_groups: tuple[str, ...]
    description: str
    place: str
    schedule: str
    cost: str
    languages: str
    institution_id: int


@dataclass(frozen=True)
class DirectoryInstitution:
    id: int
    name: str
    address: str
    phone: str
    email: str
    website: str
    opening_hours: str
    quarter_id: int | None
    lat: float | None
    lon: float | None


_DIRECTORY_CSS = """
.cover { break-after: page; page-break-after: always; padding-top: 38mm; }
.cover h1 { font-size: 32pt; margin-bottom: 4mm; }
.cover .sub { font-size: 15pt; margin-bottom: 12mm; }
.cover .facts { font-size: 10.5pt; line-height: 1.6; }
.cover ol { font-size: 10.5pt; line-height: 1.7; padding-left: 6mm; margin-top: 8mm; }
.chapter { break-before: page; page-break-before: always; }
.chapter h2 { font-size: 16pt; margin-top: 0; }
figure { margin: 0 0 3mm 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; }
figcaption { font-size: 8pt; color: #333; margin-top: 1.2mm; }
.category { break-before: auto; }
.offer { break-inside: avoid; page-break-inside: avoid; display: grid; grid-template-columns: 10mm 1fr;
  column-gap: 2mm; padding: 2mm 0 2.2mm 0; border-bottom: 0.4pt solid #999; }
.offer .pin { width: 7mm; height: 7mm; border: 0.8pt solid #000; border-radius: 50%; text-align: center;
  font-weight: bold; font-size: 8.5pt; line-height: 7mm; margin-top: 0.3mm; }
.offer .pin.none { border-style: dashed; color: #555; font-weight: normal; }
.offer h4 { font-size: 10.5pt; margin: 0 0 0.6mm 0; }
.offer .inst { font-weight: bold; }
.offer p { margin: 0 0 0.6mm 0; }
.offer .desc { color: #222; }
.offer dl { display: grid; grid-template-columns: 24mm 1fr; margin: 0.6mm 0 0 0; font-size: 8.8pt; }
.offer dt { font-weight: bold; }
.offer dd { margin: 0; }
.index { break-before: page; page-break-before: always; }
.index-list { columns: 2; column-gap: 8mm; font-size: 8.6pt; }
.index-entry { break-inside: avoid; page-break-inside: avoid; margin-bottom: 1.8mm; display: grid;
  grid-template-columns: 8mm 1fr; }
.index-entry .n { font-weight: bold; }
.index-entry .offers { color: #222; }
"""


def directory(
    atlas: Atlas,
    *,
    quarter_id: int | None = None,
    category_id: int | None = None,
    logo: Logo | None = None,
    tiles: TileSource | None = None,
    today: dt.date | None = None,
) -> ReportDocument:
    """Wegweiser: cover, per quarter a map with numbered markers and the offers by category,
    and an index of the institutions. Only current offers of public institutions."""
    day = _today(today)
    o, i = m.Offer, m.Institution
    current = (o.valid_to.is_(None) | (o.valid_to >= day)) & (o.valid_from.is_(None) | (o.valid_from <= day))
    stmt = select(o, i).join(i, i.id == o.institution_id).where(current, i.is_public.is_(True))
    if quarter_id is not None:
        stmt = stmt.where(i.quarter_id == quarter_id)
    if category_id is not None:
        stmt = stmt.where(o.category_id == category_id)
    offers: list[DirectoryOffer] = []
    institutions: dict[int, DirectoryInstitution] = {}
    with atlas.sessions() as session:
        quarter = _quarter_name(session, quarter_id)
        category = _term_name(session, category_id)
        quarter_names = dict(session.execute(select(m.Quarter.id, m.Quarter.name)).all())
        tg_names: dict[int, list[str]] = defaultdict(list)
        for offer_id, name in session.execute(
            select(m.offer_target_group.c.offer_id, m.Term.name).join(
                m.Term, m.Term.id == m.offer_target_group.c.term_id
            )
        ):
            tg_names[offer_id].append(name)
        cat_names = dict(session.execute(select(m.Term.id, m.Term.name)).all())
        for offer, place in session.execute(stmt).all():
            offers.append(
                DirectoryOffer(
                    id=offer.id,
                    title=offer.title,
                    category=cat_names.get(offer.category_id, "") if offer.category_id else "",
                    target_groups=tuple(sorted(tg_names.get(offer.id, []), key=fold)),
                    description=offer.description or "",
                    place=offer.place or "",
                    schedule=offer.schedule or "",
                    cost=offer.cost or "",
                    languages=offer.languages or "",
                    institution_id=place.id,
                )
            )
            if place.id not in institutions:
                institutions[place.id] = DirectoryInstitution(
                    id=place.id,
                    name=place.name,
                    address=_address(place.street, place.postcode, place.city),
                    phone=place.phone or "",
                    email=place.email or "",
                    website=place.website or "",
                    opening_hours=place.opening_hours or "",
                    quarter_id=place.quarter_id,
                    lat=place.lat,
                    lon=place.lon,
                )
    scope = _("Quartier {name}").format(name=quarter) if quarter_id is not None else _("alle Quartiere")
    what = _header_line(scope, category and _("Kategorie {name}").format(name=category))
    if not offers:
        raise EmptyReportError(
            _(
                "Für {what} gibt es keine aktuellen, öffentlichen Angebote. Es wurde kein PDF erstellt."
            ).format(what=what)
        )
    map_features = atlas.maps.data().quarters["features"]
    # chapters: one per quarter (by name), institutions without a quarter last
    chapter_ids = sorted(
        {institutions[o_.institution_id].quarter_id for o_ in offers},
        key=lambda q: (q is None, fold(quarter_names.get(q, "")) if q is not None else ""),
    )
    numbers: dict[int, int] = {}
    chapters: list[Safe] = []
    contents: list[str] = []
    order: list[str] = []
    for q_id in chapter_ids:
        q_offers = [x for x in offers if institutions[x.institution_id].quarter_id == q_id]
        by_category: dict[str, list[DirectoryOffer]] = defaultdict(list)
        for x in q_offers:
            by_category[x.category].append(x)
        cats = sorted(by_category, key=lambda c: (c == "", fold(c)))
        for cat in cats:
            by_category[cat].sort(
                key=lambda x: (fold(x.title), fold(institutions[x.institution_id].name), x.id)
            )
            for x in by_category[cat]:
                numbers.setdefault(x.institution_id, len(numbers) + 1)
        q_name = quarter_names.get(q_id, "") if q_id is not None else _("ohne Quartier")
        contents.append(q_name)
        markers = [
            Marker(numbers[inst_id], inst.lat, inst.lon)
            for inst_id, inst in institutions.items()
            if inst_id in numbers
            and inst.quarter_id == q_id
            and inst.lat is not None
            and inst.lon is not None
        ]
        picture = map_svg(
            map_features,
            markers,
            focus=[q_id] if q_id is not None else [],
            width_mm=178,
            height_mm=118,
            tiles=tiles,
        )
        figure = (
            fill(
                "<figure>$svg<figcaption>$caption</figcaption></figure>",
                svg=picture,
                caption=_(
                    "Karte {name}: Die Nummern bezeichnen die Einrichtungen im Verzeichnis; "
                    "Einrichtungen ohne Nummer auf der Karte haben keine Koordinaten."
                ).format(name=q_name),
            )
            if picture is not None
            else Safe("")
        )
        sections: list[Safe] = []
        for cat in cats:
            entries: list[Safe] = []
            for x in by_category[cat]:
                inst = institutions[x.institution_id]
                order.append(x.title)
                entries.append(_offer_html(x, inst, numbers[inst.id]))
            sections.append(
                fill(
                    '<section class="category"><h3>$cat</h3>$entries</section>',
                    cat=cat or _("ohne Kategorie"),
                    entries=join(entries),
                )
            )
        count = _("{n} Angebote von {k} Einrichtungen").format(
            n=len(q_offers), k=len({x.institution_id for x in q_offers})
        )
        chapters.append(
            fill(
                '<section class="chapter"><h2>$name</h2><p class="muted small">$count</p>$figure$sections</section>',
                name=q_name,
                count=count,
                figure=figure,
                sections=join(sections),
            )
        )
    index_entries = []
    offers_of: dict[int, list[str]] = defaultdict(list)
    for x in offers:
        offers_of[x.institution_id].append(x.title)
    for inst_id in sorted(numbers, key=lambda k: (fold(institutions[k].name), numbers[k])):
        inst = institutions[inst_id]
        index_entries.append(
            fill(
                '<div class="index-entry"><span class="n">$n</span><span>$name<br>'
                '<span class="muted">$where</span><br><span class="offers">$offers</span></span></div>',
                n=numbers[inst_id],
                name=inst.name,
                where=_header_line(
                    quarter_names.get(inst.quarter_id, "")
                    if inst.quarter_id is not None and quarter_id is None
                    else "",
                    inst.address,
                ),
                offers="; ".join(sorted(dict.fromkeys(offers_of[inst_id]), key=fold)),
            )
        )
    title = _("Wegweiser")
    cover = fill(
        """<section class="cover"><h1>$title</h1><p class="sub">$sub</p>
<p class="facts">$count<br>$stand</p>
<ol>$contents</ol></section>""",
        title=title,
        sub=_("Angebote und Einrichtungen – {what}").format(what=what),
        count=_("{n} Angebote von {k} Einrichtungen").format(n=len(offers), k=len(institutions)),
        stand=_("Stand {day}").format(day=format_day(day)),
        contents=join(fill("<li>$c</li>", c=c) for c in [*contents, _("Einrichtungen von A bis Z")]),
    )
    index = fill(
        '<section class="index"><h2>$title</h2><p class="muted small">$hint</p><div class="index-list">$entries</div></section>',
        title=_("Einrichtungen von A bis Z"),
        hint=_("Die Nummer ist die Nummer auf der Karte und im Verzeichnis."),
        entries=join(index_entries),
    )
    subtitle = _header_line(what, _("Stand {day}").format(day=format_day(day)))
    html = document(
        title=title,
        subtitle=subtitle,
        footer=_footer(day),
        body=join([cover, *chapters, index]),
        css=_DIRECTORY_CSS,
        logo=logo,
        margins=Margins(top=27, right=15, bottom=20, left=15),
    )
    return ReportDocument(
        kind="directory",
        title=title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(title, quarter or _("alle Quartiere"), category, day.isoformat()),
        summary=_("{n} Angebote von {k} Einrichtungen").format(n=len(offers), k=len(institutions)),
        items=tuple(order),
    )


def _offer_html(x: DirectoryOffer, inst: DirectoryInstitution, number: int) -> Safe:
    on_map = inst.lat is not None and inst.lon is not None
    contact = _header_line(
        inst.address,
        inst.phone and _("Tel. {phone}").format(phone=inst.phone),
        inst.email,
    )
    facts: list[tuple[str, str]] = [
        (_("Zeiten"), x.schedule or inst.opening_hours),
        (_("Ort"), "" if fold(x.place) in (fold(inst.address), fold(inst.name)) else x.place),
        (_("Zielgruppen"), ", ".join(x.target_groups)),
        (_("Kosten"), x.cost),
        (_("Sprachen"), x.languages),
        (_("Internet"), inst.website),
    ]
    details = join(fill("<dt>$k</dt><dd>$v</dd>", k=k, v=v) for k, v in facts if v)
    description = x.description.strip()
    if len(description) > 420:
        description = description[:400].rsplit(" ", 1)[0] + " …"
    return fill(
        '<article class="offer"><div class="pin$cls" title="$hint">$n</div><div>'
        '<h4>$title</h4><p><span class="inst">$inst</span><br>$contact</p>$desc<dl>$details</dl></div></article>',
        cls="" if on_map else " none",
        hint="" if on_map else _("nicht auf der Karte"),
        n=number,
        title=x.title,
        inst=inst.name,
        contact=contact,
        desc=fill('<p class="desc">$d</p>', d=esc_lines(description)) if description else Safe(""),
        details=details,
    )


# -- 4. network report ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingFigure:
    id: int
    day: dt.date
    title: str
    kind: str
    round_table: str
    actors: int
    people: int


_NETWORK_CSS = """
.key { display: grid; grid-template-columns: repeat(5, 1fr); gap: 2.5mm; margin: 3mm 0 2mm 0; }
.key div { border: 0.8pt solid #000; padding: 2mm 2.5mm; break-inside: avoid; }
.key b { display: block; font-size: 17pt; line-height: 1.15; }
.key span { font-size: 8.3pt; }
table.figures { font-size: 9pt; }
table.figures td.num, table.figures th.num { width: 17mm; }
table.figures tr.total td { font-weight: bold; border-top: 0.8pt solid #000; border-bottom: 0.8pt solid #000; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
section.block { break-inside: avoid; page-break-inside: avoid; }
figure.chart { margin: 2mm 0 1mm 0; }
"""


def network_report(
    atlas: Atlas,
    *,
    start: dt.date,
    end: dt.date,
    logo: Logo | None = None,
    today: dt.date | None = None,
) -> ReportDocument:
    """Netzwerkbericht for funders: funnel at both ends of the period, by sector and quarter,
    the monthly trend, meetings held and participation, agreements in force."""
    day = _today(today)
    if start > end:
        raise ValidationError({"period": _("Der Zeitraum beginnt nach seinem Ende.")})
    if (end - start).days > 366 * 10:
        raise ValidationError({"period": _("Der Zeitraum darf höchstens zehn Jahre lang sein.")})
    until = min(end, day)  # the figures can only describe what already happened
    period = f"{format_day(start)} – {format_day(end)}"
    before = start - dt.timedelta(days=1)
    funnel_end = atlas.network.funnel(until)
    funnel_start = atlas.network.funnel(before)
    months = (until.year - start.year) * 12 + until.month - start.month + 1
    trend = atlas.network.trend(max(2, min(months, 60)), until) if until >= start else []
    meetings = _meetings_held(atlas, start, until)
    agreements = _agreements(atlas, start, end)
    if funnel_end.total == 0 and not meetings and not agreements:
        raise EmptyReportError(
            _(
                "Für den Zeitraum {period} gibt es keine Zahlen: keine Akteure, keine Treffen, keine "
                "Vereinbarungen. Es wurde kein PDF erstellt."
            ).format(period=period)
        )
    counts = funnel_end.counts
    active = counts.get(m.ActorStatus.ACTIVE.value, 0)
    key = join(
        fill("<div><b>$n</b><span>$label</span></div>", n=n, label=label)
        for n, label in (
            (funnel_end.total, _("Akteure im Netzwerk")),
            (active, _("davon regelmäßig aktiv")),
            (len(meetings), _("Treffen im Zeitraum")),
            (sum(x.actors for x in meetings), _("Teilnahmen (Akteure)")),
            (len(agreements), _("Kooperations­vereinbarungen")),
        )
    )
    stage_rows = []
    for status in FUNNEL:
        a, b = funnel_start.counts.get(status.value, 0), counts.get(status.value, 0)
        stage_rows.append(
            fill(
                '<tr><td>$label</td><td class="num">$a</td><td class="num">$b</td><td class="num">$d</td></tr>',
                label=STATUS_LABELS[status],
                a=a,
                b=b,
                d=f"{b - a:+d}" if b != a else "±0",
            )
        )
    stage_rows.append(
        fill(
            '<tr class="total"><td>$label</td><td class="num">$a</td><td class="num">$b</td><td class="num">$d</td></tr>',
            label=_("gesamt"),
            a=funnel_start.total,
            b=funnel_end.total,
            d=f"{funnel_end.total - funnel_start.total:+d}"
            if funnel_end.total != funnel_start.total
            else "±0",
        )
    )
    funnel_table = fill(
        '<table class="list figures"><thead><tr><th>$stage</th><th class="num">$a</th><th class="num">$b</th>'
        '<th class="num">$d</th></tr></thead><tbody>$rows</tbody></table>',
        stage=_("Stufe"),
        a=format_day(before),
        b=format_day(until),
        d=_("Veränderung"),
        rows=join(stage_rows),
    )
    chart = Safe("")
    if len(trend) >= 2:
        styles = {
            m.ActorStatus.ADDRESSED: ("6 8", "circle", 3.0),
            m.ActorStatus.INFORMED: ("18 8", "square", 3.5),
            m.ActorStatus.ACTIVE: ("", "triangle", 6.0),
            m.ActorStatus.DORMANT: ("3 6", "diamond", 3.0),
        }
        series = [
            Series(
                STATUS_LABELS[s],
                [p.counts.get(s.value, 0) for p in trend],
                styles[s][0],
                styles[s][1],
                styles[s][2],
            )
            for s in FUNNEL
        ]
        chart = fill(
            '<figure class="chart">$svg<figcaption>$caption</figcaption></figure>',
            svg=trend_svg([p.label for p in trend], series),
            caption=_("Stand jeweils am Monatsende (der letzte Monat bis {day}).").format(
                day=format_day(until)
            ),
        )
    body_parts = [
        fill(
            """<h1>$title</h1><p class="lead">$period</p><p class="muted small">$rule</p>
<div class="key">$key</div>
<section class="block"><h2>$h_funnel</h2>$table</section>
<section class="block"><h2>$h_trend</h2>$chart</section>""",
            title=_("Netzwerkbericht"),
            period=_("Berichtszeitraum {period}").format(period=period),
            rule=_("Aktiv wird berechnet, nicht eingetragen: {rule}.").format(rule=funnel_end.rule),
            key=key,
            h_funnel=_("Akteure nach Stufe"),
            table=funnel_table,
            h_trend=_("Entwicklung"),
            chart=chart or fill("<p>$t</p>", t=_("Für einen Verlauf ist der Zeitraum zu kurz.")),
        ),
        _breakdown(_("Nach Sektor"), _("Sektor"), funnel_end.by_sector, until),
        _breakdown(_("Nach Quartier"), _("Quartier"), funnel_end.by_quarter, until),
        _meetings_html(meetings, start, until),
        _agreements_html(agreements),
    ]
    title = _("Netzwerkbericht")
    subtitle = _header_line(
        _("Berichtszeitraum {period}").format(period=period), _("Stand {day}").format(day=format_day(day))
    )
    html = document(
        title=title,
        subtitle=subtitle,
        footer=_footer(day),
        body=join(body_parts),
        css=_NETWORK_CSS,
        logo=logo,
    )
    return ReportDocument(
        kind="network",
        title=title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(title, start.isoformat(), end.isoformat()),
        summary=_("{n} Akteure, {k} Treffen").format(n=funnel_end.total, k=len(meetings)),
        items=tuple(x.title for x in meetings),
    )


def _breakdown(heading: str, first: str, groups: Mapping[str, Mapping[str, int]], until: dt.date) -> Safe:
    head = join(fill('<th class="num">$s</th>', s=STATUS_LABELS[s]) for s in FUNNEL)
    rows = []
    totals = dict.fromkeys((s.value for s in FUNNEL), 0)
    for name, counts in sorted(groups.items(), key=lambda kv: (kv[0] in _WITHOUT, fold(kv[0]))):
        cells = join(fill('<td class="num">$n</td>', n=counts.get(s.value, 0)) for s in FUNNEL)
        for s in FUNNEL:
            totals[s.value] += counts.get(s.value, 0)
        rows.append(
            fill(
                '<tr><td>$name</td>$cells<td class="num">$sum</td></tr>',
                name=name,
                cells=cells,
                sum=sum(counts.values()),
            )
        )
    total_cells = join(fill('<td class="num">$n</td>', n=totals[s.value]) for s in FUNNEL)
    rows.append(
        fill(
            '<tr class="total"><td>$label</td>$cells<td class="num">$sum</td></tr>',
            label=_("gesamt"),
            cells=total_cells,
            sum=sum(totals.values()),
        )
    )
    return fill(
        '<section class="block"><h2>$heading</h2><p class="muted small">$when</p><table class="list figures"><thead><tr><th>$first</th>$head'
        '<th class="num">$all</th></tr></thead><tbody>$rows</tbody></table></section>',
        heading=heading,
        when=_("Stand {day}").format(day=format_day(until)),
        first=first,
        head=head,
        all=_("gesamt"),
        rows=join(rows),
    )


def _meetings_held(atlas: Atlas, start: dt.date, until: dt.date) -> list[MeetingFigure]:
    t = m.Meeting
    lo = dt.datetime.combine(start, dt.time.min)
    hi = dt.datetime.combine(until, dt.time.max)
    with atlas.sessions() as session:
        actors = dict(
            session.execute(
                select(m.Attendance.meeting_id, func.count(func.distinct(m.Attendance.actor_id))).group_by(
                    m.Attendance.meeting_id
                )
            ).all()
        )
        people = dict(
            session.execute(
                select(m.Attendance.meeting_id, func.count()).group_by(m.Attendance.meeting_id)
            ).all()
        )
        rows = session.execute(
            select(t.id, t.starts_at, t.title, t.kind, m.RoundTable.name)
            .outerjoin(m.RoundTable, m.RoundTable.id == t.round_table_id)
            .where(t.starts_at >= lo, t.starts_at <= hi)
            .order_by(t.starts_at, t.id)
        ).all()
    return [
        MeetingFigure(
            id=r[0],
            day=r[1].date(),
            title=r[2],
            kind=_KIND_LABELS.get(r[3], r[3] or ""),
            round_table=r[4] or "",
            actors=int(actors.get(r[0], 0)),
            people=int(people.get(r[0], 0)),
        )
        for r in rows
    ]


def _meetings_html(meetings: Sequence[MeetingFigure], start: dt.date, until: dt.date) -> Safe:
    if not meetings:
        return fill(
            "<section><h2>$h</h2><p>$t</p></section>",
            h=_("Treffen und Teilnahme"),
            t=_("Im Zeitraum fanden keine Treffen statt."),
        )
    groups: dict[str, list[MeetingFigure]] = defaultdict(list)
    for x in meetings:
        groups[x.round_table or x.kind or _("sonstige")].append(x)
    summary_rows = []
    for name, items in sorted(groups.items(), key=lambda kv: fold(kv[0])):
        n = len(items)
        total = sum(x.actors for x in items)
        recorded = [x for x in items if x.people]  # the average only over meetings with attendance
        avg = sum(x.actors for x in recorded) / len(recorded) if recorded else None
        summary_rows.append(
            fill(
                '<tr><td>$name</td><td class="num">$n</td><td class="num">$total</td><td class="num">$avg</td></tr>',
                name=name,
                n=n,
                total=total,
                avg="–" if avg is None else f"{avg:.1f}".replace(".", ","),
            )
        )
    list_rows = [
        fill(
            '<tr><td class="nowrap">$day</td><td>$title</td><td>$kind</td><td class="num">$a</td><td class="num">$p</td></tr>',
            day=format_day(x.day),
            title=x.title,
            kind=x.kind,
            a=x.actors if x.people else "–",
            p=x.people if x.people else "–",
        )
        for x in meetings
    ]
    unrecorded = any(not x.people for x in meetings)
    return fill(
        """<section><h2>$h</h2><p class="muted small">$period</p>
<table class="list figures"><thead><tr><th>$rt</th><th class="num">$n</th><th class="num">$total</th><th class="num">$avg</th></tr></thead>
<tbody>$summary</tbody></table>
<h3>$h_list</h3>
<table class="list figures"><thead><tr><th>$date</th><th>$title</th><th>$kind</th><th class="num">$actors</th><th class="num">$people</th></tr></thead>
<tbody>$rows</tbody></table>$note</section>""",
        note=fill(
            '<p class="small muted">$t</p>',
            t=_("– = Anwesenheit noch nicht eingetragen (nicht im Durchschnitt)."),
        )
        if unrecorded
        else Safe(""),
        h=_("Treffen und Teilnahme"),
        period=_("{start} bis {end}").format(start=format_day(start), end=format_day(until)),
        rt=_("Runder Tisch / Art"),
        n=_("Treffen"),
        total=_("Teilnahmen"),
        avg=_("je Treffen"),
        summary=join(summary_rows),
        h_list=_("Alle Treffen"),
        date=_("Datum"),
        title=_("Treffen"),
        kind=_("Art"),
        actors=_("Akteure"),
        people=_("Personen"),
        rows=join(list_rows),
    )


@dataclass(frozen=True)
class AgreementFigure:
    title: str
    signed_on: dt.date | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    review: str
    next_review: dt.date | None
    parties: tuple[str, ...]


def _agreements(atlas: Atlas, start: dt.date, end: dt.date) -> list[AgreementFigure]:
    g = m.Agreement
    with atlas.sessions() as session:
        found = []
        for agreement in session.scalars(select(g).order_by(g.valid_from, g.id)):
            begins = agreement.valid_from or agreement.signed_on
            if begins is not None and begins > end:
                continue
            if agreement.valid_to is not None and agreement.valid_to < start:
                continue
            parties = []
            for party in agreement.parties:
                person = _name(party.contact.first_name, party.contact.last_name) if party.contact else ""
                parties.append(party.actor.name + (f" ({person})" if person else ""))
            found.append(
                AgreementFigure(
                    title=agreement.title,
                    signed_on=agreement.signed_on,
                    valid_from=agreement.valid_from,
                    valid_to=agreement.valid_to,
                    review=agreement.review_rhythm or "",
                    next_review=agreement.next_review,
                    parties=tuple(sorted(parties, key=fold)),
                )
            )
    return found


def _agreements_html(agreements: Sequence[AgreementFigure]) -> Safe:
    heading = _("Kooperationsvereinbarungen")
    if not agreements:
        return fill(
            "<section><h2>$h</h2><p>$t</p></section>", h=heading, t=_("Im Zeitraum galt keine Vereinbarung.")
        )

    def day_or_dash(value: dt.date | None) -> str:
        return format_day(value) if value else "–"

    rows = [
        fill(
            "<tr><td><b>$title</b><br><span class='small'>$parties</span></td><td class='nowrap'>$signed</td>"
            "<td class='nowrap'>$valid</td><td>$review</td></tr>",
            title=a.title,
            parties=_("Partner: {names}").format(names="; ".join(a.parties) or "–"),
            signed=day_or_dash(a.signed_on),
            valid=f"{day_or_dash(a.valid_from)} – {format_day(a.valid_to) if a.valid_to else _('offen')}",
            review=join(
                [
                    a.review,
                    _("nächste: {day}").format(day=format_day(a.next_review)) if a.next_review else "",
                ],
                "<br>",
            ),
        )
        for a in agreements
    ]
    return fill(
        """<section><h2>$h</h2><table class="list figures"><colgroup><col style="width: 50%"><col style="width: 13%">
<col style="width: 21%"><col style="width: 16%"></colgroup><thead><tr><th>$t</th><th>$s</th><th>$v</th><th>$r</th></tr></thead>
<tbody>$rows</tbody></table></section>""",
        h=heading,
        t=_("Vereinbarung und Partner"),
        s=_("unterzeichnet"),
        v=_("gültig"),
        r=_("Abstimmung"),
        rows=join(rows),
    )


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months up to today."""
    day = _today(today)
    return months_before(day, 12) + dt.timedelta(days=1), day


def meetings_for_choice(atlas: Atlas, around: dt.date | None = None) -> list[tuple[int, str]]:
    """(id, label) of the meetings, the next ones first, then the past ones (newest first)."""
    day = _today(around)
    with atlas.sessions() as session:
        rows = session.execute(select(m.Meeting.id, m.Meeting.starts_at, m.Meeting.title)).all()
    upcoming = sorted((r for r in rows if r[1].date() >= day), key=lambda r: r[1])
    past = sorted((r for r in rows if r[1].date() < day), key=lambda r: r[1], reverse=True)
    return [
        (r[0], f"{format_day(r[1].date())} {r[1].hour:02d}:{r[1].minute:02d} – {r[2]}")
        for r in [*upcoming, *past]
    ]


def split_columns(text: str) -> list[str]:
    """'name,phone, email' -> ['name', 'phone', 'email'] (German labels accepted too)."""
    by_label = {fold(label): key for key, label in CONTACT_COLUMNS.items()}
    out = []
    for part in text.split(","):
        word = part.strip()
        if word:
            out.append(by_label.get(fold(word), word.lower()))
    return out


# -- the command line's filters -------------------------------------------------------------------
def pick_id(choices: Sequence[tuple[int, str]], wanted: str, what: str) -> int:
    """An id from a name (case- and umlaut-insensitive) or a number."""
    text = wanted.strip()
    if text.isdigit() and any(i == int(text) for i, _n in choices):
        return int(text)
    target = fold(text)
    for record_id, name in choices:
        if fold(name) == target:
            return record_id
    names = ", ".join(n for _i, n in choices) or "–"
    raise ValidationError(
        {what: _("„{wanted}“ gibt es nicht. Vorhanden: {names}").format(wanted=wanted, names=names)}
    )


def _parse_day(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as err:
        raise ValidationError(
            {
                what: _("„{value}“ ist kein Datum; bitte JJJJ-MM-TT angeben, z. B. 2026-06-30.").format(
                    value=value
                )
            }
        ) from err


def pick_meeting(atlas: Atlas, wanted: str, round_table_id: int | None = None) -> int:
    """A meeting by number, by day (JJJJ-MM-TT, with ``round_table_id`` if several) or by title."""
    text = wanted.strip()
    with atlas.sessions() as session:
        stmt = select(m.Meeting.id, m.Meeting.starts_at, m.Meeting.title)
        if round_table_id is not None:
            stmt = stmt.where(m.Meeting.round_table_id == round_table_id)
        rows = session.execute(stmt.order_by(m.Meeting.starts_at)).all()
    if text.isdigit() and any(r[0] == int(text) for r in rows):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = _parse_day(text, "meeting")
        found = [r for r in rows if r[1].date() == day]
    else:
        found = [r for r in rows if fold(r[2]) == fold(text)]
    if len(found) == 1:
        return int(found[0][0])
    if not found:
        raise ValidationError(
            {
                "meeting": _(
                    "Kein Treffen „{wanted}“. Bitte Nummer, Datum (JJJJ-MM-TT) oder Titel angeben."
                ).format(wanted=wanted)
            }
        )
    listed = "; ".join(f"{r[0]}: {format_day(r[1].date())} {r[2]}" for r in found)
    raise ValidationError(
        {
            "meeting": _("„{wanted}“ passt auf mehrere Treffen, bitte die Nummer angeben: {listed}").format(
                wanted=wanted, listed=listed
            )
        }
    )


def command_options(atlas: Atlas, args: Any) -> dict[str, Any]:
    """The options of ``stadtteil-atlas report`` (names or numbers) as ids and values."""
    options: dict[str, Any] = {}

    def get(name: str) -> Any:
        return getattr(args, name, None)

    if get("round_table"):
        options["round_table_id"] = pick_id(
            atlas.records["round_table"].choices(), get("round_table"), "round_table"
        )
    if get("quarter"):
        options["quarter_id"] = pick_id(atlas.quarters.choices(), get("quarter"), "quarter")
    if get("category"):
        from atlas.models import Vocabulary

        terms = [(t.id, t.name) for t in atlas.taxonomy.terms(Vocabulary.CATEGORY)]
        options["category_id"] = pick_id(terms, get("category"), "category")
    if get("meeting"):
        options["meeting_id"] = pick_meeting(atlas, get("meeting"), options.get("round_table_id"))
    if get("columns"):
        options["columns"] = split_columns(get("columns"))
    if get("sort"):
        options["sort"] = get("sort")
    options["group"] = bool(get("group"))
    if get("funding") is not None:
        options["funding"] = get("funding")
    if get("blank_rows") is not None:
        options["blank_rows"] = get("blank_rows")
    if get("no_consent"):
        options["consent"] = False
    if get("start"):
        options["start"] = _parse_day(get("start"), "from")
    if get("end"):
        options["end"] = _parse_day(get("end"), "to")
    if get("logo"):
        options["logo"] = get("logo")
    return options
