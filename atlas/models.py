"""Typed ORM models of the partner network.

Every table shares ``id``, ``created_at``, ``updated_at`` and ``version``
(:class:`Base`). ``version`` is SQLAlchemy's version counter, so a flush over a
row that someone else changed in between fails instead of overwriting it; the
services compare it with the version the user started editing from.

Every such table is ``AUTOINCREMENT`` on SQLite: plain rowid tables hand the id of
a deleted newest row to the next insert, and then undoing that delete (which puts
the row back with its old id) would collide with the newer record.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from atlas.clock import clock_of

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow(context: Any) -> dt.datetime:
    """Column default of ``created_at``/``updated_at`` (SQLAlchemy passes its execution
    context): the clock ``Atlas`` was handed, else the system clock."""
    return clock_of(context).utcnow()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _with_autoincrement(table_args: Any) -> Any:
    """``__table_args__`` (None, a dict or a tuple ending in an optional dict) plus
    ``sqlite_autoincrement=True``."""
    option = {"sqlite_autoincrement": True}
    if table_args is None:
        return option
    if isinstance(table_args, dict):
        return {**table_args, **option}
    if table_args and isinstance(table_args[-1], dict):
        return (*table_args[:-1], {**table_args[-1], **option})
    return (*table_args, option)


class Record(Base):
    """Columns every entity table has."""

    __abstract__ = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before DeclarativeBase maps the class: merge into the subclass's own table args.
        if not cls.__dict__.get("__abstract__", False):
            cls.__table_args__ = _with_autoincrement(cls.__dict__.get("__table_args__"))
        super().__init_subclass__(**kwargs)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, server_default=func.current_timestamp()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, server_default=func.current_timestamp()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


def new_uuid() -> str:
    """A random UUID (version 4) as 36 characters: the default of ``Travelling.uuid``."""
    return str(uuid_module.uuid4())


class Travelling:
    """A record that can travel (issue 14: the offline copy taken to an event and merged
    back; the ids of the Open Referral export): a UUID that stays the same in every copy,
    whatever integer id a database gives the row. Every insert gets one by default; a
    merge keeps the survivor's. Link tables (attendance, members, parties, target groups)
    have none: they are named by their two sides' UUIDs. (Follow-ups, status steps and
    overrides got theirs in migration 0007.)"""

    uuid: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_uuid)


class Vocabulary(StrEnum):
    """The editable taxonomies."""

    CATEGORY = "category"
    TARGET_GROUP = "target_group"
    SECTOR = "sector"


class ActorStatus(StrEnum):
    ADDRESSED = "angesprochen"
    INFORMED = "informiert"
    ACTIVE = "aktiv"
    DORMANT = "ruhend"


class ConsentState(StrEnum):
    """Whether a contact agreed to be kept (``contact.consent_state``)."""

    UNKNOWN = "unbekannt"  # e.g. imported from a list: to be asked
    GIVEN = "erteilt"  # with date, purpose, source and who recorded it
    REFUSED = "abgelehnt"


class GeocodeState(StrEnum):
    """Where an institution's pin came from (``institution.geocode_status``)."""

    OK = "ok"  # placed by the geocoder
    PENDING = "pending"  # noch nicht verortet: to be geocoded (no network, address changed)
    NOT_FOUND = "not_found"  # the geocoder does not know the address
    FAILED = "failed"  # the geocoder answered with an error or nonsense
    MANUAL = "manual"  # the pin was set by hand; the geocoder leaves it alone
    CONFIRM = "confirm"  # the geocoder's answer is ambiguous or far outside: a person decides


class MeetingKind(StrEnum):
    ROUND_TABLE = "runder_tisch"
    BILATERAL = "bilateral"
    CONFERENCE = "fachtagung"


class Term(Travelling, Record):
    """One entry of a taxonomy (category, target group, sector)."""

    __tablename__ = "term"
    __table_args__ = (UniqueConstraint("vocabulary", "name"),)

    vocabulary: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    color: Mapped[str | None] = mapped_column(String(9))


class Quarter(Travelling, Record):
    __tablename__ = "quarter"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(9))
    notes: Mapped[str | None] = mapped_column(Text)


offer_target_group = Table(
    "offer_target_group",
    Base.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)


