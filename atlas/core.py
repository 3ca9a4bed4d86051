"""The facade: one :class:`Atlas` offers every service to the UI and the command line."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from atlas import busy
from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import OPTION as CLOCK_OPTION
from atlas.clock import Clock, FixedClock, SystemClock, fixed_day
from atlas.geo import GeocodingService, MapService, QuarterService
from atlas.live import Live
from atlas.network import NetworkService
from atlas.network import install as install_network
from atlas.privacy import PrivacyService
from atlas.records import ENTITIES, ConsentService, MergeService, RecordService, TaxonomyService, search
from atlas.rights import Rights, read_rights
from atlas.travel import TravelService


class Atlas:
    """Built once (in ``main.bootstrap``) from a session factory."""

    def __init__(self, sessions: sessionmaker[Session], user: str = "", clock: Clock | None = None) -> None:
        # The one clock: "today" and "now" of every service. Not given: the day the
        # database names for itself (the demo's), else the system clock.
        self.clock: Clock = clock or database_clock(sessions)
        bind = sessions.kw.get("bind")
        if bind is not None:  # a busy database answers in German (atlas.busy)
            busy.install(getattr(bind, "_proxied", bind))
        if bind is not None:  # column defaults (created_at, updated_at) read it too
            sessions.configure(bind=bind.execution_options(**{CLOCK_OPTION: self.clock}))
        self.sessions = sessions
        # What the logged-in role may do on a team server (all on a file); a refusal
        # names it (atlas.busy).
        self.rights: Rights = read_rights(sessions)
        if bind is not None and bind.dialect.name == "postgresql":
            busy.set_role(getattr(bind, "_proxied", bind), self.rights.role_text)
        search.install(sessions)
        install_network(sessions, self.clock)  # dated funnel steps whenever an actor's stage changes
        self.changes = ChangeBus()
        self.records: dict[str, RecordService] = {
            key: RecordService(spec, sessions, self.changes, self.clock) for key, spec in ENTITIES.items()
        }
        self.taxonomy = TaxonomyService(sessions, self.changes)
        # Two records that are the same: one kept, references moved, undoable.
        self.merging = MergeService(self.records, sessions, self.changes)
        self.maps = MapService(sessions, self.clock)
        # Who is really active: computed from attendance by a rule kept in the database.
        self.network = NetworkService(sessions, self.changes, user, self.clock)
        # The actors list shows, sorts and filters by the computed status, not the recorded stage.
        self.records["actor"].set_computed("status", ComputedStatus(self.network, self.changes, self.clock))
        # DSGVO for contact persons: Art. 15 information and Art. 17 erasure, one action each.
        self.privacy = PrivacyService(sessions, self.changes, self.clock)
        # Consent as a record: who is to be asked again, whose data has been idle too long.
        self.consent = ConsentService(sessions, self.changes, self.clock)
        # The offline copy: taken to an event, merged back (issue 14).
        self.travel = TravelService(sessions, self.changes, self.clock, self.records)
        # Quarter boundaries: point-in-quarter, re-assignment, GeoJSON import. An
        # institution's quarter follows its coordinates on every save.
        self.boundaries = QuarterService(sessions, self.changes)
        self.records["institution"].add_save_hook(self.boundaries.institution_saved)
        # Addresses to places (geopy, cached, one request per second in the whole program).
        self.geocoding = GeocodingService(sessions, self.changes, self.boundaries, self.clock)
        # A team server: every change is told to the other programs, theirs are heard
        # (``ui.workers.Workers.listen`` runs the listener); None on an SQLite file.
        self.live: Live | None = None
        if bind is not None and bind.dialect.name == "postgresql":
            self.live = Live(bind, self.changes, self.network.user, self.clock, EVERYTHING)

    @property
    def institutions(self) -> RecordService:
        return self.records["institution"]

    @property
    def offers(self) -> RecordService:
        return self.records["offer"]

    @property
    def contacts(self) -> RecordService:
        return self.records["contact"]

    @property
    def actors(self) -> RecordService:
        return self.records["actor"]

    @property
    def quarters(self) -> RecordService:
        return self.records["quarter"]

    def stats(self) -> dict[str, Any]:
        """Counts for ``stadtteil-atlas stats``."""
        with self.sessions() as session:

            def count(model: type[m.Record]) -> int:
                return session.scalar(select(func.count()).select_from(model)) or 0

            by_status = {
                status: n
                for status, n in session.execute(
                    select(m.Actor.status, func.count()).group_by(m.Actor.status)
                )
            }
            return {
                "institutions": count(m.Institution),
                "offers": count(m.Offer),
                "contacts": count(m.Contact),
                "actors": count(m.Actor),
                "actors_by_status": {s.value: by_status.get(s.value, 0) for s in m.ActorStatus},
                "quarters": count(m.Quarter),
                "round_tables": count(m.RoundTable),
                "meetings": count(m.Meeting),
                "agreements": count(m.Agreement),
                "institutions_without_coordinates": session.scalar(
                    select(func.count()).select_from(m.Institution).where(m.Institution.lat.is_(None))
                )
                or 0,
            }

    def rebuild_search_index(self) -> None:
        with self.sessions.begin() as session:
            search.rebuild(session.connection())


class ComputedStatus:
    """The actors list's status column: every actor's computed status, kept until the next
    change of anything (or the next day), because the list fetches its rows in chunks of
    120 while scrolling and each computation reads all attendance."""

    def __init__(self, network: NetworkService, changes: ChangeBus, clock: Clock) -> None:
        self._network = network
        self._clock = clock
        self._kept: tuple[object, dict[int, str]] | None = None
        self._generation = 0  # a change while computing: the result is not kept
        changes.subscribe(self._forget)

    def _forget(self, _change: object) -> None:
        self._generation += 1
        self._kept = None

    def __call__(self) -> dict[int, str]:
        day = self._clock.today()
        kept = self._kept
        if kept is None or kept[0] != day:
            generation = self._generation
            kept = (day, {a: s.status.value for a, s in self._network.states(day).items()})
            if generation == self._generation:
                self._kept = kept
        return kept[1]


#: Every kind a change may name: what a program cut off from its team server must assume changed.
EVERYTHING = frozenset({*ENTITIES, "term", "setting", "follow_up"})


#: Shared setting under which a database names a fixed "today" for itself (the demo).
FIXED_TODAY_KEY = "clock.fixed_today"


def database_clock(sessions: sessionmaker[Session]) -> Clock:
    """A fixed clock on the day the database names (the demo's), else the system clock."""
    try:
        with sessions() as session:
            value = session.scalar(select(m.AppSetting.value).where(m.AppSetting.key == FIXED_TODAY_KEY))
    except SQLAlchemyError:  # a database without the settings table yet: no fixed day
        value = None
    day = fixed_day(value)
    return FixedClock(day) if day else SystemClock()
