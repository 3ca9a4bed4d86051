"""The demo dataset: a fictitious but realistic partner network in Oberhausen.

``build_demo(path)`` creates a fresh database and fills it deterministically:
five quarters with invented boundary polygons, 100 institutions, 150 offers,
200 contacts, 100 actors, four round tables with a year of meetings and
attendance (December 2025 to November 2026), and two cooperation agreements.

Everything is invented. Streets are generic names, e-mail addresses use
``example.org`` (reserved for documentation, RFC 2606), and every phone number
is taken from ``030 23125 000`` – ``030 23125 999``: the block the
Bundesnetzagentur keeps free for film, television and other fiction, so no
real line can ever be reached. Person names are random combinations of common
first and last names; known public figures are excluded.

The clock is fixed: "today" is :data:`TODAY` (a Sunday; the next meeting of the
Runder Tisch Alleinerziehende is on the Wednesday after it). The same seed
always gives the same database.

This module holds the quarter polygons, the geometry helpers and the builder; the
static catalogue (constants, institution, offer and round-table templates, name
lists) lives in :mod:`atlas.demo_data`. Names that other code imports from here
(``TODAY``, ``FIRST_NAMES``, ``OFFERS``, ...) remain importable from ``atlas.demo``.

Command line: ``python -m atlas.demo OUT.sqlite`` builds it and prints the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from atlas import models as m
from atlas import search
from atlas.clock import FixedClock
from atlas.core import FIXED_TODAY_KEY, Atlas
from atlas.demo_data import (
    _FAMOUS,
    _Q,
    ACCESSIBILITY,
    ACTIVE_MIN_MEETINGS,
    ACTIVE_WINDOW_DAYS,
    ALL,
    CITY,
    CITY_OFFICE,
    CONSENT_PURPOSE,
    CONSENT_SOURCES,
    FIRST_NAMES,
    FRA,
    FUNCTIONS,
    HOLIDAYS,
    HOURS,
    INSTITUTIONS,
    LANGUAGES,
    LAST_NAMES,
    MONTHS_DE,
    N_ACTORS,
    N_CONTACTS,
    N_INSTITUTIONS,
    N_OFFERS,
    NETWORK_OFFICE,
    NOT_ACTORS,
    NOT_PUBLIC,
    OFFERS,
    PERSON_ACTORS,
    POSTCODES,
    QUARTER_COLORS,
    QUARTER_NOTES,
    ROUND_TABLES,
    SB,
    STATUS_COUNTS,
    STORY_INSTITUTION,
    STORY_OFFER,
    STREETS,
    TODAY,
    UNPLACED,
    Inst,
    OfferTpl,
    RoundTableTpl,
)
from atlas.demo_geo import (
    QUARTER_RINGS,
    quarter_geometry,
    random_point_in,
)
from db.engine import make_sessions
from db.migrate import open_database


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """The n-th given weekday of a month, a week later when that is a holiday."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = first + dt.timedelta(days=offset + 7 * (nth - 1))
    while day in HOLIDAYS:
        day += dt.timedelta(days=7)
    return day


