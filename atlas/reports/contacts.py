"""The contact list: who is reachable where, optionally grouped by institution (see :mod:`atlas.reports`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from atlas import models as m
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.reports.common import (
    EmptyReportError,
    ReportDocument,
    address_text,
    file_stem,
    footer_text,
    joined_line,
    quarter_name_of,
    report_day,
    sort_key_text,
    term_name_of,
)
from atlas.reports.html import Logo, Page, format_day, render
from atlas.reports.size import contact_list_pages
from atlas.text import fold

if TYPE_CHECKING:
    from atlas.core import Atlas

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
_CHUNK = 900


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
            address=address_text(r[8], r[9], r[10]),
            institution_phone=r[11] or "",
        )
        for r in found
    ]


@dataclass(frozen=True)
class ColumnView:
    key: str
    label: str
    width: str  # percent of the table's width, e.g. "22.0"


@dataclass(frozen=True)
class CellView:
    column: str
    text: str


@dataclass(frozen=True)
class GroupView:
    name: str
    detail: str
    rows: tuple[tuple[CellView, ...], ...]


@dataclass(frozen=True)
class ContactListView:
    """What ``contact_list.html.j2`` shows: ``groups`` when grouped by institution, else ``rows``."""

    title: str
    selection: str
    count: str
    order: str
    stand: str
    columns: tuple[ColumnView, ...]
    rows: tuple[tuple[CellView, ...], ...]
    groups: tuple[GroupView, ...] | None
    privacy: str


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
    day = report_day(atlas, today)
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
        quarter = quarter_name_of(session, quarter_id)
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
            what.append(_("Kategorie {name}").format(name=term_name_of(session, category_id)))
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
        return (sort_key_text(r.last_name), sort_key_text(r.first_name), r.id)

    if sort == "institution" or group:
        rows.sort(key=lambda r: (sort_key_text(r.institution), *by_name(r)))
    elif sort == "function":
        rows.sort(key=lambda r: (sort_key_text(r.function), *by_name(r)))
    else:
        rows.sort(key=by_name)
    # grouped: the institution and its address head each group instead of repeating in every row
    shown = [col for col in cols if not (group and col in ("institution", "address"))]
    landscape = len(shown) >= 5 and "address" in shown
    total = sum(_COLUMN_SHARE[col] for col in shown)
    column_views = tuple(
        ColumnView(col, CONTACT_COLUMNS[col], f"{100 * _COLUMN_SHARE[col] / total:.1f}") for col in shown
    )

    def cells(r: ContactRow) -> tuple[CellView, ...]:
        return tuple(CellView(col, r.cell(col)) for col in shown)

    institutions = {r.institution_id for r in rows if r.institution_id is not None}
    groups: tuple[GroupView, ...] | None = None
    if group:
        members_of: dict[int | None, list[ContactRow]] = defaultdict(list)
        for r in rows:
            members_of[r.institution_id].append(r)
        groups = tuple(
            GroupView(
                name=members[0].institution or _("ohne Einrichtung"),
                detail=joined_line(members[0].address, members[0].institution_phone),
                rows=tuple(cells(r) for r in members),
            )
            for members in members_of.values()
        )
    count = _("{n} Ansprechpersonen aus {k} Einrichtungen").format(n=len(rows), k=len(institutions))
    if len(rows) == 1:
        count = _("1 Ansprechperson")
    order = (
        _("gruppiert nach Einrichtung")
        if group
        else _("sortiert nach {what}").format(what=CONTACT_SORTS[sort])
    )
    title = _("Kontaktliste")
    in_quarter = _("Quartier {name}").format(name=quarter) if quarter and quarter_id is None else ""
    subtitle = joined_line(selection, in_quarter, _("Stand {day}").format(day=format_day(day)))
    view = ContactListView(
        title=title,
        selection=selection,
        count=count,
        order=order,
        stand=_("Stand {day}").format(day=format_day(day)),
        columns=column_views,
        rows=() if group else tuple(cells(r) for r in rows),
        groups=groups,
        privacy=_(
            "Personenbezogene Daten: nur für die Arbeit im Netzwerk verwenden, nicht weitergeben, "
            "nach Gebrauch vernichten."
        ),
    )
    footer = footer_text(day, _("vertraulich – personenbezogene Daten"))
    page = Page(title=title, subtitle=subtitle, footer=footer, logo=logo, landscape=landscape)
    html = render("contact_list.html.j2", page=page, view=view)
    return ReportDocument(
        kind="contact-list",
        title=title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(title, selection, day.isoformat()),
        summary=count,
        landscape=landscape,
        items=tuple(r.sort_name for r in rows),
        estimated_pages=contact_list_pages(len(rows), cols, group),
    )


def split_columns(text: str) -> list[str]:
    """'name,phone, email' -> ['name', 'phone', 'email'] (German labels accepted too)."""
    by_label = {fold(label): key for key, label in CONTACT_COLUMNS.items()}
    out = []
    for part in text.split(","):
        word = part.strip()
        if word:
            out.append(by_label.get(fold(word), word.lower()))
    return out
