"""Consent as a record, and the review of what is kept (DSGVO Art. 6/7 and Art. 5 (1) e).

A contact's consent is a record of its own: the state ("unbekannt", "erteilt",
"abgelehnt"), the date, the purpose, how it was given and who recorded it. "Erteilt"
needs a date and a purpose. What nobody asked (an imported list, an old record) is
"unbekannt" until a coach asks.

Two lists for the coach, with periods the whole team shares (``app_setting``):

* **Einwilligungen prüfen** – contacts whose consent is missing (unbekannt, abgelehnt)
  or older than ``consent.review_months`` (default 24);
* **Löschfristen** – contacts with no activity (no attendance, no change of the record,
  no role in an agreement still in force) for ``retention.months`` (default 36). They are
  listed for a decision, never deleted by the program: a coach keeps the record (a dated
  line in its notes, which also counts as activity) or erases it under Art. 17.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.dates import months_before
from atlas.errors import ConflictError, NotFoundError, ValidationError
from atlas.i18n import _
from atlas.text import fold, format_date

S = m.ConsentState
STATE_LABELS: dict[str, str] = {
    S.UNKNOWN.value: _("unbekannt"),
    S.GIVEN.value: _("erteilt"),
    S.REFUSED.value: _("abgelehnt"),
}
REVIEW_KEY = "consent.review_months"
RETENTION_KEY = "retention.months"
DEFAULT_REVIEW_MONTHS = 24
DEFAULT_RETENTION_MONTHS = 36
_PERIOD_LIMITS = (1, 240)

_STATE_WORDS: dict[str, str] = {
    **{fold(v): v for v in STATE_LABELS},
    **{w: S.GIVEN.value for w in ("ja", "j", "x", "1", "yes", "y", "true", "wahr", "erteilt", "liegt vor")},
    **{w: S.REFUSED.value for w in ("nein", "n", "0", "no", "false", "falsch", "abgelehnt", "widerrufen")},
    **{w: S.UNKNOWN.value for w in ("?", "unbekannt", "unklar", "offen", "unknown")},
}


def parse_state(text: str) -> str | None:
    """A state from a list's cell ("ja", "erteilt", "nein", "unbekannt" …); None if unclear."""
    return _STATE_WORDS.get(fold(" ".join(text.split())))


