"""Meetings and agreements: attendance sheet, walk-ins, follow-ups, agreement sides, calendar.

``MeetingWork`` is a mixin of :class:`atlas.network.service.NetworkService`; it uses the service's
``_sessions`` and ``_changes``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import Clock
from atlas.dates import months_before
from atlas.errors import NotFoundError, ValidationError
from atlas.i18n import _
from atlas.text import clean

S = m.ActorStatus


@dataclass(frozen=True)
class SheetRow:
    actor_id: int | None  # None: a guest without an institution (no network member)
    actor: str
    contact_id: int | None
    person: str
    institution: str
    present: bool
    member: bool
    listed_as: str = ""  # "Name, Vorname" for lists on paper; "" without a person


#: Months between reviews for the rhythms an agreement can have (schema.RHYTHM_CHOICES).
RHYTHM_MONTHS = {
    "monatlich": 1,
    "zweimonatlich": 2,
    "vierteljährlich": 3,
    "halbjährlich": 6,
    "jährlich": 12,
}


@dataclass(frozen=True)
class PartyRow:
    actor_id: int
    actor: str
    contact_id: int | None
    role: str
    people: list[tuple[int, str]]


class MeetingWork:
    """Attendance, follow-ups, agreement sides and the calendar export (mixin of NetworkService)."""

    _sessions: sessionmaker[Session]
    _changes: ChangeBus
    _clock: Clock
    user: str  # who records things (the coach's name)

    # -- follow-ups ----------------------------------------------------------------
    def follow_ups(self, meeting_id: int) -> list[tuple[int, str, str, dt.date | None, bool]]:
        """id, task, who, due, done — of one meeting."""
        with self._sessions() as session:
            return [
                (f.id, f.task, f.who or "", f.due, f.done)
                for f in session.scalars(
                    select(m.FollowUp).where(m.FollowUp.meeting_id == meeting_id).order_by(m.FollowUp.id)
                )
            ]

    def add_follow_up(
        self, meeting_id: int, task: str, who: str = "", due: dt.date | str | None = None
    ) -> int:
        from atlas.text import parse_date

        text_task, text_who = clean(task), clean(who)
        errors: dict[str, str] = {}
        if not text_task:
            errors["task"] = _("Bitte die Aufgabe beschreiben.")
        elif len(text_task) > 500:
            errors["task"] = _("Die Aufgabe ist zu lang (höchstens 500 Zeichen).")
        if text_who and len(text_who) > 200:
            errors["who"] = _("„Wer“ ist zu lang (höchstens 200 Zeichen).")
        due_date: dt.date | None = None
        if isinstance(due, str) and due.strip():
            try:
                due_date = parse_date(due)
            except ValueError as err:
                errors["due"] = str(err)
        elif isinstance(due, dt.date):
            due_date = due
        if errors:
            raise ValidationError(errors)
        with self._sessions.begin() as session:
            if session.get(m.Meeting, meeting_id) is None:
                raise NotFoundError(_("Das Treffen wurde inzwischen gelöscht."))
            follow_up = m.FollowUp(
                meeting_id=meeting_id, task=text_task, who=text_who, due=due_date, done=False
            )
            session.add(follow_up)
            session.flush()
            new_id = follow_up.id
        self._changes.emit({"follow_up", "meeting"}, [meeting_id])
        return new_id

    def set_follow_up_done(self, follow_up_id: int, done: bool) -> None:
        with self._sessions.begin() as session:
            follow_up = session.get(m.FollowUp, follow_up_id)
            if follow_up is None:
                raise NotFoundError(_("Die Aufgabe wurde inzwischen gelöscht."))
            follow_up.done = done
        self._changes.emit({"follow_up"}, [follow_up_id])

    def delete_follow_up(self, follow_up_id: int) -> None:
        with self._sessions.begin() as session:
            follow_up = session.get(m.FollowUp, follow_up_id)
            if follow_up is not None:
                session.delete(follow_up)
        self._changes.emit({"follow_up"}, [follow_up_id])

    # -- agreements ----------------------------------------------------------------
    def parties(self, agreement_id: int) -> list[PartyRow]:
        """The sides of an agreement, each with its named contact and the people to choose from."""
        with self._sessions() as session:
            agreement = session.get(m.Agreement, agreement_id)
            if agreement is None:
                raise NotFoundError(_("Die Vereinbarung wurde inzwischen gelöscht."))
            rows = []
            for party in sorted(agreement.parties, key=lambda p: p.actor.name.casefold()):
                actor = party.actor
                people: list[m.Contact] = []
                if actor.institution_id is not None:
                    people = list(
                        session.scalars(
                            select(m.Contact)
                            .where(m.Contact.institution_id == actor.institution_id)
                            .order_by(m.Contact.last_name, m.Contact.first_name)
                        )
                    )
                if actor.contact is not None and actor.contact not in people:
                    people.insert(0, actor.contact)
                rows.append(
                    PartyRow(
                        actor.id,
                        actor.name,
                        party.contact_id,
                        party.role or "",
                        [(c.id, _person(c)) for c in people],
                    )
                )
            return rows

    def set_party(self, agreement_id: int, actor_id: int, contact_id: int | None, role: str = "") -> None:
        text = clean(role)
        if text and len(text) > 120:
            raise ValidationError({"role": _("Die Rolle ist zu lang (höchstens 120 Zeichen).")})
        with self._sessions.begin() as session:
            party = session.scalar(
                select(m.AgreementParty).where(
                    m.AgreementParty.agreement_id == agreement_id, m.AgreementParty.actor_id == actor_id
                )
            )
            if party is None:
                raise NotFoundError(_("Dieser Partner gehört nicht (mehr) zur Vereinbarung."))
            if contact_id is not None and session.get(m.Contact, contact_id) is None:
                raise NotFoundError(_("Die Ansprechperson wurde inzwischen gelöscht."))
            party.contact_id = contact_id
            party.role = text
        self._changes.emit({"agreement"}, [agreement_id])

    def review_done(self, agreement_id: int, on: dt.date | None = None) -> dt.date | None:
        """Record a review (Abstimmung) held today: the next one is due one rhythm later."""
        day = on or self._clock.today()
        with self._sessions.begin() as session:
            agreement = session.get(m.Agreement, agreement_id)
            if agreement is None:
                raise NotFoundError(_("Die Vereinbarung wurde inzwischen gelöscht."))
            months = RHYTHM_MONTHS.get(agreement.review_rhythm or "")
            agreement.next_review = months_before(day, -months) if months else None
            result = agreement.next_review
        self._changes.emit({"agreement"}, [agreement_id])
        return result

    # -- calendar ------------------------------------------------------------------
    def ics(self, meeting_ids: Iterable[int], duration: dt.timedelta = dt.timedelta(hours=2)) -> bytes:
        """The meetings as an iCalendar file (for Outlook and other calendars)."""
        ids = list(meeting_ids)
        if not ids:
            raise ValidationError({"meetings": _("Bitte mindestens ein Treffen auswählen.")})
        with self._sessions() as session:
            meetings = list(
                session.scalars(select(m.Meeting).where(m.Meeting.id.in_(ids)).order_by(m.Meeting.starts_at))
            )
            return _ics(meetings, duration, self._clock.utcnow().replace(tzinfo=dt.UTC))

    # -- attendance ----------------------------------------------------------------
    def sheet(self, meeting_id: int) -> list[SheetRow]:
        """Who is expected (members of the round table, with their people) and who came."""
        with self._sessions() as session:
            meeting = session.get(m.Meeting, meeting_id)
            if meeting is None:
                raise NotFoundError(_("Das Treffen wurde inzwischen gelöscht."))
            present = {
                (a, c)
                for a, c in session.execute(
                    select(m.Attendance.actor_id, m.Attendance.contact_id).where(
                        m.Attendance.meeting_id == meeting_id
                    )
                )
            }
            member_ids: set[int] = set()
            if meeting.round_table_id is not None:
                member_ids = set(
                    session.scalars(
                        select(m.round_table_member.c.actor_id).where(
                            m.round_table_member.c.round_table_id == meeting.round_table_id
                        )
                    )
                )
            actor_ids = member_ids | {a for a, _c in present if a is not None}
            actors = {a.id: a for a in session.scalars(select(m.Actor).where(m.Actor.id.in_(actor_ids)))}
            inst_ids = {a.institution_id for a in actors.values() if a.institution_id}
            people: dict[int, list[m.Contact]] = defaultdict(list)
            for c in session.scalars(
                select(m.Contact).where(m.Contact.institution_id.in_(inst_ids)).order_by(m.Contact.last_name)
            ):
                if c.institution_id is not None:
                    people[c.institution_id].append(c)
            rows: list[SheetRow] = []
            for actor in sorted(actors.values(), key=lambda a: a.name.casefold()):
                inst_name = actor.institution.name if actor.institution else ""
                candidates = list(people.get(actor.institution_id or -1, []))
                if actor.contact is not None and actor.contact not in candidates:
                    candidates.insert(0, actor.contact)
                shown: set[int | None] = set()
                for c in candidates:
                    shown.add(c.id)
                    rows.append(
                        SheetRow(
                            actor.id,
                            actor.name,
                            c.id,
                            _person(c),
                            inst_name,
                            (actor.id, c.id) in present,
                            actor.id in member_ids,
                            _listed(c),
                        )
                    )
                anonymous_present = (actor.id, None) in present
                if not candidates or anonymous_present:
                    rows.append(
                        SheetRow(
                            actor.id,
                            actor.name,
                            None,
                            _("(ohne Namen)"),
                            inst_name,
                            anonymous_present,
                            actor.id in member_ids,
                        )
                    )
                for present_actor, person_id in present:
                    if present_actor == actor.id and person_id is not None and person_id not in shown:
                        contact = session.get(m.Contact, person_id)
                        if contact is not None:
                            rows.append(
                                SheetRow(
                                    present_actor,
                                    actor.name,
                                    person_id,
                                    _person(contact),
                                    inst_name,
                                    True,
                                    actor.id in member_ids,
                                    _listed(contact),
                                )
                            )
            # guests without an institution: people at the meeting, not network members
            guests = [c for a, c in present if a is None and c is not None]
            for contact in session.scalars(
                select(m.Contact).where(m.Contact.id.in_(guests)).order_by(m.Contact.last_name)
            ):
                rows.append(
                    SheetRow(None, _("ohne Einrichtung"), contact.id, _person(contact), "", True, False)
                )
            return rows

    def save_attendance(
        self,
        meeting_id: int,
        present: Iterable[tuple[int | None, int | None]],
        loaded: Iterable[tuple[int | None, int | None]] | None = None,
    ) -> int:
        """Save who came, in one transaction. Returns the number of distinct actors present.

        With ``loaded`` (who was ticked when the sheet was shown), only what the user
        changed is applied: ticks added since then are added, ticks taken away are
        removed, and whatever someone else saved meanwhile for the other people stays
        (:meth:`change_attendance`). Without it, ``present`` replaces the whole list
        (a sheet that is the truth as a whole).

        A pair without an actor is a guest without an institution (it needs the person)."""
        wanted = _pairs(present)
        if loaded is not None:
            before = _pairs(loaded)
            return self.change_attendance(meeting_id, wanted - before, before - wanted)
        with self._sessions.begin() as session:
            self._attendance_allowed(session, meeting_id)
            current = {
                (a.actor_id, a.contact_id): a
                for a in session.scalars(select(m.Attendance).where(m.Attendance.meeting_id == meeting_id))
            }
            for key, row in current.items():
                if key not in wanted:
                    session.delete(row)
            for actor_id, contact_id in sorted(wanted - set(current), key=lambda k: (k[0] or 0, k[1] or 0)):
                session.add(m.Attendance(meeting_id=meeting_id, actor_id=actor_id, contact_id=contact_id))
        self._changes.emit({"meeting", "actor"}, [meeting_id])
        return len({a for a, _c in wanted if a is not None})

    def change_attendance(
        self,
        meeting_id: int,
        added: Iterable[tuple[int | None, int | None]] = (),
        removed: Iterable[tuple[int | None, int | None]] = (),
    ) -> int:
        """Apply ticks and unticks as changes, each per person, in one transaction: two
        coaches ticking the same meeting at once both keep their ticks, and an untick is
        applied as the person did it. Returns the number of distinct actors present."""
        plus, minus = _pairs(added), _pairs(removed)
        with self._sessions.begin() as session:
            self._attendance_allowed(session, meeting_id)
            current = {
                (a.actor_id, a.contact_id): a
                for a in session.scalars(select(m.Attendance).where(m.Attendance.meeting_id == meeting_id))
            }
            for key in minus - plus:
                row = current.pop(key, None)
                if row is not None:
                    session.delete(row)
            for actor_id, contact_id in sorted(plus - set(current), key=lambda k: (k[0] or 0, k[1] or 0)):
                session.add(m.Attendance(meeting_id=meeting_id, actor_id=actor_id, contact_id=contact_id))
            actors = len({a for a, _c in set(current) | plus if a is not None})
        self._changes.emit({"meeting", "actor"}, [meeting_id])
        return actors

    def _attendance_allowed(self, session: Session, meeting_id: int) -> m.Meeting:
        """The meeting, if attendance may be recorded for it (it exists and has begun)."""
        meeting = session.get(m.Meeting, meeting_id)
        if meeting is None:
            raise NotFoundError(_("Das Treffen wurde inzwischen gelöscht."))
        if meeting.starts_at.date() > self._clock.today():
            raise ValidationError(
                {
                    "attendance": _(
                        "Das Treffen liegt in der Zukunft: Anwesenheit kann erst ab dem Tag eingetragen werden."
                    )
                }
            )
        return meeting

    def add_walk_in(
        self,
        meeting_id: int,
        first_name: str,
        last_name: str,
        institution_id: int | None = None,
        function: str = "",
        consent_state: str = m.ConsentState.UNKNOWN.value,
        consent_purpose: str = "",
        recorded_by: str = "",
    ) -> tuple[int | None, int]:
        """Create a contact met at a meeting (and its institution's actor if needed); mark
        them present. A guest without an institution is a person at the meeting, not a
        member of the network: no actor is made for her.

        Consent: asked at the meeting ("erteilt" with a purpose, or "abgelehnt"), dated on
        the meeting's day and recorded by ``recorded_by`` (default: the coach); not asked:
        "unbekannt".

        Returns (actor id or None, contact id).
        """
        last = clean(last_name)
        if not last:
            raise ValidationError({"last_name": _("Bitte mindestens den Nachnamen angeben.")})
        if consent_state not in {s.value for s in m.ConsentState}:
            raise ValidationError({"consent_state": _("Unbekannter Stand der Einwilligung.")})
        purpose = clean(consent_purpose)
        asked = consent_state != m.ConsentState.UNKNOWN.value
        if consent_state == m.ConsentState.GIVEN.value and not purpose:
            raise ValidationError(
                {"consent_purpose": _("Für eine erteilte Einwilligung bitte den Zweck angeben.")}
            )
        with self._sessions.begin() as session:
            meeting = self._attendance_allowed(session, meeting_id)
            contact = m.Contact(
                first_name=clean(first_name),
                last_name=last,
                institution_id=institution_id,
                function=clean(function),
                consent_state=consent_state,
                consent_date=meeting.starts_at.date() if asked else None,
                consent_purpose=purpose if asked else None,
                consent_source=_("Teilnahme: {title}").format(title=meeting.title)[:200] if asked else None,
                consent_recorded_by=(clean(recorded_by) or self.user or "")[:120] or None if asked else None,
            )
            session.add(contact)
            session.flush()
            actor: m.Actor | None = None
            if institution_id is not None:
                actor = session.scalar(
                    select(m.Actor).where(m.Actor.institution_id == institution_id).limit(1)
                )
                if actor is None:
                    inst = session.get(m.Institution, institution_id)
                    if inst is None:
                        raise NotFoundError(_("Die Einrichtung wurde inzwischen gelöscht."))
                    actor = m.Actor(
                        name=inst.name,
                        institution_id=inst.id,
                        sector_id=inst.sector_id,
                        status=S.ADDRESSED.value,
                        status_since=meeting.starts_at.date(),
                    )
                session.add(actor)
                session.flush()
            session.add(
                m.Attendance(
                    meeting_id=meeting_id, actor_id=actor.id if actor else None, contact_id=contact.id
                )
            )
            ids = (actor.id if actor else None, contact.id)
        self._changes.emit({"meeting", "actor", "contact"}, [meeting_id])
        return ids


def _pairs(pairs: Iterable[tuple[int | None, int | None]]) -> set[tuple[int | None, int | None]]:
    return {
        (None if a is None else int(a), None if c is None else int(c))
        for a, c in pairs
        if a is not None or c is not None
    }


def _ics(meetings: Iterable[m.Meeting], duration: dt.timedelta, stamp: dt.datetime) -> bytes:
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    berlin = ZoneInfo("Europe/Berlin")
    calendar = Calendar()
    calendar.add("prodid", "-//Stadtteil-Atlas//DE")
    calendar.add("version", "2.0")
    for meeting in meetings:
        entry = Event()
        entry.add("uid", f"treffen-{meeting.id}@stadtteil-atlas")
        entry.add("dtstamp", stamp)
        start = meeting.starts_at.replace(tzinfo=berlin)
        entry.add("dtstart", start)
        entry.add("dtend", start + duration)
        entry.add("summary", meeting.title)
        if meeting.place:
            entry.add("location", meeting.place)
        if meeting.agenda:
            entry.add("description", meeting.agenda)
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


def _person(contact: m.Contact) -> str:
    return " ".join(p for p in (contact.first_name, contact.last_name) if p)


def _listed(contact: m.Contact) -> str:
    """'Name, Vorname' (as a sign-in sheet's column head says); just the name without a first name."""
    return ", ".join(p for p in (contact.last_name, contact.first_name) if p)


__all__ = ["RHYTHM_MONTHS", "MeetingWork", "PartyRow", "SheetRow"]
