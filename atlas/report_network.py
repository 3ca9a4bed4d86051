"""The network report: funnel, breakdowns, meetings, agreements (see :mod:`atlas.reports`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from atlas import models as m
from atlas.errors import ValidationError
from atlas.i18n import _
from atlas.network import FUNNEL, STATUS_LABELS, months_before
from atlas.report_common import (
    _KIND_LABELS,
    EmptyReportError,
    ReportDocument,
    _footer,
    _header_line,
    _name,
    _today,
    file_stem,
)
from atlas.reporthtml import Logo, Safe, document, fill, format_count, format_day, join
from atlas.reportsvg import Series, trend_svg
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


_NETWORK_CSS = """
.key { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 2.5mm; margin: 3mm 0 2mm 0; }
.key div { border: 0.8pt solid #000; padding: 2mm 2.5mm; break-inside: avoid; min-width: 0;
  overflow-wrap: break-word; }
.key b { display: block; font-size: 17pt; line-height: 1.15; white-space: nowrap; }
.key b.long { font-size: 13pt; line-height: 1.5; }
.key span { font-size: 8.3pt; }
table.figures { font-size: 9pt; }
table.figures td.num, table.figures th.num { width: 17mm; }
table.figures tr.total td { font-weight: bold; border-top: 0.8pt solid #000; border-bottom: 0.8pt solid #000; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
section.block { break-inside: avoid; page-break-inside: avoid; }
figure.chart { margin: 2mm 0 1mm 0; }
"""


def key_figures(figures: Sequence[tuple[int, str]]) -> Safe:
    """The row of figure tiles. Numbers in German (12.345); a long one in a smaller size,
    so that five tiles always share the page's width and none is pushed past its edge."""
    tiles = []
    for n, label in figures:
        number = format_count(n)
        tiles.append(
            fill(
                "<div><b$cls>$n</b><span>$label</span></div>",
                cls=Safe(' class="long"') if len(number) > 6 else Safe(""),
                n=number,
                label=label,
            )
        )
    return join(tiles)


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
    day = _today(atlas, today)
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


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months up to ``today``."""
    day = today
    return months_before(day, 12) + dt.timedelta(days=1), day
