"""The demo's network: actors and their funnel stages, round tables with a year of
meetings and attendance (story 4's newcomer included), two agreements; and the demo's
calendar helpers. A part of the demo builder (:mod:`atlas.demo.build`), as a mixin.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from atlas import models as m
from atlas.demo.data import (
    ACTIVE_MIN_MEETINGS,
    ACTIVE_WINDOW_DAYS,
    CITY_OFFICE,
    INSTITUTIONS,
    N_ACTORS,
    NETWORK_OFFICE,
    NOT_ACTORS,
    PERSON_ACTORS,
    STATUS_COUNTS,
    STORY_INSTITUTION,
    Inst,
)
from atlas.demo.rounds import HOLIDAYS, MONTHS_DE, ROUND_TABLES, RoundTableTpl


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The n-th given weekday of a month, a week later when that is a holiday."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = first + dt.timedelta(days=offset + 7 * (nth - 1))
    while day in HOLIDAYS:
        day += dt.timedelta(days=7)
    return day


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


class NetworkPart:
    """Actors, round tables, meetings, attendance and agreements of the demo builder."""

    s: Any
    rng: random.Random
    today: dt.date
    quarters: dict[str, m.Quarter]
    institutions: dict[str, m.Institution]
    inst_spec: dict[str, Inst]
    contacts_of: dict[str, list[m.Contact]]
    actors: dict[str, m.Actor]
    actor_contacts: dict[str, list[m.Contact]]
    person_contacts: list[m.Contact]
    term: Callable[[m.Vocabulary, str], m.Term]
    phone: Callable[[], str]

    # -- actors ------------------------------------------------------------
    def build_actors(self, statuses: dict[str, m.ActorStatus]) -> None:
        rng = self.rng
        for name in self.actor_names():
            status = statuses[name]
            since = {
                m.ActorStatus.ACTIVE: (dt.date(2025, 2, 1), dt.date(2026, 5, 1)),
                m.ActorStatus.INFORMED: (dt.date(2026, 1, 15), dt.date(2026, 10, 31)),
                m.ActorStatus.ADDRESSED: (dt.date(2026, 6, 1), dt.date(2026, 11, 12)),
                m.ActorStatus.DORMANT: (dt.date(2026, 4, 1), dt.date(2026, 7, 31)),
            }[status]
            if name in self.institutions:
                inst = self.institutions[name]
                actor = m.Actor(
                    name=name,
                    institution_id=inst.id,
                    sector_id=inst.sector_id,
                    status=status.value,
                    status_since=random_date(rng, *since),
                )
                contacts = self.contacts_of[name]
                # One regular person, a deputy who comes now and then.
                self.actor_contacts[name] = contacts[:2]
            else:
                idx = [p[0] for p in PERSON_ACTORS].index(name)
                contact = self.person_contacts[idx]
                actor = m.Actor(
                    name=f"{contact.first_name} {contact.last_name} ({name})",
                    contact_id=contact.id,
                    sector_id=self.term(m.Vocabulary.SECTOR, PERSON_ACTORS[idx][1]).id,
                    status=status.value,
                    status_since=random_date(rng, *since),
                    notes=f"Einzelperson, aktiv in {PERSON_ACTORS[idx][2]}.",
                )
                self.actor_contacts[name] = [contact]
            self.actors[name] = actor
            self.s.add(actor)
        assert len(self.actors) == N_ACTORS, len(self.actors)
        self.s.flush()

    def actor_names(self) -> list[str]:
        names = [spec.name for spec in INSTITUTIONS if spec.name not in NOT_ACTORS]
        return names + [p[0] for p in PERSON_ACTORS]

    def members_of(self, tpl: RoundTableTpl) -> list[str]:
        out: list[str] = []
        for entry in tpl.members:
            if entry.startswith("@"):
                names = [s.name for s in INSTITUTIONS if s.quarter == entry[1:]]
            else:
                names = [entry]
            out += [n for n in names if n not in NOT_ACTORS and n not in out]
        if tpl.quarter == "Styrum":
            out.append(PERSON_ACTORS[0][0])
        if tpl.quarter == "Alt-Oberhausen":
            out.append(PERSON_ACTORS[1][0])
        return out

    def plan_statuses(self) -> dict[str, m.ActorStatus]:
        """60 active actors, mostly round-table members; the rest spread."""
        rng = self.rng
        members: list[str] = []
        for tpl in ROUND_TABLES:
            members += [n for n in self.members_of(tpl) if n not in members]
        core = {
            NETWORK_OFFICE,
            CITY_OFFICE,
            STORY_INSTITUTION,
            "Jobcenter Oberhausen – Geschäftsstelle Mitte",
            "Jobcenter Oberhausen – Team U25",
            "Agentur für Arbeit Oberhausen",
            "Familienzentrum Alt-Oberhausen",
            "Suchtberatungsstelle Marienkirche",
            "Stadtteilbüro Styrum",
            "Stadtteilbüro Lirich",
            "Gesamtschule Lirich",
            "Mehrgenerationenhaus Styrum",
        }
        names = self.actor_names()
        score = {
            n: rng.random() + (1.2 if n in members else 0.0) + (5.0 if n in core else 0.0) for n in names
        }
        ranked = sorted(names, key=lambda n: -score[n])
        n_active = STATUS_COUNTS[m.ActorStatus.ACTIVE]
        statuses = {n: m.ActorStatus.ACTIVE for n in ranked[:n_active]}
        rest = ranked[n_active:]
        # Dormant actors used to come: prefer members among the rest.
        dormant_pool = [n for n in rest if n in members] + [n for n in rest if n not in members]
        for n in dormant_pool[: STATUS_COUNTS[m.ActorStatus.DORMANT]]:
            statuses[n] = m.ActorStatus.DORMANT
        rest = [n for n in rest if n not in statuses]
        rng.shuffle(rest)
        n_inf = STATUS_COUNTS[m.ActorStatus.INFORMED]
        for n in rest[:n_inf]:
            statuses[n] = m.ActorStatus.INFORMED
        for n in rest[n_inf:]:
            statuses[n] = m.ActorStatus.ADDRESSED
        return statuses

    # -- round tables, meetings, attendance --------------------------------
    def build_round_tables(self) -> None:
        rng = self.rng
        window_start = dt.datetime.combine(self.today - dt.timedelta(days=ACTIVE_WINDOW_DAYS), dt.time())
        now = dt.datetime.combine(self.today, dt.time(23, 59))
        attended: dict[tuple[int, str], list[m.Contact]] = {}  # (meeting index, actor name) -> contacts
        meetings: list[m.Meeting] = []
        meeting_members: list[list[str]] = []
        for tpl in ROUND_TABLES:
            member_names = self.members_of(tpl)
            rt = m.RoundTable(
                name=tpl.name,
                topic=tpl.topic,
                quarter_id=self.quarters[tpl.quarter].id,
                rhythm=tpl.rhythm,
                organiser=NETWORK_OFFICE if tpl.quarter != "Styrum" else "Stadtteilbüro Styrum",
            )
            self.s.add(rt)
            self.s.flush()
            self.s.execute(
                m.round_table_member.insert(),
                [
                    {"round_table_id": rt.id, "actor_id": a}
                    for a in sorted(self.actors[n].id for n in member_names)
                ],
            )
            topics = list(tpl.topics)
            rng.shuffle(topics)
            dates = [nth_weekday(y, mo, tpl.weekday, tpl.nth) for y, mo in tpl.months]
            for k, day in enumerate(dates):
                starts = dt.datetime.combine(day, dt.time(tpl.hour, tpl.minute))
                host = self.institutions[tpl.places[k % len(tpl.places)]]
                items = [topics[k % len(topics)], topics[(k + 1) % len(topics)]]
                agenda = "\n".join(
                    [
                        "1. Begrüßung, Protokoll der letzten Sitzung",
                        f"2. {items[0]}",
                        f"3. {items[1]}",
                        "4. Berichte aus den Einrichtungen",
                        "5. Verschiedenes, nächster Termin",
                    ]
                )
                nxt = dates[k + 1] if k + 1 < len(dates) else None
                minutes = None
                if starts < now:
                    minutes = f"Schwerpunkt: {items[0]}. Vereinbarungen und Aufgaben siehe Anlage."
                    if nxt:
                        minutes += f" Nächstes Treffen am {nxt.strftime('%d.%m.%Y')}."
                meeting = m.Meeting(
                    round_table=rt,
                    kind=m.MeetingKind.ROUND_TABLE.value,
                    title=f"{tpl.name} – {MONTHS_DE[day.month - 1]} {day.year}",
                    starts_at=starts,
                    place=f"{host.name}, {host.street}",
                    agenda=agenda,
                    minutes=minutes,
                )
                self.s.add(meeting)
                idx = len(meetings)
                meetings.append(meeting)
                meeting_members.append(member_names)
                if starts >= now:
                    continue  # still to come: nobody has attended yet
                for name in member_names:
                    actor = self.actors[name]
                    p = {
                        m.ActorStatus.ACTIVE.value: 0.9 if name == NETWORK_OFFICE else 0.75,
                        m.ActorStatus.INFORMED.value: 0.2,
                        m.ActorStatus.ADDRESSED.value: 0.04,
                        m.ActorStatus.DORMANT.value: 0.6 if day < dt.date(2026, 4, 1) else 0.0,
                    }[actor.status]
                    if rng.random() < p:
                        attended[(idx, name)] = self._who(name)
        # A Fachtagung and bilateral meetings: the other half of network work.
        conf_day = dt.datetime(2026, 9, 24, 9, 0)
        conference = m.Meeting(
            kind=m.MeetingKind.CONFERENCE.value,
            title="Fachtagung „Arbeit und Teilhabe im Quartier“",
            starts_at=conf_day,
            place=f"{self.institutions['Mehrgenerationenhaus Styrum'].name}, Saal",
            agenda="\n".join(
                [
                    "9:00 Ankommen und Markt der Möglichkeiten",
                    "9:30 Grußwort der Stadt Oberhausen",
                    "10:00 Vortrag: Sozialraumorientierte Arbeitsmarktpolitik",
                    "11:00 Workshops: Alleinerziehende / Jugend und Beruf / Sucht und Schulden",
                    "13:00 Ergebnisse und Ausblick: Wie geht das Netzwerk nach der Förderung weiter?",
                ]
            ),
            minutes="Etwa 80 Teilnehmende; Dokumentation im Netzwerkbüro.",
        )
        self.s.add(conference)
        conf_idx = len(meetings)
        meetings.append(conference)
        meeting_members.append([])
        for name, actor in self.actors.items():
            p = {
                m.ActorStatus.ACTIVE.value: 0.55,
                m.ActorStatus.INFORMED.value: 0.35,
                m.ActorStatus.ADDRESSED.value: 0.25,
                m.ActorStatus.DORMANT.value: 0.0,
            }[actor.status]
            if rng.random() < p:
                attended[(conf_idx, name)] = self._who(name)[:1]

        def in_window(idx: int) -> bool:
            return window_start <= meetings[idx].starts_at <= now

        def recent(name: str) -> int:
            return sum(1 for (i, n) in attended if n == name and in_window(i))

        # Keep the stored status and the attendance rule in agreement.
        bilateral_days = weekdays(dt.date(2026, 5, 20), self.today - dt.timedelta(days=3))
        for name, actor in self.actors.items():
            if actor.status == m.ActorStatus.ACTIVE.value:
                if recent(name) < ACTIVE_MIN_MEETINGS and (conf_idx, name) not in attended:
                    attended[(conf_idx, name)] = self._who(name)[:1]
                while recent(name) < ACTIVE_MIN_MEETINGS:
                    day = rng.choice(bilateral_days)
                    starts = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 11, 13, 14]), 0))
                    partner = actor.name
                    bilateral = m.Meeting(
                        kind=m.MeetingKind.BILATERAL.value,
                        title=f"Abstimmung Netzwerkbüro – {partner}",
                        starts_at=starts,
                        place=rng.choice([f"bei {partner}", NETWORK_OFFICE, "Videokonferenz"]),
                        agenda="Zusammenarbeit im Netzwerk, gemeinsame Angebote, nächste Schritte",
                        minutes="Gesprächsnotiz im Netzwerkbüro.",
                    )
                    self.s.add(bilateral)
                    idx = len(meetings)
                    meetings.append(bilateral)
                    meeting_members.append([])
                    attended[(idx, name)] = self._who(name)[:1]
                    attended[(idx, NETWORK_OFFICE)] = self._who(NETWORK_OFFICE)[:1]
            else:
                # Drop the most recent extra visits so the rule does not call them active.
                visits = sorted((i for (i, n) in attended if n == name and in_window(i)), reverse=True)
                for i in visits[: max(0, len(visits) - (ACTIVE_MIN_MEETINGS - 1))]:
                    del attended[(i, name)]
        self.s.flush()
        for (idx, name), contacts in sorted(attended.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            for contact in contacts:
                self.s.add(
                    m.Attendance(
                        meeting_id=meetings[idx].id,
                        actor_id=self.actors[name].id,
                        contact_id=contact.id,
                    )
                )
        self.s.flush()
        self._story_four_newcomer(window_start)

    def _story_four_newcomer(self, window_start: dt.datetime) -> None:
        """Story 4: a newer partner of the Runder Tisch Alleinerziehende came once, in October.

        Ticking it at the November meeting (18.11.2026) is its second meeting within the
        window, so the dashboard then says 61 of 100 actors active.
        """
        table = self.s.scalar(select(m.RoundTable).where(m.RoundTable.name == ROUND_TABLES[0].name))
        assert table is not None
        october = self.s.scalar(
            select(m.Meeting).where(
                m.Meeting.round_table_id == table.id,
                m.Meeting.starts_at >= dt.datetime(2026, 10, 1),
                m.Meeting.starts_at < dt.datetime(2026, 11, 1),
            )
        )
        assert october is not None
        members = set(
            self.s.scalars(
                select(m.round_table_member.c.actor_id).where(
                    m.round_table_member.c.round_table_id == table.id
                )
            )
        )
        recent = set(
            self.s.scalars(
                select(m.Attendance.actor_id)
                .join(m.Meeting, m.Meeting.id == m.Attendance.meeting_id)
                .where(m.Meeting.starts_at >= window_start)
            )
        )
        candidates = sorted(
            (name, actor)
            for name, actor in self.actors.items()
            if actor.status == m.ActorStatus.INFORMED.value
            and actor.institution_id is not None
            and actor.id not in members
            and actor.id not in recent
            and self.actor_contacts.get(name)
        )
        name, actor = candidates[0]
        self.s.execute(m.round_table_member.insert(), [{"round_table_id": table.id, "actor_id": actor.id}])
        person = self.actor_contacts[name][0]
        self.s.add(m.Attendance(meeting_id=october.id, actor_id=actor.id, contact_id=person.id))
        self.s.flush()

    def _who(self, name: str) -> list[m.Contact]:
        """Who represents the actor: usually the regular person, now and then the deputy too."""
        contacts = self.actor_contacts[name]
        if len(contacts) > 1:
            r = self.rng.random()
            if r < 0.15:
                return [contacts[1]]
            if r < 0.25:
                return [contacts[0], contacts[1]]
        return [contacts[0]]

    # -- agreements --------------------------------------------------------
    def build_agreements(self) -> None:
        def party(inst_name: str, role: str) -> m.AgreementParty:
            return m.AgreementParty(
                actor_id=self.actors[inst_name].id,
                contact_id=self.actor_contacts[inst_name][0].id,
                role=role,
            )

        city = m.Agreement(
            title="Kooperationsvereinbarung Stadt Oberhausen und Jobcenter Oberhausen: Arbeit und Teilhabe im Quartier",
            signed_on=dt.date(2026, 6, 30),
            valid_from=dt.date(2026, 7, 1),
            valid_to=dt.date(2029, 6, 30),
            projects="\n".join(
                [
                    "1. Quartiersnahe Beratung: gemeinsame Sprechstunden von Jobcenter und Stadt "
                    "in den Stadtteilbüros Lirich und Styrum",
                    "2. Jugend in Ausbildung: aufsuchende Beratung junger Menschen ohne Anschluss, "
                    "gemeinsam mit Schulen, Jugendamt und Trägern",
                    "3. Gesundheitslotsinnen im Quartier als Brücke zwischen Gesundheits- und Arbeitsförderung",
                    "4. Alleinerziehende: Kinderbetreuung während Qualifizierung und Teilzeitausbildung",
                    "Die Liste ist nicht abschließend und kann im vierteljährlichen Jour fixe ergänzt werden.",
                ]
            ),
            review_rhythm="monatlich",
            next_review=dt.date(2026, 12, 2),
            notes=(
                "Beide Seiten benennen eine Ansprechperson. Auf Referentenebene findet ein monatlicher "
                "Abgleich zur Vereinbarung statt; die strategische Abstimmung erfolgt in einem "
                "vierteljährlichen Jour fixe der Leitungen mit den benannten Ansprechpersonen. "
                "Für einzelne Projekte können weitere Ansprechpersonen benannt werden."
            ),
            parties=[
                party(CITY_OFFICE, "Stadt Oberhausen – benannte Ansprechperson"),
                party("Jobcenter Oberhausen – Geschäftsstelle Mitte", "Jobcenter – benannte Ansprechperson"),
            ],
        )
        network = m.Agreement(
            title="Kooperationsvereinbarung Netzwerk Alleinerziehende Alt-Oberhausen",
            signed_on=dt.date(2026, 8, 26),
            valid_from=dt.date(2026, 9, 1),
            valid_to=None,
            projects="\n".join(
                [
                    "1. Gemeinsame Sprechstunde für Alleinerziehende im Familienzentrum (Jobcenter, "
                    "Schuldnerberatung, Beratungscafé)",
                    "2. Verlässliche Kinderbetreuung während Beratung und Qualifizierung",
                    "3. Fortführung des Runden Tisches nach Ende der Projektförderung",
                ]
            ),
            review_rhythm="vierteljährlich",
            next_review=dt.date(2026, 12, 9),
            notes="Der Runde Tisch Alleinerziehende bleibt das Abstimmungsgremium; Einladung durch das Familienzentrum.",
            parties=[
                party("Familienzentrum Alt-Oberhausen", "Koordination"),
                party("Jobcenter Oberhausen – Geschäftsstelle Mitte", "Partner"),
                party(STORY_INSTITUTION, "Partner"),
                party("Beratungscafé Kompass für Alleinerziehende", "Partner"),
                party(NETWORK_OFFICE, "Begleitung bis Förderende"),
            ],
        )
        self.s.add_all([city, network])
        self.s.flush()