def _given(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def implied_state(values: Mapping[str, Any]) -> str:
    """The state of a new contact when none is named: "erteilt" only with date and
    purpose (as migration 0005 read the old records), otherwise "unbekannt"."""
    if _given(values.get("consent_date")) and _given(values.get("consent_purpose")):
        return S.GIVEN.value
    return S.UNKNOWN.value


def problems(values: Mapping[str, Any], today: dt.date | None = None) -> dict[str, str]:
    """German problems of checked consent values (field -> message)."""
    found: dict[str, str] = {}
    if values.get("consent_state") == S.GIVEN.value:
        if values.get("consent_date") is None:
            found["consent_date"] = _("Für eine erteilte Einwilligung bitte das Datum angeben.")
        if not _given(values.get("consent_purpose")):
            found["consent_purpose"] = _("Für eine erteilte Einwilligung bitte den Zweck angeben.")
    day = values.get("consent_date")
    if today is not None and isinstance(day, dt.date) and day > today:
        found["consent_date"] = _("Das Datum der Einwilligung liegt in der Zukunft.")
    return found


@dataclass(frozen=True)
class ReviewRow:
    """One contact in a review list, as display values."""

    contact_id: int
    version: int
    name: str
    institution: str
    state: str  # the German label
    since: dt.date | None  # consent date (consent list) or last activity (retention)
    reason: str


@dataclass(frozen=True)
class Periods:
    review_months: int = DEFAULT_REVIEW_MONTHS
    retention_months: int = DEFAULT_RETENTION_MONTHS


def _person(first: str | None, last: str | None) -> str:
    return ", ".join(p for p in (last, first) if p)


class ConsentService:
    """The two review lists, their shared periods, and "keep" for the retention list."""

    def __init__(self, sessions: sessionmaker[Session], changes: ChangeBus, clock: Clock = SYSTEM) -> None:
        self._sessions = sessions
        self._changes = changes
        self._clock = clock

    # -- periods -------------------------------------------------------------------
    def periods(self) -> Periods:
        with self._sessions() as session:
            stored = dict(
                session.execute(
                    select(m.AppSetting.key, m.AppSetting.value).where(
                        m.AppSetting.key.in_((REVIEW_KEY, RETENTION_KEY))
                    )
                ).all()
            )

        def read(key: str, default: int) -> int:
            try:
                value = int(stored.get(key, default))
            except ValueError:
                return default
            return value if _PERIOD_LIMITS[0] <= value <= _PERIOD_LIMITS[1] else default

        return Periods(read(REVIEW_KEY, DEFAULT_REVIEW_MONTHS), read(RETENTION_KEY, DEFAULT_RETENTION_MONTHS))

    def set_periods(self, review_months: int | str, retention_months: int | str) -> Periods:
        """Store both periods for the whole team; ValidationError in German."""
        checked: dict[str, int] = {}
        errors: dict[str, str] = {}
        for key, value in ((REVIEW_KEY, review_months), (RETENTION_KEY, retention_months)):
            try:
                n = int(value)
                if not _PERIOD_LIMITS[0] <= n <= _PERIOD_LIMITS[1]:
                    raise ValueError
                checked[key] = n
            except ValueError:
                errors[key] = _("Bitte eine Zahl von {lo} bis {hi} Monaten angeben.").format(
                    lo=_PERIOD_LIMITS[0], hi=_PERIOD_LIMITS[1]
                )
        if errors:
            raise ValidationError(errors)
        with self._sessions.begin() as session:
            for key, n in checked.items():
                setting = session.scalar(select(m.AppSetting).where(m.AppSetting.key == key))
                if setting is None:
                    session.add(m.AppSetting(key=key, value=str(n)))
                else:
                    setting.value = str(n)
        self._changes.emit({"setting"})
        return Periods(checked[REVIEW_KEY], checked[RETENTION_KEY])

    # -- Einwilligungen prüfen -------------------------------------------------------
    def to_review(self, today: dt.date | None = None) -> list[ReviewRow]:
        """Contacts whose consent is missing (unbekannt, abgelehnt) or older than the period,
        sorted by name."""
        day = today or self._clock.today()
        months = self.periods().review_months
        cutoff = months_before(day, months)
        c, i = m.Contact, m.Institution
        stmt = (
            select(c.id, c.version, c.first_name, c.last_name, i.name, c.consent_state, c.consent_date)
            .outerjoin(i, i.id == c.institution_id)
            .where(
                or_(
                    c.consent_state != S.GIVEN.value,
                    c.consent_date.is_(None),
                    c.consent_date < cutoff,
                )
            )
        )
        rows: list[ReviewRow] = []
        with self._sessions() as session:
            for cid, version, first, last, inst, state, since in session.execute(stmt):
                if state == S.UNKNOWN.value:
                    reason = _("nicht gefragt")
                elif state == S.REFUSED.value:
                    reason = _("abgelehnt – Daten nur, soweit ohne Einwilligung erlaubt")
                elif since is None:
                    reason = _("erteilt, aber ohne Datum")
                else:
                    reason = _("älter als {n} Monate").format(n=months)
                rows.append(
                    ReviewRow(
                        cid,
                        version,
                        _person(first, last),
                        inst or "",
                        STATE_LABELS.get(state, state),
                        since,
                        reason,
                    )
                )
        rows.sort(key=lambda r: (fold(r.name), r.contact_id))
        return rows

    # -- Löschfristen ----------------------------------------------------------------
    def last_activity(self, session: Session, today: dt.date) -> dict[int, tuple[dt.date, str]]:
        """Per contact: the day of the latest activity and what it was; a role in an
        agreement in force counts as activity today."""
        c, att, party, actor, agr = m.Contact, m.Attendance, m.AgreementParty, m.Actor, m.Agreement
        out: dict[int, tuple[dt.date, str]] = {}

        def note(cid: int | None, day: dt.date | None, what: str) -> None:
            if cid is None or day is None:
                return
            if cid not in out or day > out[cid][0]:
                out[cid] = (day, what)

        for row in session.execute(select(c.id, c.updated_at)):
            note(row[0], row[1].date() if row[1] else None, _("zuletzt geändert"))
        for attended, when in session.execute(
            select(att.contact_id, func.max(att.meeting_at))
            .where(att.contact_id.is_not(None))
            .group_by(att.contact_id)
        ):
            note(attended, when.date() if isinstance(when, dt.datetime) else None, _("letzte Teilnahme"))
        in_force = or_(agr.valid_to.is_(None), agr.valid_to >= today)
        named = select(party.contact_id).join(agr, agr.id == party.agreement_id).where(in_force)
        standing = (
            select(actor.contact_id)
            .join(party, party.actor_id == actor.id)
            .join(agr, agr.id == party.agreement_id)
            .where(in_force)
        )
        for named_id in session.scalars(named.union(standing)):
            note(named_id, today, _("Rolle in einer gültigen Vereinbarung"))
        ended = (
            select(party.contact_id, func.max(agr.valid_to))
            .join(agr, agr.id == party.agreement_id)
            .where(agr.valid_to.is_not(None))
            .group_by(party.contact_id)
        )
        for party_id, until in session.execute(ended):
            note(party_id, until, _("Vereinbarung endete"))
        return out

    def retention_due(self, today: dt.date | None = None) -> list[ReviewRow]:
        """Contacts without any activity for the retention period, longest idle first.
        Nothing is deleted here: the list is for a person to decide."""
        day = today or self._clock.today()
        months = self.periods().retention_months
        cutoff = months_before(day, months)
        c, i = m.Contact, m.Institution
        rows: list[ReviewRow] = []
        with self._sessions() as session:
            activity = self.last_activity(session, day)
            stmt = select(c.id, c.version, c.first_name, c.last_name, i.name, c.consent_state).outerjoin(
                i, i.id == c.institution_id
            )
            for cid, version, first, last, inst, state in session.execute(stmt):
                last_day, what = activity.get(cid, (None, ""))
                if last_day is not None and last_day >= cutoff:
                    continue
                reason = (
                    _("seit {n} Monaten keine Aktivität ({what} {day})").format(
                        n=months, what=what, day=format_date(last_day)
                    )
                    if last_day
                    else _("keine Aktivität bekannt")
                )
                rows.append(
                    ReviewRow(
                        cid,
                        version,
                        _person(first, last),
                        inst or "",
                        STATE_LABELS.get(state, state),
                        last_day,
                        reason,
                    )
                )
        rows.sort(key=lambda r: (r.since or dt.date.min, fold(r.name)))
        return rows

    def keep(self, contact_id: int, by: str, expected_version: int | None = None) -> int:
        """The coach decided to keep the record: a dated line in its notes ("Aufbewahrung
        geprüft …"), which is also the activity that takes it off the list. Returns the new
        version. ConflictError if the record changed since the list was shown."""
        day = self._clock.today()
        who = " ".join(by.split()) or _("unbekannt")
        line = _("Aufbewahrung geprüft am {day} von {by}: wird weiter benötigt.").format(
            day=format_date(day), by=who
        )
        with self._sessions.begin() as session:
            contact = session.get(m.Contact, contact_id)
            if contact is None:
                raise NotFoundError(_("Der Kontakt wurde inzwischen gelöscht."))
            if expected_version is not None and contact.version != expected_version:
                raise ConflictError(_("Der Kontakt wurde inzwischen geändert. Bitte die Liste neu laden."))
            contact.notes = f"{contact.notes.rstrip()}\n{line}" if contact.notes else line
            contact.updated_at = self._clock.utcnow()
            session.flush()
            version = contact.version
        self._changes.emit({"contact"}, [contact_id])
        return version
