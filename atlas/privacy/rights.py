"""DSGVO for contact persons: what is stored about a person (Art. 15) and erasure (Art. 17).

Both are one action each. Erasure is final (no undo): the contact row goes, an actor
standing for this person loses her name, and every mention of her in any text field
of any table (``atlas.records.mentions``: "Vorname Name", "Name, Vorname", "A. Name", her
e-mail and phone) is replaced by "[gelöscht]" in the same transaction; attendance rows
stay without the person, so the network's figures keep their counts. Afterwards the
file is vacuumed (``PRAGMA secure_delete`` is on for every connection, ``db.engine``),
the program's older copies of the file are deleted (``atlas.copies``), and the erasure
is written to the register (ids and salted hashes only), which :meth:`reapply_register`
applies again when an older state of the file comes back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from atlas import copies
from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.errors import NotFoundError, ValidationError
from atlas.files import atomic_write
from atlas.i18n import _
from atlas.records import Matcher, Mention, Person, fingerprints, own_identifiers, search
from atlas.records import find as find_mentions
from atlas.records import replace as replace_mentions
from atlas.text import format_date, format_datetime

K = TypeVar("K")

FIELDS = (
    ("first_name", _("Vorname")),
    ("last_name", _("Nachname")),
    ("function", _("Funktion")),
    ("phone", _("Telefon")),
    ("email", _("E-Mail")),
    ("consent_state", _("Stand der Einwilligung")),
    ("consent_date", _("Einwilligung am")),
    ("consent_purpose", _("Zweck der Einwilligung")),
    ("consent_source", _("Einwilligung erteilt über")),
    ("consent_recorded_by", _("Einwilligung erfasst von")),
    ("notes", _("Notizen")),
    ("created_at", _("Erfasst am")),
    ("updated_at", _("Zuletzt geändert am")),
)


#: ``app_setting`` keys: who is responsible (Art. 4 Nr. 7 DSGVO), named in every Art. 15
#: report; the salt of the erasure register's hashes (random, made once).
CONTROLLER_KEY = "privacy.controller"
SALT_KEY = "privacy.salt"
#: A hash of the register as this file last applied it: the register is applied again
#: only when it differs (an older copy came back with the register brought along), not at
#: every opening, and not to a person who was added again later with her consent.
REGISTER_APPLIED_KEY = "privacy.register_applied"

PURPOSES = _(
    "Zwecke: Netzwerkarbeit im Quartier – Kontaktpflege mit Einrichtungen und Akteuren, "
    "Einladungen zu Runden Tischen und Treffen, Teilnahmelisten und Nachweise gegenüber dem "
    "Fördergeber. Die Daten werden nicht an Online-Dienste übermittelt."
)
STORAGE_PERIOD = _(
    "Speicherdauer: solange Sie im Netzwerk mitwirken und Ihre Einwilligung besteht. Kontakte "
    "ohne Aktivität werden regelmäßig zur Löschung geprüft (Löschfristen); nach einer Löschung "
    "werden auch die Sicherungskopien des Programms gelöscht."
)
RIGHTS = _(
    "Ihre Rechte: Sie haben das Recht auf Auskunft (Art. 15 DSGVO), auf Berichtigung (Art. 16), "
    "auf Löschung (Art. 17), auf Einschränkung der Verarbeitung (Art. 18), auf "
    "Datenübertragbarkeit (Art. 20) und auf Widerspruch gegen die Verarbeitung (Art. 21). Eine "
    "Einwilligung können Sie jederzeit mit Wirkung für die Zukunft widerrufen (Art. 7 Abs. 3). "
    "Sie haben außerdem das Recht auf Beschwerde bei einer Datenschutz-Aufsichtsbehörde "
    "(Art. 77 DSGVO), zum Beispiel bei der bzw. dem Landesbeauftragten für Datenschutz Ihres "
    "Bundeslandes."
)
NO_CONTROLLER = _(
    "– noch nicht eingetragen. Bitte unter „Datenschutz → Verantwortliche Stelle …“ Name und "
    "Anschrift der verantwortlichen Organisation eintragen, bevor diese Auskunft herausgegeben wird."
)


def mention_line(mention: Mention) -> str:
    """'Einrichtung „Familienzentrum“ · Notizen: …Aylin Müller kommt…'"""
    return f"{mention.where} „{mention.title}“ · {mention.field}: {mention.excerpt}"


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
    mentions: list[str] = field(default_factory=list)
    controller: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "verantwortlicher": self.controller or NO_CONTROLLER,
            "person": self.name,
            "angaben": self.record,
            "einrichtung": self.institution,
            "im_netzwerk_als": self.actors,
            "teilnahmen": self.meetings,
            "vereinbarungen": self.agreements,
            "aufgaben": self.follow_ups,
            "erwaehnungen": self.mentions,
            "zwecke": PURPOSES,
            "speicherdauer": STORAGE_PERIOD,
            "rechte": RIGHTS,
        }

    def as_text(self, today: dt.date) -> str:
        lines = [
            _("Auskunft nach Art. 15 DSGVO über gespeicherte personenbezogene Daten"),
            _("Person: {name} · Stand {day}").format(name=self.name, day=format_date(today)),
            "",
            _("Verantwortlich (Art. 4 Nr. 7 DSGVO):"),
            *[f"  {line}" for line in (self.controller or NO_CONTROLLER).splitlines() if line.strip()],
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
            (_("Erwähnt in Texten anderer Einträge (wo, Auszug):"), self.mentions),
        ):
            lines += ["", title] + ([f"  – {i}" for i in items] if items else [_("  keine")])
        lines += ["", PURPOSES, "", STORAGE_PERIOD, "", RIGHTS]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ErasureReport:
    name: str
    attendance_kept_anonymously: int
    actors_renamed: int
    follow_ups_changed: int
    agreement_sides: int
    mentions: tuple[Mention, ...] = ()
    copies_removed: int = 0
    compacted: bool = True
    #: who was erased: the window purges its undo history of her (ui.undo); not stored
    person: Person | None = field(default=None, repr=False, compare=False)

    def summary(self) -> str:
        text = _(
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
        if len(self.mentions) == 1:
            text += " " + _("Eine Erwähnung in einem anderen Eintrag wurde durch „[gelöscht]“ ersetzt.")
        elif self.mentions:
            text += " " + _("{n} Erwähnungen in anderen Einträgen wurden durch „[gelöscht]“ ersetzt.").format(
                n=len(self.mentions)
            )
        if self.copies_removed == 1:
            text += " " + _("Eine ältere Sicherungskopie der Datenbank wurde ebenfalls gelöscht.")
        elif self.copies_removed:
            text += " " + _("{n} ältere Sicherungskopien der Datenbank wurden ebenfalls gelöscht.").format(
                n=self.copies_removed
            )
        if not self.compacted:
            text += " " + _(
                "Die Datei konnte nicht verdichtet werden (sie ist gerade in Benutzung); "
                "das geschieht bei der nächsten Löschung."
            )
        return text


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
            person = Person.of(contact)
            mentions = [mention_line(x) for x in find_mentions(session.connection(), person)]
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
                mentions=mentions,
                controller=self._setting(session, CONTROLLER_KEY) or "",
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

    # -- settings -----------------------------------------------------------------
    @staticmethod
    def _setting(session: Session, key: str) -> str | None:
        return session.scalar(select(m.AppSetting.value).where(m.AppSetting.key == key))

    @staticmethod
    def _put_setting(session: Session, key: str, value: str) -> None:
        setting = session.scalar(select(m.AppSetting).where(m.AppSetting.key == key))
        if setting is None:
            session.add(m.AppSetting(key=key, value=value))
        else:
            setting.value = value

    def controller(self) -> str:
        """Who is responsible for the data (name, address, contact), as the team entered it."""
        with self._sessions() as session:
            return self._setting(session, CONTROLLER_KEY) or ""

    def set_controller(self, text: str) -> None:
        value = (text or "").strip()
        if len(value) > 2000:
            raise ValidationError({"controller": _("Die Angabe ist zu lang (höchstens 2000 Zeichen).")})
        with self._sessions.begin() as session:
            self._put_setting(session, CONTROLLER_KEY, value)
        self._changes.emit({"setting"})

    @staticmethod
    def _register_signature(session: Session) -> str:
        lines = sorted(
            f"{entity}:{rid}:{fp}"
            for entity, rid, fp in session.execute(
                select(m.ErasureEntry.entity, m.ErasureEntry.record_id, m.ErasureEntry.fingerprint)
            )
        )
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest() if lines else ""

    def _salt(self, session: Session) -> str:
        salt = self._setting(session, SALT_KEY)
        if not salt:
            salt = secrets.token_hex(32)
            self._put_setting(session, SALT_KEY, salt)
        return salt

    # -- Art. 17 --------------------------------------------------------------------
    def mentions(self, contact_id: int) -> list[Mention]:
        """Where the person is named in other records (what an erasure will replace)."""
        with self._sessions() as session:
            return find_mentions(session.connection(), Person.of(self._contact(session, contact_id)))

    def erase(self, contact_id: int) -> ErasureReport:
        """Art. 17: erase the person and every mention of her, in one transaction; the
        figures keep their counts. Then the file is vacuumed and older copies deleted."""
        with self._sessions.begin() as session:
            report = self._erase(session, self._contact(session, contact_id), register=True)
        return self._after_erasure([report])[0]

    def _erase(self, session: Session, contact: m.Contact, *, register: bool) -> ErasureReport:
        contact_id = contact.id
        person = Person.of(contact)
        name = person.name
        placeholder = _("gelöschte Person")
        if register:
            salt = self._salt(session)
            strong, weak = fingerprints(salt, person)
            for fingerprint in sorted(strong | {weak}):
                session.add(
                    m.ErasureEntry(
                        entity="contact",
                        record_id=contact_id,
                        fingerprint=fingerprint,
                        erased_on=self._clock.today(),
                    )
                )
            session.flush()
            self._put_setting(session, REGISTER_APPLIED_KEY, self._register_signature(session))
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
        session.execute(
            update(m.Attendance).where(m.Attendance.contact_id == contact_id).values(contact_id=None)
        )
        uuid = contact.uuid
        session.delete(contact)
        session.flush()
        conn = session.connection()
        _scrub_travel_base(conn, uuid, Matcher(person))
        person = own_identifiers(conn, person)  # a shared office number is not hers to erase
        found = find_mentions(conn, person)
        changed = replace_mentions(conn, found)
        kinds = {model.__tablename__: kind for model, kind in search.KINDS.items()}
        search.reindex_with_dependants(conn, {kinds[t]: ids for t, ids in changed.items() if t in kinds})
        follow_ups = len(changed.get(m.FollowUp.__tablename__, ()))
        return ErasureReport(name, attendance, renamed, follow_ups, sides, tuple(found), person=person)

    def _after_erasure(self, reports: list[ErasureReport]) -> list[ErasureReport]:
        """Tell the window, compact the file, delete the program's older copies."""
        if not reports:
            return reports
        self._changes.emit(
            {
                "contact",
                "actor",
                "meeting",
                "agreement",
                "follow_up",
                "institution",
                "offer",
                "round_table",
                "quarter",
            },
            [
                r.person.contact_id
                for r in reports
                if r.person is not None and r.person.contact_id is not None
            ],
        )
        compacted = self._compact()
        removed = 0
        bind = self._sessions.kw.get("bind")
        if (
            isinstance(bind, Engine)
            and bind.dialect.name == "sqlite"
            and bind.url.database not in (None, "", ":memory:")
        ):
            removed = len(copies.remove_all(Path(str(bind.url.database))))
        return [
            ErasureReport(
                r.name,
                r.attendance_kept_anonymously,
                r.actors_renamed,
                r.follow_ups_changed,
                r.agreement_sides,
                r.mentions,
                removed,
                compacted,
                r.person,
            )
            for r in reports
        ]

    def _compact(self) -> bool:
        """Merge the search index (dropping deleted entries) and VACUUM, so nothing of the
        person is left in free pages or old index segments. False if the file was busy."""
        bind = self._sessions.kw.get("bind")
        if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
            return True
        try:
            with bind.connect() as conn:
                search.optimize(conn)
                conn.commit()
                conn.exec_driver_sql("VACUUM")
        except DBAPIError:
            return False
        return True

    def reapply_register(self) -> list[ErasureReport]:
        """Erase again whom the register names and who is (back) in the database: after an
        older copy of the file was restored, or a database from before the erasure was
        opened with the register brought along. A contact matches by the same salted
        fingerprint of name and e-mail or phone, or by the same id and the fingerprint of
        her name. Run when a database is opened (``main.bootstrap``)."""
        with self._sessions.begin() as session:
            entries = session.execute(
                select(m.ErasureEntry.record_id, m.ErasureEntry.fingerprint).where(
                    m.ErasureEntry.entity == "contact"
                )
            ).all()
            salt = self._setting(session, SALT_KEY)
            if not entries or not salt:
                return []
            signature = self._register_signature(session)
            if self._setting(session, REGISTER_APPLIED_KEY) == signature:
                return []  # applied already; someone added later again stays
            self._put_setting(session, REGISTER_APPLIED_KEY, signature)
            prints = {fp for _id, fp in entries}
            by_id = {(rid, fp) for rid, fp in entries}
            reports = []
            c = m.Contact
            matched = []
            for cid, first, last, email, phone in session.execute(
                select(c.id, c.first_name, c.last_name, c.email, c.phone)
            ):
                person = Person(
                    cid,
                    (first or "").strip(),
                    (last or "").strip(),
                    (email or "").strip(),
                    (phone or "").strip(),
                )
                strong, weak = fingerprints(salt, person)
                if strong & prints or (cid, weak) in by_id:
                    matched.append(cid)
            for cid in matched:
                reports.append(self._erase(session, self._contact(session, cid), register=False))
        return self._after_erasure(reports)


