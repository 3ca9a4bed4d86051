"""Merging two records (atlas.records.merging): one kept with the chosen values, every reference
moved to it, the other deleted, in one transaction; undo puts both back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ConflictError, NotFoundError
from db.engine import make_sessions
from db.migrate import open_database
from tests.test_search import assert_index_current


def chosen(keep: Any, drop: Any, take_from_drop: set[str]) -> dict[str, Any]:
    """Every field's value: the dropped record's for the named fields, else the kept one's."""
    return {k: (drop.values[k] if k in take_from_drop else v) for k, v in keep.values.items()}


def count(atlas: Atlas, model: type[m.Record]) -> int:
    with atlas.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def two_institutions(atlas: Atlas) -> dict[str, Any]:
    a = atlas.institutions.save(
        None,
        {"name": "Stadtteilbüro Lirich", "street": "Marktstr. 1", "postcode": "46045", "city": "Oberhausen"},
    )
    b = atlas.institutions.save(
        None,
        {"name": "Quartiersbüro", "street": "Marktstraße 1", "postcode": "46045", "phone": "0208 / 12 34-5"},
        confirm_duplicate=True,
    )
    offers_a = [atlas.offers.save(None, {"title": "Sprechstunde", "institution_id": a.id})]
    offers_b = [
        atlas.offers.save(None, {"title": "Nähcafé", "institution_id": b.id}),
        atlas.offers.save(None, {"title": "Mieterberatung", "institution_id": b.id}),
    ]
    contact_b = atlas.contacts.save(None, {"last_name": "Kaya", "institution_id": b.id})
    actor_b = atlas.actors.save(None, {"name": "Quartiersbüro", "status": "aktiv", "institution_id": b.id})
    return {
        "a": a,
        "b": b,
        "offers_a": offers_a,
        "offers_b": offers_b,
        "contact": contact_b,
        "actor": actor_b,
    }


def test_merge_moves_every_reference_and_undo_restores_both(atlas: Atlas) -> None:
    w = two_institutions(atlas)
    a, b = atlas.institutions.get(w["a"].id), atlas.institutions.get(w["b"].id)
    before = {n: count(atlas, t) for n, t in (("i", m.Institution), ("o", m.Offer), ("c", m.Contact))}
    assert sorted(atlas.merging.references("institution", b.id)) == ["1 Akteur", "1 Kontakt", "2 Angebote"]

    merged = atlas.merging.merge("institution", a, b, chosen(a, b, {"phone"}))

    kept = atlas.institutions.get(a.id)
    assert kept.values["phone"] == "0208 / 12 34-5" and kept.values["name"] == "Stadtteilbüro Lirich"
    assert kept.version > a.version
    with pytest.raises(NotFoundError):
        atlas.institutions.get(b.id)
    for offer in w["offers_b"]:
        assert atlas.offers.get(offer.id).values["institution_id"] == a.id
    assert atlas.contacts.get(w["contact"].id).values["institution_id"] == a.id
    assert atlas.actors.get(w["actor"].id).values["institution_id"] == a.id
    assert count(atlas, m.Offer) == before["o"] and count(atlas, m.Contact) == before["c"]
    assert count(atlas, m.Institution) == before["i"] - 1
    # The moved offers are found under the kept institution's name.
    assert set(atlas.offers.list_ids("lirich")) == {o.id for o in w["offers_a"] + w["offers_b"]}
    assert_index_current(atlas)

    atlas.merging.unmerge(merged)

    back = atlas.institutions.get(b.id)
    assert (back.values["name"], back.values["phone"]) == ("Quartiersbüro", "0208 / 12 34-5")
    assert atlas.institutions.get(a.id).values["phone"] is None
    for offer in w["offers_b"]:
        assert atlas.offers.get(offer.id).values["institution_id"] == b.id
    assert atlas.offers.get(w["offers_a"][0].id).values["institution_id"] == a.id
    assert atlas.contacts.get(w["contact"].id).values["institution_id"] == b.id
    assert atlas.actors.get(w["actor"].id).values["institution_id"] == b.id
    assert count(atlas, m.Institution) == before["i"]
    assert atlas.offers.list_ids("lirich") == [w["offers_a"][0].id]
    assert_index_current(atlas)


