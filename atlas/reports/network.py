"""The network report: funnel, breakdowns, meetings, agreements (see :mod:`atlas.reports`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup
from sqlalchemy import func, select

from atlas import models as m
from atlas.dates import months_before
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.network import FUNNEL, STATUS_LABELS
from atlas.reports.common import (
    MEETING_KIND_LABELS,
    EmptyReportError,
    ReportDocument,
    file_stem,
    footer_text,
    joined_line,
    person_name,
    report_day,
)
from atlas.reports.html import Logo, Page, format_count, format_day, render
from atlas.reports.svg import Series, trend_svg
from atlas.text import fold

if TYPE_CHECKING:
    from atlas.core import Atlas

_WITHOUT = (_("ohne Sektor"), _("ohne Quartier"))  # the funnel's names for "not set": listed last


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


Cells = tuple[object, ...]  # a figures row: name, then numbers (or "–")


@dataclass(frozen=True)
class BreakdownView:
    heading: str
    when: str
    head: tuple[str, ...]
    rows: tuple[Cells, ...]
    total: Cells


@dataclass(frozen=True)
class MeetingsView:
    heading: str
    empty: str
    period: str
    summary_head: tuple[str, ...]
    summary: tuple[Cells, ...]
    list_heading: str
    list_head: tuple[str, ...]
    rows: tuple[Cells, ...]  # day, title, kind, actors, people
    note: str


@dataclass(frozen=True)
class AgreementRowView:
    title: str
    parties: str
    signed: str
    valid: str
    review: str
    next_review: str


@dataclass(frozen=True)
class AgreementsView:
    heading: str
    empty: str
    head: tuple[str, ...]
    rows: tuple[AgreementRowView, ...]


@dataclass(frozen=True)
class NetworkView:
    """What ``network.html.j2`` shows."""

    title: str
    period: str
    rule: str
    tiles: tuple[tuple[str, str], ...]  # (number in German, label)
    funnel_heading: str
    funnel_head: tuple[str, ...]
    funnel_rows: tuple[Cells, ...]
    funnel_total: Cells
    trend_heading: str
    chart: Markup | None  # atlas.reports.svg.trend_svg
    chart_caption: str
    too_short: str
    breakdowns: tuple[BreakdownView, ...]
    meetings: MeetingsView
    agreements: AgreementsView


def key_figures(figures: Sequence[tuple[int, str]]) -> tuple[tuple[str, str], ...]:
    """The figure tiles: numbers in German (12.345). The template sets a long one (more than
    six characters) in a smaller size, so that five tiles always share the page's width and
    none is pushed past its edge."""
    return tuple((format_count(n), label) for n, label in figures)


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
    day = report_day(atlas, today)
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
    key = key_figures(
        (
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
        stage_rows.append((STATUS_LABELS[status], a, b, f"{b - a:+d}" if b != a else "±0"))
    change = funnel_end.total - funnel_start.total
    chart = None
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
        chart = trend_svg([p.label for p in trend], series)
    view = NetworkView(
        title=_("Netzwerkbericht"),
        period=_("Berichtszeitraum {period}").format(period=period),
        rule=_("Aktiv wird berechnet, nicht eingetragen: {rule}.").format(rule=funnel_end.rule),
        tiles=key,
        funnel_heading=_("Akteure nach Stufe"),
        funnel_head=(_("Stufe"), format_day(before), format_day(until), _("Veränderung")),
        funnel_rows=tuple(stage_rows),
        funnel_total=(
            _("gesamt"),
            funnel_start.total,
            funnel_end.total,
            f"{change:+d}" if change else "±0",
        ),
        trend_heading=_("Entwicklung"),
        chart=chart,
        chart_caption=_("Stand jeweils am Monatsende (der letzte Monat bis {day}).").format(
            day=format_day(until)
        ),
        too_short=_("Für einen Verlauf ist der Zeitraum zu kurz."),
        breakdowns=(
            _breakdown(_("Nach Sektor"), _("Sektor"), funnel_end.by_sector, until),
            _breakdown(_("Nach Quartier"), _("Quartier"), funnel_end.by_quarter, until),
        ),
        meetings=_meetings_view(meetings, start, until),
        agreements=_agreements_view(agreements),
    )
    title = _("Netzwerkbericht")
    subtitle = joined_line(
        _("Berichtszeitraum {period}").format(period=period), _("Stand {day}").format(day=format_day(day))
    )
    page = Page(title=title, subtitle=subtitle, footer=footer_text(day), logo=logo)
    html = render("network.html.j2", page=page, view=view)
    return ReportDocument(
        kind="network",
        title=title,
        subtitle=subtitle,
        html=html,
        file_stem=file_stem(title, start.isoformat(), end.isoformat()),
        summary=_("{n} Akteure, {k} Treffen").format(n=funnel_end.total, k=len(meetings)),
        items=tuple(x.title for x in meetings),
    )


def _breakdown(
    heading: str, first: str, groups: Mapping[str, Mapping[str, int]], until: dt.date
) -> BreakdownView:
    rows: list[Cells] = []
    totals = dict.fromkeys((s.value for s in FUNNEL), 0)
    for name, counts in sorted(groups.items(), key=lambda kv: (kv[0] in _WITHOUT, fold(kv[0]))):
        for s in FUNNEL:
            totals[s.value] += counts.get(s.value, 0)
        rows.append((name, *(counts.get(s.value, 0) for s in FUNNEL), sum(counts.values())))
    return BreakdownView(
        heading=heading,
        when=_("Stand {day}").format(day=format_day(until)),
        head=(first, *(STATUS_LABELS[s] for s in FUNNEL), _("gesamt")),
        rows=tuple(rows),
        total=(_("gesamt"), *(totals[s.value] for s in FUNNEL), sum(totals.values())),
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
            kind=MEETING_KIND_LABELS.get(r[3], r[3] or ""),
            round_table=r[4] or "",
            actors=int(actors.get(r[0], 0)),
            people=int(people.get(r[0], 0)),
        )
        for r in rows
    ]


def _meetings_view(meetings: Sequence[MeetingFigure], start: dt.date, until: dt.date) -> MeetingsView:
    groups: dict[str, list[MeetingFigure]] = defaultdict(list)
    for x in meetings:
        groups[x.round_table or x.kind or _("sonstige")].append(x)
    summary: list[Cells] = []
    for name, items in sorted(groups.items(), key=lambda kv: fold(kv[0])):
        recorded = [x for x in items if x.people]  # the average only over meetings with attendance
        avg = sum(x.actors for x in recorded) / len(recorded) if recorded else None
        summary.append(
            (
                name,
                len(items),
                sum(x.actors for x in items),
                "–" if avg is None else f"{avg:.1f}".replace(".", ","),
            )
        )
    unrecorded = any(not x.people for x in meetings)
    return MeetingsView(
        heading=_("Treffen und Teilnahme"),
        empty=_("Im Zeitraum fanden keine Treffen statt."),
        period=_("{start} bis {end}").format(start=format_day(start), end=format_day(until)),
        summary_head=(_("Runder Tisch / Art"), _("Treffen"), _("Teilnahmen"), _("je Treffen")),
        summary=tuple(summary),
        list_heading=_("Alle Treffen"),
        list_head=(_("Datum"), _("Treffen"), _("Art"), _("Akteure"), _("Personen")),
        rows=tuple(
            (
                format_day(x.day),
                x.title,
                x.kind,
                x.actors if x.people else "–",
                x.people if x.people else "–",
            )
            for x in meetings
        ),
        note=_("– = Anwesenheit noch nicht eingetragen (nicht im Durchschnitt).") if unrecorded else "",
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
                person = (
                    person_name(party.contact.first_name, party.contact.last_name) if party.contact else ""
                )
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


def _agreements_view(agreements: Sequence[AgreementFigure]) -> AgreementsView:
    def day_or_dash(value: dt.date | None) -> str:
        return format_day(value) if value else "–"

    return AgreementsView(
        heading=_("Kooperationsvereinbarungen"),
        empty=_("Im Zeitraum galt keine Vereinbarung."),
        head=(_("Vereinbarung und Partner"), _("unterzeichnet"), _("gültig"), _("Abstimmung")),
        rows=tuple(
            AgreementRowView(
                title=a.title,
                parties=_("Partner: {names}").format(names="; ".join(a.parties) or "–"),
                signed=day_or_dash(a.signed_on),
                valid=f"{day_or_dash(a.valid_from)} – {format_day(a.valid_to) if a.valid_to else _('offen')}",
                review=a.review,
                next_review=_("nächste: {day}").format(day=format_day(a.next_review))
                if a.next_review
                else "",
            )
            for a in agreements
        ),
    )


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months up to ``today``."""
    day = today
    return months_before(day, 12) + dt.timedelta(days=1), day