def erased_people(conn: Connection, people: Mapping[K, Person]) -> set[K]:
    """Which of these people the database's erasure register names (the same rule as
    ``PrivacyService.reapply_register``: a strong fingerprint, or the same id with the
    fingerprint of the name). The offline copy's merge asks it: an erased person does
    not come back."""
    register = m.ErasureEntry.__table__
    entries = conn.execute(
        select(register.c.record_id, register.c.fingerprint).where(register.c.entity == "contact")
    ).all()
    settings = m.AppSetting.__table__
    salt = conn.execute(select(settings.c.value).where(settings.c.key == SALT_KEY)).scalar_one_or_none()
    if not entries or not salt:
        return set()
    prints = {fp for _id, fp in entries}
    by_id = {(rid, fp) for rid, fp in entries}
    found = set()
    for key, person in people.items():
        strong, weak = fingerprints(salt, person)
        if strong & prints or (person.contact_id, weak) in by_id:
            found.add(key)
    return found


def erase_within(session: Session, contact_id: int, clock: Clock) -> str:
    """Erase one person inside the caller's transaction (register, mentions, index) and
    return her name; the caller tells the window and compacts. The offline copy's merge
    uses it for a person erased on the laptop."""
    service = PrivacyService(sessionmaker(), ChangeBus(), clock)
    contact = session.get(m.Contact, contact_id)
    if contact is None:
        return ""
    return service._erase(session, contact, register=True).name


def _scrub_travel_base(conn: Connection, uuid: str, matcher: Matcher) -> None:
    """The offline copy's base rows (``travel_base``) hold rows as they were: the erased
    person's own row becomes an empty stub (it still says she existed, so a copy brought
    back does not bring her back and the laptop's erasure is still recognised), and her
    name in the other rows' texts is replaced as in the records themselves."""
    t = m.travel_base
    conn.execute(update(t).where(t.c.kind == "contact", t.c.key == uuid).values(data="{}"))
    for copy_uuid, kind, key, data in conn.execute(select(t.c.copy_uuid, t.c.kind, t.c.key, t.c.data)).all():
        if not data or data == "{}":
            continue
        row = json.loads(data)
        if not isinstance(row, dict):
            continue
        cleaned = {k: matcher.scrub(v) if isinstance(v, str) else v for k, v in row.items()}
        if cleaned != row:
            text = json.dumps(cleaned, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            where = (t.c.copy_uuid == copy_uuid, t.c.kind == kind, t.c.key == key)
            conn.execute(update(t).where(*where).values(data=text))