class Institution(Travelling, Record):
    __tablename__ = "institution"

    name: Mapped[str] = mapped_column(String(200), index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"), index=True)
    carrier: Mapped[str | None] = mapped_column(String(200))  # Träger
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    quarter_id: Mapped[int | None] = mapped_column(ForeignKey("quarter.id", ondelete="SET NULL"), index=True)
    quarter_manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[str | None] = mapped_column(String(300))
    languages: Mapped[str | None] = mapped_column(String(300))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    # GeocodeState value, or None for an institution without an address.
    geocode_status: Mapped[str | None] = mapped_column(String(20))
    geocoded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    quarter: Mapped[Quarter | None] = relationship()
    sector: Mapped[Term | None] = relationship(foreign_keys=[sector_id])
    category: Mapped[Term | None] = relationship(foreign_keys=[category_id])


class GeocodeCache(Record):
    """Every definitive answer of the geocoder (found or not found), by address, so
    the same address is never asked twice (Nominatim's usage policy)."""

    __tablename__ = "geocode_cache"

    key: Mapped[str] = mapped_column(String(400), unique=True)  # normalised address
    query: Mapped[str] = mapped_column(String(400))  # the text that was sent
    status: Mapped[str] = mapped_column(String(20))  # "found" or "not_found"
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    display_name: Mapped[str | None] = mapped_column(Text)
    candidates_json: Mapped[str | None] = mapped_column(Text)  # [{"lat", "lon", "display_name"}, ...]
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    provider: Mapped[str] = mapped_column(String(300))  # "nominatim https://…"


class Offer(Travelling, Record):
    __tablename__ = "offer"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    schedule: Mapped[str | None] = mapped_column(String(300))
    cost: Mapped[str | None] = mapped_column(String(120))
    languages: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    institution: Mapped[Institution] = relationship()
    category: Mapped[Term | None] = relationship()
    target_groups: Mapped[list[Term]] = relationship(secondary=offer_target_group)


class Contact(Travelling, Record):
    """A person at an institution: personal data under the DSGVO."""

    __tablename__ = "contact"

    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    function: Mapped[str | None] = mapped_column(String(150))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    consent_purpose: Mapped[str | None] = mapped_column(String(300))
    consent_source: Mapped[str | None] = mapped_column(String(200))
    #: see ``ConsentState``: "unbekannt" until asked (imports), "erteilt" or "abgelehnt".
    consent_state: Mapped[str] = mapped_column(
        String(20), default=ConsentState.UNKNOWN.value, server_default="unbekannt", index=True
    )
    consent_recorded_by: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)

    institution: Mapped[Institution | None] = relationship()


