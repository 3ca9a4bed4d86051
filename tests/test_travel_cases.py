"""The offline copy (issue 14), case by case: deletions meeting changes, a copy of
another database, a trimmed copy, two copies out at once, attendance, PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.travel import Action, Choices, Scope, Side, TravelError
from tests.travel_scripts import raw_rows
from tests.travel_support import bring_back, laptop, review, take

#: The office on SQLite and on PostgreSQL (the copy is always a SQLite file).
pytestmark = pytest.mark.both_backends


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
        return set(session.execute(select(t.actor_id, t.contact_id).where(t.meeting_id == meeting)).all())


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


def _ticked_then_erased_on_the_laptop(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> tuple[int, int, int, Path]:
    """Erika ticked at a meeting in the office, the copy taken, Erika erased on the laptop."""
    meeting = _meeting(atlas, network)
    actor, contact = network["actor"].id, network["contact"].id
    atlas.network.change_attendance(meeting, added=[(actor, contact)])
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        lap.privacy.erase(contact)
    return meeting, actor, contact, copy


def test_a_person_erased_on_the_laptop_keeps_her_ticks_anonymous_and_the_merge_can_be_undone(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """The erasure turns her tick into a tick without a person, on the laptop and then in
    the office: no attendance to insert or delete (the merge deleted her tick, and undo
    failed putting it back to a person erased for good)."""
    meeting, actor, _contact, copy = _ticked_then_erased_on_the_laptop(atlas, db_url, tmp_path, network)
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
    meeting, actor, contact, copy = _ticked_then_erased_on_the_laptop(atlas, db_url, tmp_path, network)
    atlas.network.change_attendance(meeting, removed=[(actor, contact)])
    bring_back(atlas, copy)
    assert _ticks(atlas, meeting) == set()
    again, applied = bring_back(atlas, copy)
    assert not [d for d in again.decisions if d.changes_something] and applied.total == 0
    assert _ticks(atlas, meeting) == set()


# -- deletion against change -------------------------------------------------------------
def _deleted_here_changed_there(atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]) -> Path:
    """The Jobcenter deleted in the office, its phone changed on the laptop."""
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    other = network["other"].id
    with laptop(copy) as lap:
        there = lap.institutions.get(other)
        lap.institutions.save(other, {**there.values, "phone": "0208 999"}, expected_version=there.version)
    atlas.institutions.delete(other)
    return copy


def test_deleted_in_the_office_and_changed_on_the_laptop_is_a_question(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = _deleted_here_changed_there(atlas, db_url, tmp_path, network)
    plan = review(atlas, copy)
    [asked] = plan.conflicts
    assert (asked.kind, asked.action, asked.deleted_on) == ("institution", Action.KEEP_OR_DELETE, Side.OFFICE)
    # "Löschen" answered: it stays deleted
    item = (asked.kind, asked.key)
    _plan, applied = bring_back(atlas, copy, Choices(delete={item}))
    assert not atlas.institutions.list_ids("Jobcenter") and applied.total == 0


def test_deleted_in_the_office_and_changed_on_the_laptop_comes_back_by_default(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = _deleted_here_changed_there(atlas, db_url, tmp_path, network)
    _plan, applied = bring_back(atlas, copy)
    [back] = atlas.institutions.list_ids("Jobcenter")
    assert atlas.institutions.get(back).values["phone"] == "0208 999"
    assert applied.counts["institution"] == {"insert": 1}


def test_deleted_on_the_laptop_while_the_office_added_an_offer_is_a_question_not_a_cascade(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    other = network["other"].id
    with laptop(copy) as lap:
        lap.institutions.delete(other)
    new_offer = atlas.offers.save(None, {"title": "Sprachcafé", "institution_id": other}).id
    plan = review(atlas, copy)
    asked = [(d.kind, d.action, d.deleted_on) for d in plan.conflicts]
    assert asked == [("institution", Action.KEEP_OR_DELETE, Side.COPY)]
    _plan, applied = bring_back(atlas, copy)  # kept by default
    assert atlas.offers.get(new_offer).values["institution_id"] == other
    assert "institution" not in applied.counts
    assert atlas.institutions.get(other).title == "Jobcenter"


# -- refused -----------------------------------------------------------------------------
def test_a_copy_of_another_database_is_refused_and_nothing_changes(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any], empty: Atlas
) -> None:
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        lap.institutions.save(None, {"name": "Neues Café"})
    before = raw_rows(tmp_path / "leer.sqlite")
    with pytest.raises(TravelError, match="anderen Datenbank"):
        review(empty, copy)
    with pytest.raises(TravelError):
        bring_back(empty, copy)
    assert raw_rows(tmp_path / "leer.sqlite") == before
    assert not empty.institutions.list_ids("Neues Café")


def test_an_ordinary_database_is_no_copy(atlas: Atlas, tmp_path: Path, empty: Atlas) -> None:
    with pytest.raises(TravelError, match="keine Unterwegs-Kopie"):
        review(atlas, tmp_path / "leer.sqlite")


# -- part of the database, two copies ---------------------------------------------------------
def test_a_copy_of_one_quarter_carries_only_it_and_merging_deletes_nothing_else(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    inst, other = network["inst"].id, network["other"].id
    elsewhere = atlas.contacts.save(
        None, {"last_name": "Weit", "first_name": "Paul", "institution_id": other}
    ).id
    copy = tmp_path / "unterwegs.sqlite"
    info = take(atlas, db_url, copy, Scope(quarters=("Alt-Oberhausen",)))
    assert info.counts["institution"] == 1 and info.counts["contact"] == 1
    with laptop(copy) as lap:
        assert [lap.institutions.get(i).title for i in lap.institutions.list_ids()] == ["Ärztehaus Mitte"]
        assert lap.contacts.list_ids() == [network["contact"].id]
        there = lap.institutions.get(inst)
        lap.institutions.save(inst, {**there.values, "notes": "Unterwegs"}, expected_version=there.version)
    plan, applied = bring_back(atlas, copy)
    assert not plan.conflicts and applied.counts == {"institution": {"update": 1}}
    assert atlas.institutions.get(inst).values["notes"] == "Unterwegs"
    assert atlas.institutions.get(other).title == "Jobcenter"
    assert atlas.contacts.get(elsewhere).values["last_name"] == "Weit"
    assert atlas.offers.get(network["other_offer"].id).title == "Bewerbungstraining"


def test_two_copies_out_at_once_merge_one_after_the_other(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    inst = network["inst"].id
    first, second = tmp_path / "anna.sqlite", tmp_path / "bernd.sqlite"
    take(atlas, db_url, first, by="Anna")
    take(atlas, db_url, second, by="Bernd")
    with laptop(first) as lap:
        there = lap.institutions.get(inst)
        lap.institutions.save(inst, {**there.values, "phone": "0208 101"}, expected_version=there.version)
        lap.institutions.save(None, {"name": "Café Anna"})
    with laptop(second) as lap:
        there = lap.institutions.get(inst)
        lap.institutions.save(
            inst,
            {**there.values, "phone": "0208 202", "notes": "Bernd war da"},
            expected_version=there.version,
        )
        lap.institutions.save(None, {"name": "Café Bernd"})
    plan, _applied = bring_back(atlas, first)
    assert not plan.conflicts
    plan, _applied = bring_back(atlas, second)
    # the phone: changed differently by the two (the office has Anna's since Bernd's base)
    [asked] = plan.conflicts
    assert [(c.field, c.office, c.copy) for c in asked.conflicts] == [("phone", "0208 101", "0208 202")]
    now = atlas.institutions.get(inst).values
    assert (now["phone"], now["notes"]) == ("0208 202", "Bernd war da")
    assert atlas.institutions.list_ids("Café Anna") and atlas.institutions.list_ids("Café Bernd")
    for copy in (first, second):
        again, applied = bring_back(atlas, copy)
        assert not [d for d in again.decisions if d.changes_something] and applied.total == 0


# -- attendance --------------------------------------------------------------------------------
def test_attendance_is_a_union_of_both_sides_ticks(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """Ticks made on the laptop and in the office are all there; a tick taken away on one
    side (and untouched on the other) is gone."""
    meeting = _meeting(atlas, network)
    actor, contact = network["actor"].id, network["contact"].id
    guest = atlas.contacts.save(None, {"last_name": "Gast", "first_name": "Gabi"}).id
    third = atlas.contacts.save(None, {"last_name": "Dritte", "first_name": "Dora"}).id
    atlas.network.change_attendance(meeting, added=[(None, third)])
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        lap.network.change_attendance(meeting, added=[(actor, contact)], removed=[(None, third)])
        there = lap.institutions.get(network["inst"].id)
        lap.institutions.save(
            there.id, {**there.values, "notes": "Treffen war gut"}, expected_version=there.version
        )
    atlas.network.change_attendance(meeting, added=[(None, guest)])
    plan, applied = bring_back(atlas, copy)
    assert not plan.conflicts
    assert _ticks(atlas, meeting) == {(actor, contact), (None, guest)}
    assert applied.counts["attendance"] == {"insert": 1, "delete": 1}
    assert atlas.institutions.get(network["inst"].id).values["notes"] == "Treffen war gut"
    again, applied_again = bring_back(atlas, copy)
    assert not [d for d in again.decisions if d.changes_something] and applied_again.total == 0
    atlas.travel.undo(applied.undo)
    assert _ticks(atlas, meeting) == {(None, third), (None, guest)}


def test_a_target_group_taken_from_an_offer_indexes_the_offer_not_everything_of_the_term(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """A link row names a term; the term did not change. Counting it as changed indexed
    every record mentioning it again (thousands in a large database: seconds)."""
    offer = network["offers"][0].id
    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        there = lap.offers.get(offer)
        lap.offers.save(
            offer, {**there.values, "target_groups": [network["groups"][0]]}, expected_version=there.version
        )
    _plan, applied = bring_back(atlas, copy)
    assert applied.counts["offer_target_group"] == {"delete": 1}
    assert "term" not in applied.touched and offer in applied.touched["offer"]
    assert atlas.offers.get(offer).values["target_groups"] == [network["groups"][0]]
