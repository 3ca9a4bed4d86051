"""The network: who is really active, the funnel, the dashboard.

"Active" is computed, never typed: an actor is active on a day when it took part in at
least ``min_meetings`` meetings within the ``window_months`` before that day (the rule
lives in the database, so a team shares it). A coach's override, with reason, date and
user, wins over the computation until it is ended. Everything here answers for any
past day too (``at``), from dated funnel steps, attendance and overrides.

Attendance, follow-ups, agreement sides and the calendar export live in
:mod:`atlas.network.meetings` (the ``MeetingWork`` mixin); their names are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import cast

from sqlalchemy import event, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from atlas import models as m
from atlas.changes import ChangeBus
from atlas.clock import SYSTEM, Clock
from atlas.dates import month_end, months_before, shift_month
from atlas.errors import ConflictError, NotFoundError, ValidationError
from atlas.i18n import _
from atlas.network.activity import (
    ActivityRule,
    ActorState,
    decide,
    expected_meetings,
    first_activations,
    missed_meetings,
)
from atlas.network.meetings import RHYTHM_MONTHS, MeetingWork, PartyRow, SheetRow
from atlas.sqlparts import year_month
from atlas.text import clean
from atlas.writelock import lock_for_writing

S = m.ActorStatus
FUNNEL = (S.ADDRESSED, S.INFORMED, S.ACTIVE, S.DORMANT)
STATUS_LABELS = {
    S.ADDRESSED: _("angesprochen"),
    S.INFORMED: _("informiert"),
    S.ACTIVE: _("aktiv"),
    S.DORMANT: _("ruhend"),
}
MONTHS_DE = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")


@dataclass(frozen=True)
class Funnel:
    at: dt.date
    rule: str
    total: int
    counts: dict[str, int]
    by_sector: dict[str, dict[str, int]]
    by_quarter: dict[str, dict[str, int]]

    def as_dict(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "rule": self.rule,
            "total": self.total,
            "counts": self.counts,
            "by_sector": self.by_sector,
            "by_quarter": self.by_quarter,
        }


@dataclass(frozen=True)
class TrendPoint:
    month: str  # "2026-05"
    label: str  # "Mai 26"
    counts: dict[str, int]


@dataclass(frozen=True)
class Dashboard:
    funnel: Funnel
    trend: list[TrendPoint]
    dropping_out: list[tuple[int, str, dt.date]]  # actor id, name, last seen
    follow_ups: list[
        tuple[int, str, str, dt.date | None, int, str]
    ]  # id, task, who, due, meeting id, meeting
    agreements_due: list[tuple[int, str, dt.date]]  # id, title, next review


RULE_KEYS = ("activity.min_meetings", "activity.window_months")


def login_name() -> str:
    """The operating system's login name, the default for who set an override."""
    try:
        return getpass.getuser() or _("unbekannt")
    except (OSError, KeyError, ImportError):
        return _("unbekannt")