class Actor(Travelling, Record):
    """A member of the network: usually an institution, sometimes a single person."""

    __tablename__ = "actor"

    name: Mapped[str] = mapped_column(String(200), index=True)
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"), index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ActorStatus.ADDRESSED.value, index=True)
    status_since: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    institution: Mapped[Institution | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    sector: Mapped[Term | None] = relationship()


round_table_member = Table(
    "round_table_member",
    Base.metadata,
    Column("round_table_id", ForeignKey("round_table.id", ondelete="CASCADE"), primary_key=True),
    Column("actor_id", ForeignKey("actor.id", ondelete="CASCADE"), primary_key=True),
)


class RoundTable(Travelling, Record):
    __tablename__ = "round_table"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    topic: Mapped[str | None] = mapped_column(String(300))
    quarter_id: Mapped[int | None] = mapped_column(ForeignKey("quarter.id", ondelete="SET NULL"))
    rhythm: Mapped[str | None] = mapped_column(String(60))
    organiser: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    quarter: Mapped[Quarter | None] = relationship()
    members: Mapped[list[Actor]] = relationship(secondary=round_table_member)


class Meeting(Travelling, Record):
    __tablename__ = "meeting"

    round_table_id: Mapped[int | None] = mapped_column(
        ForeignKey("round_table.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.ROUND_TABLE.value)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    agenda: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)

    round_table: Mapped[RoundTable | None] = relationship()


class Attendance(Record):
    """One actor (optionally one named person of it) at one meeting.

    When the person is erased under the DSGVO, ``contact_id`` becomes NULL and
    the row stays, so the figures keep their count.
    """

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "actor_id", "contact_id"),
        # The activity figures read attendance by actor and date: these two indexes
        # answer them without touching the meeting table (benchmarks/bench_network.py).
        Index("ix_attendance_actor_at", "actor_id", "meeting_at", "meeting_id"),
        Index("ix_attendance_at", "meeting_at", "actor_id", "meeting_id"),
    )

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    #: NULL for a guest without an institution: a person at the meeting, not a network member.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    #: A copy of the meeting's start, kept equal by atlas.network.service.install.
    meeting_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Agreement(Travelling, Record):
    """A cooperation agreement (Kooperationsvereinbarung)."""

    __tablename__ = "agreement"

    title: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    projects: Mapped[str | None] = mapped_column(Text)
    review_rhythm: Mapped[str | None] = mapped_column(String(60))
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    parties: Mapped[list[AgreementParty]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class AgreementParty(Record):
    """One side of an agreement with its named contact person."""

    __tablename__ = "agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "actor_id"),)

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    role: Mapped[str | None] = mapped_column(String(120))

    actor: Mapped[Actor] = relationship()
    contact: Mapped[Contact | None] = relationship()


class ActorStatusEvent(Travelling, Record):
    """One dated step of an actor through the funnel (angesprochen → informiert → …)."""

    __tablename__ = "actor_status_event"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    happened_on: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(String(300))

    actor: Mapped[Actor] = relationship()


class ActorOverride(Travelling, Record):
    """A coach's decision that overrides the computed status, with reason, date and user.

    The current override is the one without ``ended_on``; ended ones stay as history.
    """

    __tablename__ = "actor_override"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    set_on: Mapped[dt.date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(120))
    ended_on: Mapped[dt.date | None] = mapped_column(Date)


class FollowUp(Travelling, Record):
    """An agreed follow-up of a meeting: task, who, due date, done."""

    __tablename__ = "follow_up"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    task: Mapped[str] = mapped_column(String(500))
    who: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[dt.date | None] = mapped_column(Date, index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class ErasureEntry(Record):
    """An erasure under Art. 17 DSGVO, kept without personal data.

    Only the erased record's id and a salted hash of what identified the person (the salt
    lives in ``app_setting`` ``privacy.salt``), so an erasure can be applied again when an
    older backup comes back, without the register itself naming anyone.
    """

    __tablename__ = "erasure_register"

    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    erased_on: Mapped[dt.date] = mapped_column(Date)


class AppSetting(Record):
    """Settings the whole team shares (they live in the database, not on one PC)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    value: Mapped[str] = mapped_column(Text)


class TravelCopy(Record):
    """An offline copy (issue 14). In the office database one row per copy taken out
    (``role`` "out"); in a copy one row saying what it is (``role`` "self"): the
    identity of the database it came from, when and by whom it was taken, which part
    (``scope``, JSON), and when it was last merged back."""

    __tablename__ = "travel_copy"
    __table_args__ = (UniqueConstraint("uuid", "role"),)

    uuid: Mapped[str] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(10))
    database_uuid: Mapped[str] = mapped_column(String(36))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)
    taken_by: Mapped[str | None] = mapped_column(String(120))
    scope: Mapped[str | None] = mapped_column(Text)
    merged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    merges: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


#: The merge's base: in a copy every travelling row as it was when taken; in the office
#: the rows a merge took from a copy (its base when the same copy comes back). ``key`` is
#: the UUID or a link's UUIDs joined by "|", ``row_id`` the row's id in the copy.
travel_base = Table(
    "travel_base",
    Base.metadata,
    Column("copy_uuid", String(36), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("key", String(120), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("row_id", Integer),
    Column("data", Text, nullable=False),
    # The review reads every row's version, not its data: from this index alone.
    Index("ix_travel_base_versions", "copy_uuid", "kind", "key", "version", "row_id"),
)

#: ``app_setting`` key of this database's identity (migration 0007).
DATABASE_KEY = "database/uuid"

# Bringing a copy back joins each travelling table with the copy's base on (uuid,
# version): this index answers it without reading the rows (migration 0008).
for _mapper in sorted(Base.registry.mappers, key=lambda mapper: mapper.class_.__name__):
    if issubclass(_mapper.class_, Travelling):
        _table = cast(Table, _mapper.local_table)
        Index(f"ix_{_table.name}_uuid_version", _table.c.uuid, _table.c.version)
