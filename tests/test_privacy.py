"""DSGVO: Art. 15 information and Art. 17 erasure of a contact person, one action each."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import NotFoundError, ValidationError

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates


@pytest.fixture
def person(atlas: Atlas) -> dict[str, int]:
    inst = atlas.institutions.save(None, {"name": "Familienzentrum"}).id
    contact = atlas.contacts.save(
        None,
        {"first_name": "Erika", "last_name": "Beispiel", "institution_id": inst, "email": "erika@example.org",
         "consent_date": "01.02.2026", "consent_purpose": "Netzwerkkontakt"},
    ).id  # fmt: skip
    org_actor = atlas.actors.save(
        None, {"name": "Familienzentrum", "institution_id": inst, "status": "aktiv"}
    ).id
    own_actor = atlas.actors.save(
        None, {"name": "Erika Beispiel", "contact_id": contact, "status": "informiert"}
    ).id
    meeting = (
        atlas.records["meeting"]
        .save(None, {"title": "Runder Tisch März", "kind": "runder_tisch", "starts_at": "10.03.2026 10:00"})
        .id
    )
    atlas.network.save_attendance(meeting, [(org_actor, contact), (own_actor, contact)])
    atlas.network.add_follow_up(meeting, "Flyer verteilen", "Erika Beispiel")
    agreement = (
        atlas.records["agreement"].save(None, {"title": "Vereinbarung Kita", "parties": [org_actor]}).id
    )
    atlas.network.set_party(agreement, org_actor, contact, "Koordination")
    return {"contact": contact, "org_actor": org_actor, "own_actor": own_actor, "meeting": meeting}


def test_art15_lists_everything_stored_about_the_person(
    atlas: Atlas, person: dict[str, int], tmp_path: Path
) -> None:
    data = atlas.privacy.personal_data(person["contact"])
    assert data.record["E-Mail"] == "erika@example.org"
    assert data.record["Einwilligung am"] == "01.02.2026"
    assert data.institution == "Familienzentrum"
    assert data.actors == ["Erika Beispiel"]
    assert data.meetings == ["10.03.2026 10:00 Runder Tisch März"]
    assert data.agreements == ["Vereinbarung Kita (Koordination)"]
    assert data.follow_ups == ["Flyer verteilen (Erika Beispiel)"]
    text = atlas.privacy.export(person["contact"], tmp_path / "auskunft.txt", today=dt.date(2026, 11, 22))
    content = text.read_text(encoding="utf-8")
    assert "Art. 15 DSGVO" in content and "erika@example.org" in content and "Stand 22.11.2026" in content
    as_json = json.loads(
        atlas.privacy.export(person["contact"], tmp_path / "auskunft.json").read_text("utf-8")
    )
    assert as_json["angaben"]["Nachname"] == "Beispiel"
    with pytest.raises(ValidationError):
        atlas.privacy.export(person["contact"], tmp_path / "auskunft.pdf")
    assert not (tmp_path / "auskunft.pdf").exists()


def test_art17_erases_the_person_and_keeps_the_counts(atlas: Atlas, person: dict[str, int]) -> None:
    day = dt.date(2026, 3, 31)
    before = {a: s.meetings for a, s in atlas.network.states(day).items()}
    report = atlas.privacy.erase(person["contact"])
    assert report.attendance_kept_anonymously == 2
    assert report.actors_renamed == 1 and report.follow_ups_changed == 1 and report.agreement_sides == 1
    assert "Erika Beispiel" in report.summary()
    with pytest.raises(NotFoundError):
        atlas.contacts.get(person["contact"])
    assert {a: s.meetings for a, s in atlas.network.states(day).items()} == before
    own = atlas.actors.get(person["own_actor"])
    assert "Erika" not in own.values["name"] and "gelöschte Person" in own.values["name"]
    assert atlas.actors.get(person["org_actor"]).values["name"] == "Familienzentrum"
    # the placeholder of atlas.records.mentions.PLACEHOLDER
    assert atlas.network.follow_ups(person["meeting"])[0][2] == "[gelöscht]"
    with atlas.sessions() as session:
        texts = [b for b in session.execute(select(func.group_concat(m.Contact.last_name))).scalars()]
        assert texts == [None]
    assert atlas.contacts.list_ids("Beispiel") == [] and atlas.actors.list_ids("Erika") == []
    with pytest.raises(NotFoundError):
        atlas.privacy.erase(person["contact"])
