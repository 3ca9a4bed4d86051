"""The offline copy (issue 14), case by case: deletions meeting changes, a copy of
another database, a trimmed copy, two copies out at once, attendance, PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.travel import Side
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


def test_undo_of_a_merge_that_deleted_an_institution_with_its_people(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """The laptop deleted an institution (its contact went with it); the merge deletes
    both, each unlinking the same actor. Undo puts both back and links the actor again
    (it refused: the first re-link raised the actor's version the second one checked)."""
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    inst, contact, actor = network["inst"].id, network["contact"].id, network["actor"].id
    with laptop(copy) as lap:
        lap.institutions.delete(inst)
    before = atlas.actors.get(actor).values
    _plan, applied = bring_back(atlas, copy)
    assert applied.counts["institution"] == {"delete": 1} and applied.counts["contact"] == {"delete": 1}
    assert atlas.actors.get(actor).values["contact_id"] is None
    atlas.travel.undo(applied.undo)
    assert atlas.institutions.get(inst).title == "Ärztehaus Mitte"
    assert atlas.contacts.get(contact).values["last_name"] == "Beispiel"
    after = atlas.actors.get(actor).values
    assert (after["institution_id"], after["contact_id"]) == (inst, contact) == (
        before["institution_id"], before["contact_id"])  # fmt: skip


def test_a_person_erased_on_the_laptop_keeps_her_ticks_anonymous_and_the_merge_can_be_undone(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """The erasure turns her tick into a tick without a person, on the laptop and then in
    the office: no attendance to insert or delete (the merge deleted her tick, and undo
    failed putting it back to a person erased for good)."""
    meeting = _meeting(atlas, network)
    actor, contact = network["actor"].id, network["contact"].id
    atlas.network.change_attendance(meeting, added=[(actor, contact)])
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        lap.privacy.erase(contact)
    plan, applied = bring_back(atlas, copy)
    assert not [d for d in plan.decisions if d.kind == "attendance"]
    assert applied.counts == {"contact": {"erase": 1}}
    assert _ticks(atlas, meeting) == {(actor, None)}
    atlas.travel.undo(applied.undo)
    assert _ticks(atlas, meeting) == {(actor, None)}  # the erasure stays


def test_a_person_renamed_and_then_erased_on_the_laptop_is_erased_in_the_office(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """Her register entry on the laptop names her by the new name, the base by the old
    one: she was merely deleted in the office (no register entry, her name left in
    notes)."""
    contact = network["contact"].id
    with atlas.sessions() as session:
        uuid = session.get(m.Contact, contact).uuid  # type: ignore[union-attr]
    inst = atlas.institutions.get(network["inst"].id)
    atlas.institutions.save(
        inst.id, {**inst.values, "notes": "Erika Beispiel anrufen"}, expected_version=inst.version
    )
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        there = lap.contacts.get(contact)
        lap.contacts.save(
            contact, {**there.values, "first_name": "Erika Maria"}, expected_version=there.version
        )
        lap.privacy.erase(contact)
    plan, applied = bring_back(atlas, copy)
    assert plan.erased_in_copy == {uuid}
    assert applied.counts["contact"] == {"erase": 1}
    assert "Beispiel" not in (atlas.institutions.get(inst.id).values["notes"] or "")
    with atlas.sessions() as session:
        assert session.execute(select(m.ErasureEntry.record_id)).scalars().all()


def test_a_kept_contact_keeps_its_institution_deleted_on_the_laptop(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """The laptop deleted an institution (its contact with it); the office ticked that
    contact meanwhile, so the contact is a question (kept by default). Its institution
    is a question too: deleting it would take the kept contact and the tick along."""
    meeting = _meeting(atlas, network)
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    inst, contact, actor = network["inst"].id, network["contact"].id, network["actor"].id
    with laptop(copy) as lap:
        lap.institutions.delete(inst)
    atlas.network.change_attendance(meeting, added=[(actor, contact)])
    plan, _applied = bring_back(atlas, copy)
    asked = {(d.kind, d.deleted_on) for d in plan.conflicts}
    assert asked == {("institution", Side.COPY), ("contact", Side.COPY)}
    assert atlas.contacts.get(contact).values["institution_id"] == inst
    assert _ticks(atlas, meeting) == {(actor, contact)}


def test_a_person_erased_in_the_office_and_ticked_on_the_laptop_stays_erased(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """The laptop did not change her, only ticked her: the review looked for erasures only
    among the rows the copy changed and offered to bring her back (kept by default)."""
    meeting = _meeting(atlas, network)
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    actor, contact = network["actor"].id, network["contact"].id
    with laptop(copy) as lap:
        lap.network.change_attendance(meeting, added=[(actor, contact)])
    atlas.privacy.erase(contact)
    plan, _applied = bring_back(atlas, copy)
    assert not plan.conflicts and len(plan.erased_in_office) == 1
    assert atlas.contacts.count() == 0
    assert _ticks(atlas, meeting) == {(actor, None)}


def test_a_second_merge_after_an_erasure_on_the_laptop_changes_nothing(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """After the first merge the base no longer names the erased person; her tick (without
    her on the laptop) was then new to the second merge and came back although the office
    had taken it away."""
    meeting = _meeting(atlas, network)
    actor, contact = network["actor"].id, network["contact"].id
    atlas.network.change_attendance(meeting, added=[(actor, contact)])
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        lap.privacy.erase(contact)
    atlas.network.change_attendance(meeting, removed=[(actor, contact)])
    bring_back(atlas, copy)
    assert _ticks(atlas, meeting) == set()
    again, applied = bring_back(atlas, copy)
    assert not [d for d in again.decisions if d.changes_something] and applied.total == 0
    assert _ticks(atlas, meeting) == set()