def test_merging_contacts_keeps_one_attendance_per_meeting(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Jobcenter"})
    x = atlas.contacts.save(None, {"first_name": "Anna", "last_name": "Schmidt", "institution_id": inst.id})
    y = atlas.contacts.save(
        None,
        {
            "first_name": "Anna",
            "last_name": "Schmitt",
            "institution_id": inst.id,
            "email": "anna@example.org",
        },
        confirm_duplicate=True,
    )
    actor = atlas.actors.save(None, {"name": "Jobcenter", "status": "aktiv", "contact_id": y.id})
    m1 = atlas.records["meeting"].save(
        None, {"title": "Treffen 1", "kind": "bilateral", "starts_at": dt.datetime(2025, 3, 4, 10)}
    )
    m2 = atlas.records["meeting"].save(
        None, {"title": "Treffen 2", "kind": "bilateral", "starts_at": dt.datetime(2025, 4, 1, 10)}
    )
    atlas.network.save_attendance(m1.id, [(actor.id, x.id), (actor.id, y.id)])  # both noted at one meeting
    atlas.network.save_attendance(m2.id, [(actor.id, y.id)])
    agreement = atlas.records["agreement"].save(None, {"title": "Kooperation", "parties": [actor.id]})
    with atlas.sessions.begin() as session:
        party = session.scalars(select(m.AgreementParty)).one()
        party.contact_id = y.id

    keep, drop = atlas.contacts.get(x.id), atlas.contacts.get(y.id)
    merged = atlas.merging.merge("contact", keep, drop, chosen(keep, drop, {"email"}))

    with atlas.sessions() as session:
        rows = sorted(session.execute(select(m.Attendance.meeting_id, m.Attendance.contact_id)).all())
        assert rows == [(m1.id, x.id), (m2.id, x.id)]
        assert session.scalars(select(m.AgreementParty.contact_id)).one() == x.id
    assert atlas.actors.get(actor.id).values["contact_id"] == x.id
    assert atlas.contacts.get(x.id).values["email"] == "anna@example.org"

    atlas.merging.unmerge(merged)
    with atlas.sessions() as session:
        rows = sorted(session.execute(select(m.Attendance.meeting_id, m.Attendance.contact_id)).all())
        assert rows == sorted([(m1.id, x.id), (m1.id, y.id), (m2.id, y.id)])
        assert session.scalars(select(m.AgreementParty.contact_id)).one() == y.id
    assert atlas.actors.get(actor.id).values["contact_id"] == y.id
    assert atlas.contacts.get(x.id).values["email"] is None
    assert atlas.records["agreement"].get(agreement.id).values["parties"] == [actor.id]


def test_merge_is_one_transaction(atlas: Atlas) -> None:
    """A value the form would refuse stops the whole merge: nothing was moved."""
    w = two_institutions(atlas)
    a, b = atlas.institutions.get(w["a"].id), atlas.institutions.get(w["b"].id)
    with pytest.raises(Exception, match="Postleitzahl"):
        atlas.merging.merge("institution", a, b, {**chosen(a, b, set()), "postcode": "12"})
    assert atlas.institutions.get(b.id).version == b.version
    assert atlas.offers.get(w["offers_b"][0].id).values["institution_id"] == b.id
    assert atlas.institutions.get(a.id).version == a.version


def test_a_merge_while_another_session_edits_one_of_the_two(db_path: Path) -> None:
    """Two real connections to one file: the other program saves the record about to be
    merged away; the merge is refused with a message and nothing is lost."""
    first = open_database(db_path)
    here = Atlas(make_sessions(first.engine))
    w = two_institutions(here)
    a, b = here.institutions.get(w["a"].id), here.institutions.get(w["b"].id)  # the dialog compares these

    second = open_database(db_path)
    there = Atlas(make_sessions(second.engine))
    there.institutions.save(b.id, {"website": "quartiersbuero.example.org"}, b.version)

    with pytest.raises(ConflictError, match="inzwischen an anderer Stelle geändert"):
        here.merging.merge("institution", a, b, chosen(a, b, {"phone"}))
    stored = here.institutions.get(b.id)
    assert stored.values["website"] == "https://quartiersbuero.example.org"
    assert here.offers.get(w["offers_b"][0].id).values["institution_id"] == b.id
    assert here.institutions.get(a.id).version == a.version

    # Compared again, the merge goes through; the other session then edits the kept
    # record, and the undo refuses rather than overwrite that edit.
    a, b = here.institutions.get(a.id), here.institutions.get(b.id)
    merged = here.merging.merge("institution", a, b, chosen(a, b, {"phone", "website"}))
    kept = there.institutions.get(a.id)
    there.institutions.save(a.id, {"notes": "Neu: Öffnungszeiten"}, kept.version)
    with pytest.raises(ConflictError, match="nach dem Zusammenführen geändert"):
        here.merging.unmerge(merged)
    assert here.institutions.get(a.id).values["notes"] == "Neu: Öffnungszeiten"
    # An edit of the merged-away record in the other session is told, not lost silently.
    with pytest.raises(NotFoundError):
        there.institutions.save(b.id, {"notes": "x"}, stored.version)
    first.engine.dispose()
    second.engine.dispose()


def test_a_new_records_values_go_into_the_stored_one(atlas: Atlas) -> None:
    """The form of a new record found a duplicate: merging it only fills the stored one."""
    a = atlas.institutions.get(atlas.institutions.save(None, {"name": "Tafel", "postcode": "46045"}).id)
    merged = atlas.merging.merge("institution", a, None, {**a.values, "phone": "0208 12345"})
    assert atlas.institutions.get(a.id).values["phone"] == "0208 12345"
    assert atlas.institutions.count() == 1 and merged.dropped_id is None
    atlas.merging.unmerge(merged)
    assert atlas.institutions.get(a.id).values["phone"] is None
    assert_index_current(atlas)
