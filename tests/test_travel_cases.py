"""The offline copy (issue 14), case by case: deletions meeting changes, a copy of
another database, a trimmed copy, two copies out at once, attendance, PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from tests.travel_support import bring_back, laptop, take


def _meeting(atlas: Atlas, network: dict[str, Any], when: str = "10.11.2026 10:00") -> int:
    return (
        atlas.records["meeting"]
        .save(None, {"title": "Treffen", "kind": "runder_tisch", "starts_at": when,
                     "round_table_id": network["round_table"].id})
        .id
    )  # fmt: skip


def test_a_guest_and_a_member_ticked_for_one_actor_both_arrive(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """Two ticks of one actor at one meeting, one with and one without a person: their
    keys differ only by an empty part (the review sorted them and failed)."""
    meeting = _meeting(atlas, network)
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    actor, contact = network["actor"].id, network["contact"].id
    with laptop(copy) as lap:
        lap.network.change_attendance(meeting, added=[(actor, None), (actor, contact)])
    plan, applied = bring_back(atlas, copy)
    assert not plan.conflicts
    assert applied.counts["attendance"] == {"insert": 2}
    assert _ticks(atlas, meeting) == {(actor, None), (actor, contact)}


def _ticks(atlas: Atlas, meeting: int) -> set[tuple[int | None, int | None]]:
    t = m.Attendance
    with atlas.sessions() as session:
        return set(session.execute(select(t.actor_id, t.contact_id).where(t.meeting_id == meeting)).tuples())
