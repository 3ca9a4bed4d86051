"""DSGVO for contact persons: what is stored about a person (Art. 15) and erasure (Art. 17).

Both are one action each. Erasure is final (no undo): the contact row goes, and wherever
the person's name was copied (an actor standing for this person, the "who" of a
follow-up) it is replaced; attendance rows stay without the person, so the network's
figures keep their counts.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.errors import NotFoundError, ValidationError
from atlas.files import atomic_write
from atlas.i18n import _
from atlas.text import format_date, format_datetime

FIELDS = (
    ("first_name", _("Vorname")),
    ("last_name", _("Nachname")),
    ("function", _("Funktion")),
    ("phone", _("Telefon")),
    ("email", _("E-Mail")),
    ("consent_date", _("Einwilligung am")),
    ("consent_purpose", _("Zweck der Einwilligung")),
    ("consent_source", _("Einwilligung erteilt über")),
    ("notes", _("Notizen")),
    ("created_at", _("Erfasst am")),
    ("updated_at", _("Zuletzt geändert am")),
)


@dataclass(frozen=True)
class PersonalData:
    """Everything the database holds about one person, as plain data."""

    name: str
    record: dict[str, str]
    institution: str
    actors: list[str]
    meetings: list[str]
    agreements: list[str]
    follow_ups: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.name,
            "angaben": self.record,
            "einrichtung": self.institution,
            "im_netzwerk_als": self.actors,
            "teilnahmen": self.meetings,
            "vereinbarungen": self.agreements,
            "aufgaben": self.follow_ups,
        }

    def as_text(self, today: dt.date) -> str:
        lines = [
            _("Auskunft nach Art. 15 DSGVO über gespeicherte personenbezogene Daten"),
            _("Person: {name} · Stand {day}").format(name=self.name, day=format_date(today)),
            "",
            _("Gespeicherte Angaben:"),
        ]
        lines += [f"  {label}: {value}" for label, value in self.record.items() if value]
        if self.institution:
            lines += ["", _("Einrichtung: {name}").format(name=self.institution)]
        for title, items in (
            (_("Im Netzwerk geführt als:"), self.actors),
            (_("Teilnahmen an Treffen:"), self.meetings),
            (_("Benannt in Kooperationsvereinbarungen:"), self.agreements),
            (_("Genannt bei Aufgaben aus Treffen:"), self.follow_ups),
        ):
            lines += ["", title] + ([f"  – {i}" for i in items] if items else [_("  keine")])
        lines += [
            "",
            _(
                "Zweck: Netzwerkarbeit im Quartier (Kontaktpflege, Einladungen, Nachweise gegenüber dem "
                "Fördergeber). Die Daten werden nicht an Online-Dienste übermittelt."
            ),
        ]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ErasureReport:
    name: str
    attendance_kept_anonymously: int
    actors_renamed: int
    follow_ups_changed: int
    agreement_sides: int

    def summary(self) -> str:
        return _(
            "„{name}“ wurde gelöscht. {att} Teilnahmen bleiben ohne Namen in den Zahlen, "
            "{act} Akteurseinträge und {fu} Aufgaben wurden unkenntlich gemacht, "
            "{ag} Vereinbarungsseiten haben keine Ansprechperson mehr."
        ).format(
            name=self.name,
            att=self.attendance_kept_anonymously,
            act=self.actors_renamed,
            fu=self.follow_ups_changed,
            ag=self.agreement_sides,
        )


def _name(contact: m.Contact) -> str:
    return " ".join(p for p in (contact.first_name, contact.last_name) if p)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


class PrivacyService:
    def __init__(self, sessions: sessionmaker[Session], changes: ChangeBus, clock: Clock = SYSTEM) -> None:
        self._clock = clock
        self._sessions = sessions
        self._changes = changes

    def _contact(self, session: Session, contact_id: int) -> m.Contact:
        contact = session.get(m.Contact, contact_id)
        if contact is None:
            raise NotFoundError(_("Die Person ist nicht (mehr) gespeichert."))
        return contact

    def personal_data(self, contact_id: int) -> PersonalData:
        with self._sessions() as session:
            contact = self._contact(session, contact_id)
            name = _name(contact)
            meetings = [
                f"{format_datetime(t.starts_at)} {t.title}"
                for t in session.scalars(
                    select(m.Meeting)
                    .join(m.Attendance, m.Attendance.meeting_id == m.Meeting.id)
                    .where(m.Attendance.contact_id == contact_id)
                    .order_by(m.Meeting.starts_at)
                ).unique()
            ]
            agreements = [
                f"{g.title}" + (f" ({p.role})" if p.role else "")
                for p, g in session.execute(
                    select(m.AgreementParty, m.Agreement)
                    .join(m.Agreement, m.Agreement.id == m.AgreementParty.agreement_id)
                    .where(m.AgreementParty.contact_id == contact_id)
                )
            ]
            follow_ups = (
                [
                    f"{f.task} ({f.who})"
                    for f in session.scalars(select(m.FollowUp).where(m.FollowUp.who.contains(name)))
                ]
                if name
                else []
            )
            return PersonalData(
                name=name,
                record={label: _text(getattr(contact, field)) for field, label in FIELDS},
                institution=contact.institution.name if contact.institution else "",
                actors=[
                    a.name for a in session.scalars(select(m.Actor).where(m.Actor.contact_id == contact_id))
                ],
                meetings=meetings,
                agreements=agreements,
                follow_ups=follow_ups,
            )

    def export(self, contact_id: int, path: Path | str, today: dt.date | None = None) -> Path:
        """Art. 15: write what is stored, as readable text (.txt) or JSON (.json)."""
        target = Path(path)
        data = self.personal_data(contact_id)
        if target.suffix.lower() == ".json":
            payload = json.dumps(data.as_dict(), ensure_ascii=False, indent=2).encode("utf-8")
        elif target.suffix.lower() == ".txt":
            payload = data.as_text(today or self._clock.today()).encode("utf-8")
        else:
            raise ValidationError({"file": _("Die Auskunft wird als .txt oder .json gespeichert.")})
        atomic_write(target, lambda handle: handle.write(payload))
        return target

    def erase(self, contact_id: int) -> ErasureReport:
        """Art. 17: erase the person, in one transaction; the figures keep their counts."""
        with self._sessions.begin() as session:
            contact = self._contact(session, contact_id)
            name = _name(contact)
            placeholder = _("gelöschte Person")
            attendance = len(
                session.scalars(select(m.Attendance.id).where(m.Attendance.contact_id == contact_id)).all()
            )
            sides = len(
                session.scalars(
                    select(m.AgreementParty.id).where(m.AgreementParty.contact_id == contact_id)
                ).all()
            )
            renamed = 0
            for actor in session.scalars(select(m.Actor).where(m.Actor.contact_id == contact_id)):
                if actor.institution_id is None:  # the actor stands for this person: its name is hers
                    actor.name = f"{placeholder} ({actor.id})"
                    actor.notes = None
                    renamed += 1
            changed = 0
            if name:
                for follow_up in session.scalars(select(m.FollowUp).where(m.FollowUp.who.contains(name))):
                    follow_up.who = (follow_up.who or "").replace(name, placeholder)
                    changed += 1
            session.execute(
                update(m.Attendance).where(m.Attendance.contact_id == contact_id).values(contact_id=None)
            )
            session.delete(contact)
        self._changes.emit({"contact", "actor", "meeting", "agreement", "follow_up"}, [contact_id])
        return ErasureReport(name, attendance, renamed, changed, sides)
