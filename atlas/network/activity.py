"""The activity rule: when an actor counts as active, and what makes it dormant.

Active on a day = at least ``min_meetings`` distinct meetings within the ``window_months``
before it. Dormant needs evidence: an actor that was active (recorded so, or by its
attendance) is dormant only when it missed *recorded* meetings it was expected at (those of
its round tables with attendance; an actor in none is expected at every recorded meeting).
Without such evidence the recorded stage holds. :mod:`atlas.network.service` applies this to every
actor on a day and month by month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.i18n import _
from atlas.sqlparts import months_earlier, year_month

S = m.ActorStatus


@dataclass(frozen=True)
class ActivityRule:
    min_meetings: int = 2
    window_months: int = 6

    def describe(self) -> str:
        return _("aktiv = mindestens {n} Treffen in den letzten {k} Monaten").format(
            n=self.min_meetings, k=self.window_months
        )


@dataclass(frozen=True)
class ActorState:
    """Why an actor has its status on a day."""

    actor_id: int
    status: S
    meetings: int  # attended within the window
    last_seen: dt.date | None
    first_in_window: dt.date | None
    override_reason: str | None = None
    #: recorded meetings within the window that it was expected at and missed
    missed: int = 0
    #: the recorded stage holds: no meeting it was expected at was recorded in the window
    by_record: bool = False

    def why(self) -> str:
        if self.override_reason is not None:
            return _("von Hand festgelegt: {reason}").format(reason=self.override_reason)
        if self.by_record:
            return _("laut Erfassung, noch keine Treffen erfasst")
        if self.status is S.DORMANT and self.missed:
            if self.last_seen:
                return _("{n} erfasste Treffen verpasst, zuletzt dabei am {day}").format(
                    n=self.missed, day=self.last_seen.strftime("%d.%m.%Y")
                )
            return _("{n} erfasste Treffen verpasst").format(n=self.missed)
        if self.meetings and self.first_in_window:
            since = f"{self.first_in_window.month:02d}/{self.first_in_window.year}"
            return _("{n} Treffen seit {since}").format(n=self.meetings, since=since)
        if self.last_seen:
            return _("zuletzt dabei am {day}").format(day=self.last_seen.strftime("%d.%m.%Y"))
        return _("noch bei keinem Treffen")


def decide(
    rule: ActivityRule,
    in_window: int,
    was_active: bool,
    last_seen: dt.date | None,
    stage: str | None,
    missed: int = 0,
) -> tuple[S, bool]:
    """The computed status (no override) and whether it is the recorded stage holding.

    The rule first; then "ruhend" needs evidence: an actor that was active (recorded so,
    or by its attendance) is dormant only when it missed meetings that were recorded
    within the window (``missed``: meetings of its round tables with attendance). Without
    such evidence the program knows nothing new, and the recorded stage holds.
    """
    if in_window >= rule.min_meetings:
        return S.ACTIVE, False
    if stage in (S.ACTIVE, S.DORMANT) or was_active:
        if missed:
            return S.DORMANT, False  # was part of the work, and stayed away from recorded meetings
        if stage == S.DORMANT:
            return S.DORMANT, True
        return S.ACTIVE, True
    if last_seen is not None:
        return S.INFORMED, False  # came at least once: informed, not (yet) active
    return (S(stage) if stage in (S.ADDRESSED, S.INFORMED) else S.ADDRESSED), False


def expected_meetings(
    session: Session, since: dt.datetime, until: dt.datetime, actors: Iterable[int]
) -> tuple[dict[int, set[int]], dict[int | None, dict[str, int]], dict[int, dict[str, int]]]:
    """What "missed a recorded meeting" is counted from, by month ("2026-05").

    - the round tables of each actor (an actor in none is expected at every meeting);
    - recorded meetings (with at least one attendance) per round table and month, and
      per month over all meetings under the key ``None``;
    - per actor and month, how many of the recorded meetings it was expected at it attended.
    A meeting with no attendance recorded is no evidence of anything. Only ``actors`` (the
    ones that could be dormant: not active by the rule) are looked at.
    """
    wanted = sorted(set(actors))
    tables: dict[int, set[int]] = defaultdict(set)
    for rt, actor in session.execute(
        select(m.round_table_member.c.round_table_id, m.round_table_member.c.actor_id)
    ):
        tables[actor].add(rt)
    att = m.Attendance
    month = year_month(m.Meeting.starts_at)
    recorded: dict[int | None, dict[str, int]] = defaultdict(dict)
    held = (
        select(m.Meeting.round_table_id, month, func.count())
        .where(m.Meeting.starts_at >= since, m.Meeting.starts_at <= until)
        .where(select(att.id).where(att.meeting_id == m.Meeting.id).exists())
        .group_by(m.Meeting.round_table_id, month)
    )
    for rt, key, n in session.execute(held):
        if rt is not None:
            recorded[rt][key] = recorded[rt].get(key, 0) + n
        recorded[None][key] = recorded[None].get(key, 0) + n
    attended: dict[int, dict[str, int]] = defaultdict(dict)
    rtm = m.round_table_member
    member = rtm.c
    ym = year_month(att.meeting_at)
    for chunk in range(0, len(wanted), 500):
        own_tables = (
            select(att.actor_id, ym, func.count(func.distinct(att.meeting_id)))
            .join(m.Meeting, m.Meeting.id == att.meeting_id)
            .join(
                rtm, (member.actor_id == att.actor_id) & (member.round_table_id == m.Meeting.round_table_id)
            )
            .where(att.actor_id.in_(wanted[chunk : chunk + 500]))
            .where(att.meeting_at >= since, att.meeting_at <= until)
            .group_by(att.actor_id, ym)
        )
        for actor, key, n in session.execute(own_tables):
            attended[actor][key] = n
    return tables, recorded, attended


def missed_meetings(
    actor: int,
    months: set[str] | None,
    tables: dict[int, set[int]],
    recorded: dict[int | None, dict[str, int]],
    attended_own: dict[int, dict[str, int]],
    attended_all: dict[int, dict[str, int]],
) -> int:
    """How many recorded meetings within ``months`` (None: all that were counted) the
    actor was expected at and missed."""
    own = tables.get(actor)
    keys: Iterable[int | None] = own if own else (None,)
    expected = sum(n for rt in keys for k, n in recorded.get(rt, {}).items() if months is None or k in months)
    came = attended_own if own else attended_all
    return max(0, expected - sum(n for k, n in came.get(actor, {}).items() if months is None or k in months))


def first_activations(session: Session, rule: ActivityRule, actors: Iterable[int]) -> dict[int, dt.datetime]:
    """When each of ``actors`` first met the rule (the meeting that completed its window).

    For each attended meeting, the (n-1)-th earlier one of the same actor must lie within
    the window before it. Only earlier rows are looked at, so the answer for a day never
    depends on later data. The window's start is clamped at month ends as
    :func:`atlas.dates.months_before` does it, on SQLite and PostgreSQL alike
    (:class:`atlas.sqlparts.months_earlier`).
    """
    wanted = sorted(set(actors))
    found: dict[int, dt.datetime] = {}
    att = m.Attendance
    for chunk in range(0, len(wanted), 500):
        visits = (
            select(att.actor_id.label("actor_id"), att.meeting_at.label("at"))
            .where(att.actor_id.in_(wanted[chunk : chunk + 500]), att.meeting_at.is_not(None))
            .group_by(att.actor_id, att.meeting_id, att.meeting_at)
            .subquery()
        )
        earlier = func.lag(visits.c.at, rule.min_meetings - 1).over(
            partition_by=visits.c.actor_id, order_by=visits.c.at
        )
        paired = select(visits.c.actor_id, visits.c.at, earlier.label("earlier")).subquery()
        window_start = months_earlier(paired.c.at, rule.window_months)
        stmt = (
            select(paired.c.actor_id, func.min(paired.c.at))
            .where(paired.c.earlier.is_not(None), paired.c.earlier > window_start)
            .group_by(paired.c.actor_id)
        )
        for actor, at in session.execute(stmt):
            found[actor] = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
    return found
