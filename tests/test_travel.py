"""The offline copy (issue 14): take it out, change both sides, bring it back."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import NewerDatabaseError
from atlas.travel import Action, Choices, Scope, Side, TravelError
from tests.travel_support import bring_back, laptop, review, take


def test_one_side_changes_arrive_and_both_sides_keep_their_fields(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = tmp_path / "unterwegs.sqlite"
    info = take(atlas, db_url, copy)
    assert info.counts["institution"] == 2
    inst = atlas.institutions.get(network["inst"].id)
    atlas.institutions.save(inst.id, {**inst.values, "phone": "0208 111"}, expected_version=inst.version)
    with laptop(copy) as lap:
        there = lap.institutions.get(network["inst"].id)
        lap.institutions.save(
            there.id, {**there.values, "notes": "Beim Fest getroffen"}, expected_version=there.version
        )
        lap.institutions.save(None, {"name": "Neues Café"})
    plan, applied = bring_back(atlas, copy)
    assert not plan.conflicts
    now = atlas.institutions.get(network["inst"].id)
    assert now.values["phone"] == "0208 111" and now.values["notes"] == "Beim Fest getroffen"
    assert atlas.institutions.list_ids("Neues Café")
    assert applied.counts["institution"] == {"update": 1, "insert": 1}
    # the same copy again: nothing to do
    again, applied2 = bring_back(atlas, copy)
    assert not [d for d in again.decisions if d.changes_something] and applied2.total == 0


def _meeting(atlas: Atlas, network: dict[str, Any]) -> int:
    import datetime as dt

    return (
        atlas.records["meeting"]
        .save(
            None,
            {
                "title": "RT Gesundheit im Mai",
                "round_table_id": network["round_table"].id,
                "kind": "runder_tisch",
                "starts_at": dt.datetime(2026, 11, 10, 10),
            },
        )
        .id
    )


def test_attendance_ticked_on_both_sides_is_the_union_and_an_erasure_in_the_office_wins(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    meeting = _meeting(atlas, network)
    guest = atlas.contacts.save(
        None, {"first_name": "Gisela", "last_name": "Gast", "email": "gisela@example.org"}
    )
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    actor = network["actor"].id
    atlas.network.change_attendance(meeting, added=[(actor, None)])  # the office ticks the actor
    with laptop(copy) as lap:
        lap.network.change_attendance(meeting, added=[(None, guest.id)])  # the laptop ticks the guest
        g = lap.contacts.get(guest.id)
        lap.contacts.save(
            guest.id, {**g.values, "notes": "Gisela Gast will mitmachen"}, expected_version=g.version
        )
        m_rec = lap.records["meeting"].get(meeting)
        lap.records["meeting"].save(
            meeting, {**m_rec.values, "minutes": "Gisela Gast will mitmachen"}, expected_version=m_rec.version
        )
    atlas.privacy.erase(guest.id)  # in the office, meanwhile: Art. 17
    plan, _applied = bring_back(atlas, copy)
    assert plan.erased_in_office and not plan.conflicts
    with atlas.sessions() as s:
        people = s.scalars(select(m.Contact.last_name)).all()
        ticks = s.execute(
            select(m.Attendance.actor_id, m.Attendance.contact_id).where(m.Attendance.meeting_id == meeting)
        ).all()
        texts = str(s.scalar(select(m.Meeting.minutes).where(m.Meeting.id == meeting)))
    assert "Gast" not in people  # she does not come back
    assert (actor, None) in ticks and (None, None) in ticks  # both ticks; hers without her name
    assert "Gisela" not in texts


def test_an_erasure_on_the_laptop_erases_in_the_office_too(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    person = network["contact"]
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    c = atlas.contacts.get(person.id)
    atlas.contacts.save(
        person.id, {**c.values, "phone": "0208 999999"}, expected_version=c.version
    )  # the office changed her
    with laptop(copy) as lap:
        lap.privacy.erase(person.id)
    plan, _applied = bring_back(atlas, copy)
    assert plan.erased_in_copy and not plan.conflicts
    with atlas.sessions() as s:
        assert s.get(m.Contact, person.id) is None
        assert s.scalars(select(m.ErasureEntry.record_id)).all()


def test_a_merge_is_undone_as_one_step(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    before = _everything(atlas)
    with laptop(copy) as lap:
        i = lap.institutions.get(network["inst"].id)
        lap.institutions.save(i.id, {**i.values, "phone": "0208 123456"}, expected_version=i.version)
        lap.institutions.save(None, {"name": "Neu unterwegs"})
        lap.records["offer"].delete(network["other_offer"].id)
    _plan, applied = bring_back(atlas, copy)
    assert _everything(atlas) != before
    atlas.travel.undo(applied.undo)
    assert _everything(atlas) == before
    # and the copy can be brought back again afterwards, as new
    again = review(atlas, copy)
    assert again.counts() == {"institution": {"insert": 1, "update": 1}, "offer": {"delete": 1}}


def _everything(atlas: Atlas) -> dict[str, Any]:
    from atlas.travel.portable import KINDS, read_all

    with atlas.sessions() as s:
        conn = s.connection()
        return {k.name: read_all(conn, k) for k in KINDS}


def test_a_review_that_is_no_longer_true_applies_nothing(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        i = lap.institutions.get(network["inst"].id)
        lap.institutions.save(i.id, {**i.values, "phone": "0208 123456"}, expected_version=i.version)
    plan = review(atlas, copy)
    i = atlas.institutions.get(network["inst"].id)
    atlas.institutions.save(
        i.id, {**i.values, "phone": "0208 654321"}, expected_version=i.version
    )  # a colleague, meanwhile
    from db.travel import open_copy

    engine = open_copy(copy)
    try:
        with pytest.raises(TravelError, match="Seit der Vorschau"):
            atlas.travel.merge(engine, plan, Choices())
    finally:
        engine.dispose()
    assert atlas.institutions.get(network["inst"].id).values["phone"] == "0208 654321"
    fresh = review(atlas, copy)
    (conflict,) = fresh.conflicts
    assert [c.field for c in conflict.conflicts] == ["phone"] and conflict.action is Action.UPDATE
    _p, _a = bring_back(atlas, copy, Choices(fields={(conflict.kind, conflict.key): {"phone": Side.OFFICE}}))
    assert atlas.institutions.get(network["inst"].id).values["phone"] == "0208 654321"


def test_the_same_guest_added_on_both_sides_is_offered_for_merging(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    here = atlas.contacts.save(
        None, {"first_name": "Aylin", "last_name": "Yıldırım", "email": "aylin@example.org"}
    )
    with laptop(copy) as lap:
        lap.contacts.save(
            None, {"first_name": "Aylin", "last_name": "Yildirim", "email": "Aylin@example.org"}
        )
    _plan, applied = bring_back(atlas, copy)
    (kind, new_id, candidate), *_ = atlas.travel.possible_duplicates(applied)
    assert kind == "contact" and new_id != here.id and candidate.id == here.id


def test_an_erasure_leaves_no_trace_in_the_merge_base_and_the_person_stays_gone(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    person = network["contact"]  # Erika Beispiel
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        c = lap.contacts.get(person.id)
        lap.contacts.save(person.id, {**c.values, "email": "erika@example.org"}, expected_version=c.version)
        i = lap.institutions.get(network["inst"].id)
        lap.institutions.save(
            i.id, {**i.values, "notes": "Erika Beispiel kommt wieder"}, expected_version=i.version
        )
    bring_back(atlas, copy)  # the office now keeps the copy's rows as the next base
    atlas.privacy.erase(person.id)
    with atlas.sessions() as s:
        stored = " ".join(s.scalars(select(m.travel_base.c.data)).all())
    assert "Erika" not in stored and "erika@example.org" not in stored and "Beispiel" not in stored
    with laptop(copy) as lap:  # the laptop goes on using the copy
        c = lap.contacts.get(person.id)
        lap.contacts.save(person.id, {**c.values, "phone": "0208 777777"}, expected_version=c.version)
    plan, _applied = bring_back(atlas, copy)
    assert person.id and not plan.conflicts
    with atlas.sessions() as s:
        assert "Beispiel" not in s.scalars(select(m.Contact.last_name)).all()
        assert "Erika" not in str(
            s.scalar(select(m.Institution.notes).where(m.Institution.id == network["inst"].id))
        )


def test_a_person_erased_on_the_laptop_is_recognised_without_her_name(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    person = network["contact"]
    copy = tmp_path / "fest.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        lap.privacy.erase(person.id)
        with lap.sessions() as s:
            stored = " ".join(s.scalars(select(m.travel_base.c.data)).all())
        assert "Erika" not in stored and "Beispiel" not in stored  # the copy's base is scrubbed too
    plan, _applied = bring_back(atlas, copy)
    assert plan.erased_in_copy
    with atlas.sessions() as s:
        assert s.get(m.Contact, person.id) is None


def test_a_part_taken_holds_no_one_else_not_even_in_the_search_index(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    elsewhere = atlas.contacts.save(
        None, {"first_name": "Zacharias", "last_name": "Zuhause", "institution_id": network["other"].id}
    )
    copy = tmp_path / "teil.sqlite"
    take(atlas, db_url, copy, Scope(quarters=("Alt-Oberhausen",)))
    with laptop(copy) as lap:
        assert lap.contacts.list_ids("Zuhause") == [] and lap.contacts.list_ids("Beispiel")
        with lap.sessions() as s:
            conn = s.connection()
            texts = " ".join(
                str(v)
                for table in ("search_contact", "search_institution", "travel_base")
                for row in conn.exec_driver_sql(f"SELECT * FROM {table}").all()
                for v in row
            )
            assert s.get(m.Contact, elsewhere.id) is None
        assert "zuhause" not in texts.lower() and "zacharias" not in texts.lower()
        assert lap.institutions.list_ids("Jobcenter") == []  # the institution outside the quarter stayed home


def _as_older_program_left_it(path: Path, revision: str) -> None:
    """The copy's schema put back to ``revision``, as a program of that time wrote it."""
    from alembic import command

    from db.engine import make_engine
    from db.migrate import alembic_config

    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def test_a_copy_at_an_older_schema_revision_is_updated_first_and_merges(
    atlas: Atlas, db_url: str, tmp_path: Path, network: dict[str, Any]
) -> None:
    """A copy taken and worked on by the program before migration 0008: bringing it back
    updates the copy's schema first (with the usual copy of the file before an update),
    then merges it like any copy; a copy from a newer program is refused unchanged."""
    from db.migrate import current_revision, head_revision
    from db.travel import open_copy

    copy = tmp_path / "unterwegs.sqlite"
    take(atlas, db_url, copy)
    with laptop(copy) as lap:
        there = lap.institutions.get(network["inst"].id)
        lap.institutions.save(
            there.id, {**there.values, "notes": "Beim Fest"}, expected_version=there.version
        )
    _as_older_program_left_it(copy, "0007")
    _plan, applied = bring_back(atlas, copy)
    assert applied.counts == {"institution": {"update": 1}}
    assert atlas.institutions.get(network["inst"].id).values["notes"] == "Beim Fest"
    assert len(list(tmp_path.glob("unterwegs.vor-update-0007-*.sqlite"))) == 1
    engine = open_copy(copy)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    # From a newer program: refused, nothing changed on either side.
    raw = sqlite3.connect(copy)
    with raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.close()
    before = copy.read_bytes()
    with pytest.raises(NewerDatabaseError, match="neueren Version"):
        review(atlas, copy)
    assert copy.read_bytes() == before