# --------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def ascii_slug(name: str) -> str:
    """'Öztürk' -> 'oeztuerk', 'Şahin' -> 'sahin' (for e-mail addresses)."""
    low = name.lower().translate(_ASCII)
    plain = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else "-" for c in plain).strip("-")


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class _Builder:
    def __init__(self, session: Any, rng: random.Random, today: dt.date) -> None:
        self.s = session
        self.rng = rng
        self.today = today
        self.terms: dict[tuple[str, str], m.Term] = {
            (t.vocabulary, t.name): t for t in session.scalars(select(m.Term).order_by(m.Term.id))
        }
        self.phones = [f"030 23125 {n:03d}" for n in rng.sample(range(1000), 1000)]
        self.quarters: dict[str, m.Quarter] = {}
        self.institutions: dict[str, m.Institution] = {}
        self.inst_spec: dict[str, Inst] = {}
        self.contacts_of: dict[str, list[m.Contact]] = {}
        self.actors: dict[str, m.Actor] = {}  # by institution name or person label
        self.actor_contacts: dict[str, list[m.Contact]] = {}
        self.person_contacts: list[m.Contact] = []

    def term(self, vocabulary: m.Vocabulary, name: str) -> m.Term:
        return self.terms[(vocabulary.value, name)]

    def phone(self) -> str:
        return self.phones.pop()

    # -- quarters and institutions ----------------------------------------
    def build_quarters(self) -> None:
        for name in QUARTER_RINGS:
            q = m.Quarter(
                name=name,
                boundary_geojson=json.dumps(quarter_geometry(name)),
                color=QUARTER_COLORS[name],
                notes=QUARTER_NOTES[name],
            )
            self.quarters[name] = q
            self.s.add(q)
        self.s.flush()

    def build_institutions(self) -> None:
        rng = self.rng
        for spec in INSTITUTIONS:
            qname = _Q[spec.quarter]
            street = f"{rng.choice(STREETS[qname])} {rng.randint(1, 160)}{rng.choice(['', '', '', '', 'a'])}"
            unplaced = spec.name in UNPLACED
            lon_lat = None if unplaced else random_point_in(rng, QUARTER_RINGS[qname])
            has_quarter = not unplaced or UNPLACED[spec.name]
            inst = m.Institution(
                name=spec.name,
                sector_id=self.term(m.Vocabulary.SECTOR, spec.sector).id,
                category_id=self.term(m.Vocabulary.CATEGORY, spec.category).id,
                carrier=spec.carrier,
                street=street,
                postcode=POSTCODES[qname],
                city=CITY,
                lat=lon_lat[1] if lon_lat else None,
                lon=lon_lat[0] if lon_lat else None,
                quarter_id=self.quarters[qname].id if has_quarter else None,
                quarter_manual=unplaced and has_quarter,
                geocode_status=(m.GeocodeState.PENDING if unplaced else m.GeocodeState.OK).value,
                geocoded_at=None if unplaced else dt.datetime.combine(self.today, dt.time(8, 0)),
                phone=self.phone(),
                email=f"info@{spec.slug}.example.org",
                website=f"https://{spec.slug}.example.org",
                opening_hours=rng.choice(HOURS[spec.style]),
                accessibility=rng.choice(ACCESSIBILITY),
                languages=rng.choice(LANGUAGES),
                is_public=spec.name not in NOT_PUBLIC,
                verified_on=(
                    None if rng.random() < 0.1 else _random_date(rng, dt.date(2025, 6, 1), self.today)
                ),
                notes="Adresse noch nicht auf der Karte verortet (Geokodierung ausstehend)."
                if unplaced
                else None,
            )
            self.institutions[spec.name] = inst
            self.inst_spec[spec.name] = spec
            self.s.add(inst)
        assert len(self.institutions) == N_INSTITUTIONS, len(self.institutions)
        self.s.flush()

    # -- contacts ----------------------------------------------------------
    def _names(self, n: int) -> list[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, str]] = []
        while len(out) < n:
            pair = (self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES))
            if pair in seen or pair in _FAMOUS:
                continue
            seen.add(pair)
            out.append(pair)
        return out

    def _consent(self, contact: m.Contact) -> None:
        if self.rng.random() < 0.9:
            contact.consent_date = _random_date(self.rng, dt.date(2024, 3, 1), self.today)
            contact.consent_purpose = CONSENT_PURPOSE
            contact.consent_source = self.rng.choice(CONSENT_SOURCES)

    def build_contacts(self) -> None:
        rng = self.rng
        specs = list(self.inst_spec.values())
        per_inst = {spec.name: 1 for spec in specs}
        remaining = N_CONTACTS - len(PERSON_ACTORS) - len(specs)
        weights = [max(spec.size, 2) ** 2 if spec.name == CITY_OFFICE else spec.size**2 for spec in specs]
        for spec in rng.choices(specs, weights=weights, k=remaining):
            per_inst[spec.name] += 1
        names = self._names(N_CONTACTS)
        for spec in specs:
            functions = list(FUNCTIONS[spec.style])
            rng.shuffle(functions)
            functions.sort(key=lambda f: "leitung" not in f.lower() and f not in ("Vorsitz", "Vorstand"))
            contacts = []
            for i in range(per_inst[spec.name]):
                first, last = names.pop()
                contact = m.Contact(
                    institution_id=self.institutions[spec.name].id,
                    first_name=first,
                    last_name=last,
                    function=functions[i % len(functions)],
                    phone=self.phone(),
                    email=f"{ascii_slug(first)}.{ascii_slug(last)}@{spec.slug}.example.org",
                )
                self._consent(contact)
                contacts.append(contact)
                self.s.add(contact)
            self.contacts_of[spec.name] = contacts
        for label, _sector, _quarter in PERSON_ACTORS:
            first, last = names.pop()
            contact = m.Contact(
                institution_id=None,
                first_name=first,
                last_name=last,
                function=label,
                phone=self.phone(),
                email=f"{ascii_slug(first)}.{ascii_slug(last)}@privat.example.org",
                notes="Einzelperson im Netzwerk, keine Einrichtung.",
            )
            self._consent(contact)
            self.person_contacts.append(contact)
            self.s.add(contact)
        self.s.flush()

    # -- offers ------------------------------------------------------------
    def build_offers(self) -> None:
        rng = self.rng
        plan: list[tuple[str, OfferTpl]] = []
        story = OfferTpl(
            STORY_OFFER,
            (ALL, FRA),
            "Di 9–12 Uhr und nach Vereinbarung",
            description=(
                "Beratung bei Schulden, Unterhaltsfragen und Pfändung speziell für Alleinerziehende; "
                "Kinder können mitgebracht werden, Kinderbetreuung im Familienzentrum nach Absprache."
            ),
        )
        plan.append((STORY_INSTITUTION, story))
        # Every institution's own category first, then its further categories.
        pools: dict[str, list[OfferTpl]] = {}
        for spec in self.inst_spec.values():
            own = list(OFFERS[spec.category])
            rng.shuffle(own)
            extra = [t for c in spec.extra for t in OFFERS[c]]
            rng.shuffle(extra)
            pools[spec.name] = [
                t for t in own + extra if not t.only or spec.style in t.only or spec.sector in t.only
            ]
            want = 0 if spec.size == 0 else 1 + (spec.size > 1) + (rng.random() < 0.3)
            for _ in range(want - (spec.name == STORY_INSTITUTION)):
                if pools[spec.name]:
                    plan.append((spec.name, pools[spec.name].pop(0)))
        while len(plan) > N_OFFERS:
            i = rng.randrange(1, len(plan))
            name = plan[i][0]
            if sum(1 for p in plan if p[0] == name) > 1:
                plan.pop(i)
        while len(plan) < N_OFFERS:
            name = rng.choice(list(self.inst_spec))
            if pools[name] and self.inst_spec[name].size > 0:
                plan.append((name, pools[name].pop(0)))
        projects = [i for i, (_n, t) in enumerate(plan) if t.project]
        expired = set(rng.sample(projects, min(5, len(projects))))
        offers: list[tuple[m.Offer, tuple[str, ...]]] = []
        for i, (name, tpl) in enumerate(plan):
            spec = self.inst_spec[name]
            inst = self.institutions[name]
            offer = m.Offer(
                institution_id=inst.id,
                title=tpl.title,
                description=tpl.description or None,
                category_id=self.term(m.Vocabulary.CATEGORY, self._category_of(tpl)).id,
                place=rng.choice([None, None, None, f"{inst.street}, {inst.postcode} {CITY}"]),
                schedule=tpl.schedule,
                cost=tpl.cost,
                languages=inst.languages if rng.random() < 0.8 else rng.choice(LANGUAGES),
                capacity=tpl.capacity,
            )
            if i in expired:
                offer.valid_from = dt.date(rng.choice([2023, 2024]), rng.choice([1, 4, 7]), 1)
                offer.valid_to = rng.choice(
                    [dt.date(2025, 12, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)]
                )
                offer.description = (offer.description or "") + " Projekt ausgelaufen."
            elif tpl.project:
                offer.valid_from = dt.date(rng.choice([2025, 2026]), rng.choice([1, 4, 9]), 1)
                offer.valid_to = dt.date(rng.choice([2027, 2028]), 12, 31)
            if spec.name == STORY_INSTITUTION and tpl.title == STORY_OFFER:
                offer.place = "Beratungsraum im Familienzentrum Alt-Oberhausen (dienstags)"
            self.s.add(offer)
            offers.append((offer, tpl.groups))
        self.s.flush()
        # Link tables in a fixed order (the unit of work would order them by chance).
        links = sorted(
            (offer.id, self.term(m.Vocabulary.TARGET_GROUP, g).id) for offer, groups in offers for g in groups
        )
        self.s.execute(m.offer_target_group.insert(), [{"offer_id": o, "term_id": t} for o, t in links])

    @staticmethod
    def _category_of(tpl: OfferTpl) -> str:
        if tpl.title == STORY_OFFER:
            return SB
        for cat, templates in OFFERS.items():
            if tpl in templates:
                return cat
        raise KeyError(tpl.title)

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
                    status_since=_random_date(rng, *since),
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
                    status_since=_random_date(rng, *since),
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
        bilateral_days = _weekdays(dt.date(2026, 5, 20), self.today - dt.timedelta(days=3))
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


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


