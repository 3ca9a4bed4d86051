"""The sign-in sheet of a meeting, and the meetings to choose from (see :mod:`atlas.reports`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from atlas import models as m
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.reports.common import (
    MEETING_KIND_LABELS,
    EmptyReportError,
    ReportDocument,
    file_stem,
    footer_text,
    joined_line,
    report_day,
)
from atlas.reports.html import Logo, Page, format_day, format_long_day, render

if TYPE_CHECKING:
    from atlas.core import Atlas


# -- 2. sign-in sheet ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SignInRow:
    person: str
    institution: str


@dataclass(frozen=True)
class SignInView:
    """What ``sign_in.html.j2`` shows: facts (label, value), expected rows, blank row numbers."""

    heading: str
    facts: tuple[tuple[str, str], ...]
    funding: str
    consent: bool  # the two check-box columns (photos, sharing the contact)
    labels: dict[str, str]
    note: str
    rows: tuple[SignInRow, ...]
    blank_numbers: tuple[int, ...]


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
    day = report_day(atlas, today)
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
        kind = MEETING_KIND_LABELS.get(meeting.kind, "")
        table = meeting.round_table
        table_name = table.name if table else ""
        organiser = (table.organiser if table else "") or ""
        quarter = table.quarter.name if table and table.quarter else ""
    rows: list[SignInRow] = []
    for r in atlas.network.sheet(meeting_id):
        nameless = r.contact_id is None
        # an actor that is a single person is named after the person: no second name
        institution = r.institution or ("" if r.person and r.actor.startswith(r.person) else r.actor)
        rows.append(SignInRow("" if nameless else r.listed_as or r.person, institution))
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
    if consent:
        note = _(
            "¹ Ich bin einverstanden, dass bei der Veranstaltung Fotos gemacht werden, auf denen ich zu sehen "
            "sein kann, und dass sie für die Berichte und die Öffentlichkeitsarbeit des Projekts verwendet werden. "
            "² Ich bin einverstanden, dass Name, Einrichtung und dienstliche Kontaktdaten an die anderen "
            "Teilnehmenden weitergegeben werden. Ohne Kreuz gilt: nicht einverstanden. Beides kann jederzeit "
            "widerrufen werden. Die Liste dient dem Nachweis der Teilnahme gegenüber dem Fördergeber."
        )
    else:
        note = _("Die Liste dient dem Nachweis der Teilnahme gegenüber dem Fördergeber.")
    view = SignInView(
        heading=_("Teilnehmer- und Unterschriftenliste"),
        facts=tuple(facts),
        funding=funding.strip(),
        consent=consent,
        labels={
            "nr": _("Nr."),
            "name": _("Name, Vorname"),
            "institution": _("Einrichtung"),
            "photo": _("Fotos ¹"),
            "share": _("Kontakt teilen ²"),
            "sign": _("Unterschrift"),
        },
        note=note,
        rows=tuple(rows),
        blank_numbers=tuple(range(len(rows) + 1, len(rows) + blank_rows + 1)),
    )
    doc_title = _("Teilnehmerliste: {title}").format(title=title)
    subtitle = joined_line(
        format_day(starts.date()) + " " + time, place, quarter and _("Quartier {name}").format(name=quarter)
    )
    page = Page(title=doc_title, subtitle=subtitle, footer=funding.strip() or footer_text(day), logo=logo)
    html = render("sign_in.html.j2", page=page, view=view)
    return ReportDocument(
        kind="sign-in",
        title=doc_title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(_("Teilnehmerliste"), title, starts.date().isoformat()),
        summary=_("{n} erwartete Personen, {k} Leerzeilen").format(n=len(rows), k=blank_rows),
        items=tuple(r.person or r.institution for r in rows),
    )


def meetings_for_choice(atlas: Atlas, around: dt.date | None = None) -> list[tuple[int, str]]:
    """(id, label) of the meetings, the next ones first, then the past ones (newest first)."""
    day = report_day(atlas, around)
    with atlas.sessions() as session:
        rows = session.execute(select(m.Meeting.id, m.Meeting.starts_at, m.Meeting.title)).all()
    upcoming = sorted((r for r in rows if r[1].date() >= day), key=lambda r: r[1])
    past = sorted((r for r in rows if r[1].date() < day), key=lambda r: r[1], reverse=True)
    return [
        (r[0], f"{format_day(r[1].date())} {r[1].hour:02d}:{r[1].minute:02d} – {r[2]}")
        for r in [*upcoming, *past]
    ]
