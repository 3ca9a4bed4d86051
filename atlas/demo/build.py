"""The demo dataset: a fictitious but realistic partner network in Oberhausen.

``fill_demo(engine, sessions)`` fills a fresh, empty database deterministically (``main.py
build-demo OUT.sqlite`` creates the file and calls it; this package never opens a database
itself and nothing in the program imports it):
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
lists) lives in :mod:`atlas.demo.data`. Names that other code imports from here
(``TODAY``, ``FIRST_NAMES``, ``OFFERS``, ...) remain importable from ``atlas.demo.build``.

Command line: ``python main.py build-demo OUT.sqlite`` builds it and prints the figures.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import unicodedata
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.clock import FixedClock
from atlas.core import FIXED_TODAY_KEY, Atlas

# Names other code imports from here (the network part uses them from atlas.demo.data).
from atlas.demo.data import (  # noqa: F401
    ACCESSIBILITY,
    ACTIVE_MIN_MEETINGS,
    ACTIVE_WINDOW_DAYS,
    ALL,
    CITY,
    CITY_OFFICE,
    CONSENT_PURPOSE,
    CONSENT_SOURCES,
    DEMO_COACH,
    FAMOUS_NAMES,
    FIRST_NAMES,
    FRA,
    FUNCTIONS,
    HOURS,
    INSTITUTIONS,
    LANGUAGES,
    LAST_NAMES,
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
    QUARTER_OF,
    SB,
    STATUS_COUNTS,
    STORY_INSTITUTION,
    STORY_OFFER,
    STREETS,
    TODAY,
    UNPLACED,
    Inst,
    OfferTpl,
)
from atlas.demo.geo import (
    QUARTER_RINGS,
    quarter_geometry,
    random_point_in,
)
from atlas.demo.network import NetworkPart, random_date
from atlas.demo.rounds import HOLIDAYS, MONTHS_DE, ROUND_TABLES, RoundTableTpl  # noqa: F401
from atlas.records import search

# --------------------------------------------------------------------------
# The builder
# --------------------------------------------------------------------------
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def ascii_slug(name: str) -> str:
    """'Öztürk' -> 'oeztuerk', 'Şahin' -> 'sahin' (for e-mail addresses)."""
    low = name.lower().translate(_ASCII)
    plain = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else "-" for c in plain).strip("-")


class _Builder(NetworkPart):
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
            qname = QUARTER_OF[spec.quarter]
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
                    None if rng.random() < 0.1 else random_date(rng, dt.date(2025, 6, 1), self.today)
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
            if pair in seen or pair in FAMOUS_NAMES:
                continue
            seen.add(pair)
            out.append(pair)
        return out

    def _consent(self, contact: m.Contact) -> None:
        """Nine in ten agreed (recorded by the demo's coach); the rest were not asked yet."""
        if self.rng.random() < 0.9:
            contact.consent_date = random_date(self.rng, dt.date(2024, 3, 1), self.today)
            contact.consent_purpose = CONSENT_PURPOSE
            contact.consent_source = self.rng.choice(CONSENT_SOURCES)
            contact.consent_state = m.ConsentState.GIVEN.value
            contact.consent_recorded_by = DEMO_COACH

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


def fill_demo(
    engine: Engine, sessions: sessionmaker[Session], seed: int = 2026, today: dt.date = TODAY
) -> dict[str, Any]:
    """Fill the empty, migrated database behind ``engine`` with the demo and return its figures."""
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