_STAMPED_TABLES = (
    "term",
    "quarter",
    "institution",
    "offer",
    "contact",
    "actor",
    "round_table",
    "meeting",
    "attendance",
    "agreement",
    "agreement_party",
    "actor_status_event",
    "app_setting",  # the demo's day and the search index version (written before Atlas exists)
)


def build_demo(path: Path, seed: int = 2026, today: dt.date = TODAY) -> dict[str, Any]:
    """Create a fresh demo database at ``path`` (replacing a file there) and return its figures."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        if stale.exists():
            stale.unlink()
    result = open_database(path)
    engine = result.engine
    try:
        sessions = make_sessions(engine)
        # Installs the search-index hook; the demo's clock stands on its own day.
        atlas = Atlas(sessions, clock=FixedClock(dt.datetime.combine(today, dt.time(8, 0))))
        rng = random.Random(seed)
        with sessions.begin() as session:
            b = _Builder(session, rng, today)
            b.build_quarters()
            b.build_institutions()
            b.build_contacts()
            b.build_offers()
            b.build_actors(b.plan_statuses())
            b.build_round_tables()
            b.build_agreements()
            # The demo tells its story on its own day, whatever the date (atlas.core.database_clock).
            session.add(m.AppSetting(key=FIXED_TODAY_KEY, value=today.isoformat()))
            # The link tables were written with Core, which the flush hook does not see.
            search.rebuild(session.connection())
            # Fixed timestamps: the file does not depend on when it was built.
            stamp = dt.datetime.combine(today, dt.time(8, 0))
            for table in _STAMPED_TABLES:
                session.execute(text(f"UPDATE {table} SET created_at = :t, updated_at = :t"), {"t": stamp})
        with engine.connect() as conn:
            # Merge the full-text index into one segment and drop free pages: a smaller file to ship.
            search.optimize(conn)
            conn.commit()
            conn.exec_driver_sql("VACUUM")
        return atlas.stats()
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atlas.demo", description="Baut die Demo-Datenbank.")
    parser.add_argument("out", type=Path, help="Datei der neuen Demo-Datenbank (wird ersetzt)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    stats = build_demo(args.out, seed=args.seed)
    json.dump(stats, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