class NetworkService(MeetingWork):
    def __init__(
        self, sessions: sessionmaker[Session], changes: ChangeBus, user: str = "", clock: Clock = SYSTEM
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._changes = changes
        #: who sets overrides: the coach's name (the window asks once), else the login name
        self.user = user or login_name()

    # -- the rule ------------------------------------------------------------------
    def rule(self) -> ActivityRule:
        with self._sessions() as session:
            values = dict(
                session.execute(
                    select(m.AppSetting.key, m.AppSetting.value).where(m.AppSetting.key.in_(RULE_KEYS))
                ).all()
            )
        default = ActivityRule()
        try:
            return ActivityRule(
                int(values.get(RULE_KEYS[0], default.min_meetings)),
                int(values.get(RULE_KEYS[1], default.window_months)),
            )
        except ValueError:
            return default

    def set_rule(
        self, min_meetings: int | str, window_months: int | str, expected: ActivityRule | None = None
    ) -> ActivityRule:
        """Store the activity rule. With ``expected`` (the rule the user saw when she
        opened the dialog), a rule someone else stored meanwhile is not overwritten:
        ConflictError naming both."""
        errors: dict[str, str] = {}
        try:
            n = int(min_meetings)
            if not 1 <= n <= 52:
                raise ValueError
        except ValueError:
            errors["min_meetings"] = _("Bitte eine Zahl von 1 bis 52 Treffen angeben.")
        try:
            k = int(window_months)
            if not 1 <= k <= 36:
                raise ValueError
        except ValueError:
            errors["window_months"] = _("Der Zeitraum muss zwischen 1 und 36 Monaten liegen.")
        if errors:
            raise ValidationError(errors)
        with self._sessions.begin() as session:
            lock_for_writing(session, "activity-rule")  # read and write with nobody in between
            if expected is not None:
                stored = dict(
                    session.execute(
                        select(m.AppSetting.key, m.AppSetting.value).where(m.AppSetting.key.in_(RULE_KEYS))
                    ).all()
                )
                default = ActivityRule()
                now = (
                    stored.get(RULE_KEYS[0], str(default.min_meetings)),
                    stored.get(RULE_KEYS[1], str(default.window_months)),
                )
                if now != (str(expected.min_meetings), str(expected.window_months)):
                    raise ConflictError(
                        _(
                            "Die Regel wurde inzwischen an anderer Stelle geändert: jetzt {theirs_n} Treffen "
                            "in {theirs_k} Monaten. Ihre Eingabe ({n} Treffen in {k} Monaten) wurde nicht "
                            "gespeichert; bitte noch einmal ansehen."
                        ).format(theirs_n=now[0], theirs_k=now[1], n=n, k=k)
                    )
            for key, value in zip(RULE_KEYS, (n, k), strict=True):
                setting = session.scalar(select(m.AppSetting).where(m.AppSetting.key == key))
                if setting is None:
                    session.add(m.AppSetting(key=key, value=str(value)))
                else:
                    setting.value = str(value)
        self._changes.emit({"actor", "setting"})
        return ActivityRule(n, k)

    # -- status on a day -----------------------------------------------------------
    def states(self, at: dt.date | None = None, rule: ActivityRule | None = None) -> dict[int, ActorState]:
        """The status of every actor that was in the network on ``at`` (default today)."""
        day = at or self._clock.today()
        rule = rule or self.rule()
        end = dt.datetime.combine(day, dt.time.max)
        start = dt.datetime.combine(months_before(day, rule.window_months), dt.time.max)
        att = m.Attendance
        # rows without an actor are guests (no network members): filtered out below
        by_actor = cast("ColumnElement[int]", att.actor_id)
        with self._sessions() as session:
            window = {
                actor: (n, first)
                for actor, n, first in session.execute(
                    select(by_actor, func.count(func.distinct(att.meeting_id)), func.min(att.meeting_at))
                    .where(att.meeting_at > start, att.meeting_at <= end, by_actor.is_not(None))
                    .group_by(by_actor)
                )
            }
            last_seen = dict(
                session.execute(
                    select(by_actor, func.max(att.meeting_at))
                    .where(att.meeting_at <= end, by_actor.is_not(None))
                    .group_by(by_actor)
                ).all()
            )
            # History matters only for those not active now: was any of them active before?
            idle = [a for a in last_seen if window.get(a, (0, None))[0] < rule.min_meetings]
            ever = {a for a, first in first_activations(session, rule, idle).items() if first <= end}
            stage: dict[int, str] = {}
            ranked = (
                select(
                    m.ActorStatusEvent.actor_id,
                    m.ActorStatusEvent.status,
                    func.row_number()
                    .over(
                        partition_by=m.ActorStatusEvent.actor_id,
                        order_by=(m.ActorStatusEvent.happened_on.desc(), m.ActorStatusEvent.id.desc()),
                    )
                    .label("rank"),
                )
                .where(m.ActorStatusEvent.happened_on <= day)
                .subquery()
            )
            for actor, status in session.execute(
                select(ranked.c.actor_id, ranked.c.status).where(ranked.c.rank == 1)
            ):
                stage[actor] = status
            overrides = {
                actor: (status, reason)
                for actor, status, reason in session.execute(
                    select(m.ActorOverride.actor_id, m.ActorOverride.status, m.ActorOverride.reason)
                    .where(m.ActorOverride.set_on <= day)
                    .where((m.ActorOverride.ended_on.is_(None)) | (m.ActorOverride.ended_on > day))
                    .order_by(m.ActorOverride.set_on, m.ActorOverride.id)
                )
            }
            # "ruhend" needs evidence: recorded meetings in the window it was expected at
            idle_now = [
                a for a in set(stage) | set(last_seen) if window.get(a, (0, None))[0] < rule.min_meetings
            ]
            tables, recorded, attended_own = expected_meetings(session, start, end, idle_now)
        attended_all = {a: {"": n} for a, (n, _first) in window.items()}
        members = set(stage) | set(last_seen) | set(overrides)
        states: dict[int, ActorState] = {}
        for actor in members:
            n, first = window.get(actor, (0, None))
            seen = last_seen.get(actor)
            seen_day = seen.date() if isinstance(seen, dt.datetime) else seen
            first_day = first.date() if isinstance(first, dt.datetime) else first
            if actor in overrides:
                status, reason = overrides[actor]
                states[actor] = ActorState(actor, S(status), n, seen_day, first_day, reason)
                continue
            missed = missed_meetings(actor, None, tables, recorded, attended_own, attended_all)
            computed, by_record = decide(rule, n, actor in ever, seen_day, stage.get(actor), missed)
            states[actor] = ActorState(actor, computed, n, seen_day, first_day, None, missed, by_record)
        return states

    def state_of(self, actor_id: int, at: dt.date | None = None) -> ActorState | None:
        return self.states(at).get(actor_id)

    # -- overrides -----------------------------------------------------------------
    def set_override(self, actor_id: int, status: str, reason: str, on: dt.date | None = None) -> None:
        text = clean(reason)
        errors = {}
        if status not in {s.value for s in S}:
            errors["status"] = _("Bitte einen Status wählen.")
        if not text:
            errors["reason"] = _("Eine Festlegung von Hand braucht eine Begründung.")
        elif len(text) > 1000:
            errors["reason"] = _("Die Begründung ist zu lang (höchstens 1000 Zeichen).")
        if errors:
            raise ValidationError(errors)
        day = on or self._clock.today()
        with self._sessions.begin() as session:
            if session.get(m.Actor, actor_id) is None:
                raise NotFoundError(_("Der Akteur wurde inzwischen gelöscht."))
            self._end_overrides(session, actor_id, day)
            session.add(
                m.ActorOverride(actor_id=actor_id, status=status, reason=text, set_on=day, set_by=self.user)
            )
        self._changes.emit({"actor"}, [actor_id])

    def clear_override(self, actor_id: int, on: dt.date | None = None) -> None:
        with self._sessions.begin() as session:
            self._end_overrides(session, actor_id, on or self._clock.today())
        self._changes.emit({"actor"}, [actor_id])

    def _end_overrides(self, session: Session, actor_id: int, day: dt.date) -> None:
        for current in session.scalars(
            select(m.ActorOverride).where(
                m.ActorOverride.actor_id == actor_id, m.ActorOverride.ended_on.is_(None)
            )
        ):
            current.ended_on = day

    def overrides(self, actor_id: int) -> list[tuple[str, str, dt.date, str, dt.date | None]]:
        """History: status, reason, set on, set by, ended on."""
        with self._sessions() as session:
            return [
                (o.status, o.reason, o.set_on, o.set_by, o.ended_on)
                for o in session.scalars(
                    select(m.ActorOverride)
                    .where(m.ActorOverride.actor_id == actor_id)
                    .order_by(m.ActorOverride.set_on)
                )
            ]

    # -- figures -------------------------------------------------------------------
    def funnel(self, at: dt.date | None = None, states: dict[int, ActorState] | None = None) -> Funnel:
        day = at or self._clock.today()
        rule = self.rule()
        if states is None:
            states = self.states(day, rule)
        with self._sessions() as session:
            info = {
                actor: (sector or _("ohne Sektor"), quarter or _("ohne Quartier"))
                for actor, sector, quarter in session.execute(
                    select(m.Actor.id, m.Term.name, m.Quarter.name)
                    .outerjoin(m.Term, m.Term.id == m.Actor.sector_id)
                    .outerjoin(m.Institution, m.Institution.id == m.Actor.institution_id)
                    .outerjoin(m.Quarter, m.Quarter.id == m.Institution.quarter_id)
                )
            }
        counts = Counter(s.status.value for s in states.values())
        by_sector: dict[str, Counter[str]] = defaultdict(Counter)
        by_quarter: dict[str, Counter[str]] = defaultdict(Counter)
        for actor, state in states.items():
            sector, quarter = info.get(actor, (_("ohne Sektor"), _("ohne Quartier")))
            by_sector[sector][state.status.value] += 1
            by_quarter[quarter][state.status.value] += 1

        def full(c: Counter[str]) -> dict[str, int]:
            return {s.value: c.get(s.value, 0) for s in FUNNEL}

        return Funnel(
            at=day,
            rule=rule.describe(),
            total=len(states),
            counts=full(counts),
            by_sector={k: full(v) for k, v in sorted(by_sector.items())},
            by_quarter={k: full(v) for k, v in sorted(by_quarter.items())},
        )

    def trend(
        self, months: int = 24, at: dt.date | None = None, states: dict[int, ActorState] | None = None
    ) -> list[TrendPoint]:
        """The funnel at the end of each of the last ``months`` months (the current one up to ``at``).

        One grouped query (meetings per actor and month) instead of one query per month:
        the windows are summed from the monthly counts. History (was an idle actor ever
        active?) is asked only for the actors idle at some month end.
        """
        day = at or self._clock.today()
        rule = self.rule()
        keys = [shift_month((day.year, day.month), -back) for back in range(months - 1, -1, -1)]
        att = m.Attendance
        ym = year_month(att.meeting_at)
        oldest = shift_month(keys[0], -rule.window_months)
        since = dt.datetime(oldest[0], oldest[1], 1)
        with self._sessions() as session:
            per_month: dict[int, dict[str, int]] = defaultdict(dict)
            for actor, key, n in session.execute(
                select(att.actor_id, ym, func.count(func.distinct(att.meeting_id)))
                .where(att.meeting_at >= since, att.meeting_at <= dt.datetime.combine(day, dt.time.max))
                .where(att.actor_id.is_not(None))
                .group_by(att.actor_id, ym)
            ):
                per_month[actor][key] = n
            # one index seek per actor (actor_id, meeting_at) instead of scanning the older rows
            seen_before = set(
                session.scalars(
                    select(m.Actor.id).where(
                        select(att.id).where(att.actor_id == m.Actor.id, att.meeting_at < since).exists()
                    )
                )
            )
            events: dict[int, list[tuple[dt.date, int, str]]] = defaultdict(list)
            for actor, happened, ev_id, status in session.execute(
                select(
                    m.ActorStatusEvent.actor_id,
                    m.ActorStatusEvent.happened_on,
                    m.ActorStatusEvent.id,
                    m.ActorStatusEvent.status,
                )
            ):
                events[actor].append((happened, ev_id, status))
            overrides: dict[int, list[tuple[dt.date, dt.date | None, str]]] = defaultdict(list)
            for actor, set_on, ended, status in session.execute(
                select(
                    m.ActorOverride.actor_id,
                    m.ActorOverride.set_on,
                    m.ActorOverride.ended_on,
                    m.ActorOverride.status,
                )
            ):
                overrides[actor].append((set_on, ended, status))
            actors = set(per_month) | set(events) | set(overrides) | seen_before
            windows = [
                {f"{yy}-{mm:02d}" for yy, mm in (shift_month(key, -k) for k in range(rule.window_months))}
                for key in keys[:-1]
            ]
            in_window = {
                actor: [sum(n for k, n in per_month.get(actor, {}).items() if k in w) for w in windows]
                for actor in actors
            }
            idle = {a for a, counts in in_window.items() if any(c < rule.min_meetings for c in counts)}
            activated = first_activations(session, rule, idle & (set(per_month) | seen_before))
            tables, recorded, attended_own = expected_meetings(
                session, since, dt.datetime.combine(day, dt.time.max), idle
            )
        for evs in events.values():
            evs.sort()
        points: list[TrendPoint] = []
        for index, (y, mo) in enumerate(keys):
            if index == len(keys) - 1:
                current = states if states is not None else self.states(day, rule)
                counts = Counter(st.status.value for st in current.values())
            else:
                end_day = month_end(y, mo)
                label = f"{y}-{mo:02d}"
                counts = Counter()
                for actor in actors:
                    over = [
                        o
                        for o in overrides.get(actor, [])
                        if o[0] <= end_day and (o[1] is None or o[1] > end_day)
                    ]
                    if over:
                        counts[over[-1][2]] += 1
                        continue
                    seen = actor in seen_before or any(k <= label for k in per_month.get(actor, {}))
                    stage = None
                    for happened, _id, status in events.get(actor, []):
                        if happened <= end_day:
                            stage = status
                    if stage is None and not seen:
                        continue  # not yet in the network
                    was_active = actor in activated and activated[actor].date() <= end_day
                    missed = missed_meetings(actor, windows[index], tables, recorded, attended_own, per_month)
                    status_now, _held = decide(
                        rule, in_window[actor][index], was_active, end_day if seen else None, stage, missed
                    )
                    counts[status_now.value] += 1
            points.append(
                TrendPoint(
                    f"{y}-{mo:02d}",
                    f"{MONTHS_DE[mo - 1]} {str(y)[2:]}",
                    {st.value: counts.get(st.value, 0) for st in FUNNEL},
                )
            )
        return points

    def dashboard(self, at: dt.date | None = None, months: int = 12) -> Dashboard:
        day = at or self._clock.today()
        rule = self.rule()
        states = self.states(day, rule)
        edge_new = months_before(day, max(rule.window_months - 2, 1))
        edge_old = months_before(day, rule.window_months)
        with self._sessions() as session:
            names = dict(session.execute(select(m.Actor.id, m.Actor.name)).all())
            follow_ups = [
                (f.id, f.task, f.who or "", f.due, mt.id, mt.title)
                for f, mt in session.execute(
                    select(m.FollowUp, m.Meeting)
                    .join(m.Meeting, m.Meeting.id == m.FollowUp.meeting_id)
                    .where(m.FollowUp.done.is_(False))
                    .order_by(m.FollowUp.due.is_(None), m.FollowUp.due, m.FollowUp.id)
                )
            ]
            due = [
                (a.id, a.title, a.next_review)
                for a in session.scalars(
                    select(m.Agreement)
                    .where(
                        m.Agreement.next_review.is_not(None),
                        m.Agreement.next_review <= day + dt.timedelta(days=30),
                    )
                    .order_by(m.Agreement.next_review)
                )
                if a.next_review is not None
            ]
        dropping = sorted(
            (
                (actor, names.get(actor, "?"), s.last_seen)
                for actor, s in states.items()
                if s.last_seen is not None
                and edge_old < s.last_seen <= edge_new
                and s.override_reason is None
            ),
            key=lambda row: row[2],
        )
        return Dashboard(
            funnel=self.funnel(day, states),
            trend=self.trend(months, day, states),
            dropping_out=dropping,  # type: ignore[arg-type]
            follow_ups=follow_ups,
            agreements_due=due,
        )


def install(sessions: sessionmaker[Session], clock: Clock = SYSTEM) -> None:
    """Keep the derived data current on every write path.

    - a dated funnel step whenever an actor's stage is set or changed;
    - ``attendance.meeting_at`` equal to its meeting's start (new rows, moved meetings).
    """

    @event.listens_for(sessions, "before_flush")
    def _before(session: Session, _ctx: object, _instances: object) -> None:
        missing: list[m.Attendance] = []
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, m.Attendance) and obj.meeting_at is None:
                missing.append(obj)
            if not isinstance(obj, m.Actor):
                continue
            history = sa_inspect(obj).attrs.status.history
            if obj in session.new or history.has_changes():
                step = m.ActorStatusEvent(status=obj.status, happened_on=obj.status_since or clock.today())
                step.actor = obj
                session.add(step)
        if missing:
            with session.no_autoflush:
                starts = dict(
                    session.execute(
                        select(m.Meeting.id, m.Meeting.starts_at).where(
                            m.Meeting.id.in_({a.meeting_id for a in missing})
                        )
                    ).all()
                )
            for row in missing:
                row.meeting_at = starts.get(row.meeting_id)

    @event.listens_for(sessions, "after_flush")
    def _after(session: Session, _ctx: object) -> None:
        moved = [
            obj
            for obj in session.dirty
            if isinstance(obj, m.Meeting) and sa_inspect(obj).attrs.starts_at.history.has_changes()
        ]
        for meeting in moved:
            session.connection().execute(
                update(m.Attendance)
                .where(m.Attendance.meeting_id == meeting.id)
                .values(meeting_at=meeting.starts_at)
            )


__all__ = [
    "FUNNEL",
    "RHYTHM_MONTHS",
    "STATUS_LABELS",
    "ActivityRule",
    "ActorState",
    "Dashboard",
    "Funnel",
    "NetworkService",
    "PartyRow",
    "SheetRow",
    "TrendPoint",
    "month_end",
    "months_before",
]
