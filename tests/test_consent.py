"""Consent as a record (state, date, purpose, source, who) and the review lists:
Einwilligungen prüfen and Löschfristen (issue 11 §5). On the fixed day of the ``atlas``
fixture (16.11.2026); nothing here reads the machine's clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from atlas import models as m
from atlas.core import Atlas
from atlas.errors import ConflictError, ValidationError
from atlas.io import importing as imp
from atlas.records.consent import parse_state
from atlas.records.schema import FilterKind
from tests.import_support import load, write_csv

pytestmark = pytest.mark.dates
TODAY = dt.date(2026, 11, 16)


def contact(atlas: Atlas, last: str, **values: object) -> int:
    return atlas.contacts.save(None, {"last_name": last, **values}, confirm_duplicate=True).id


def age(atlas: Atlas, contact_id: int, day: dt.date) -> None:
    """Pretend the record was last changed on ``day``."""
    with atlas.sessions.begin() as session:
        session.execute(
            update(m.Contact)
            .where(m.Contact.id == contact_id)
            .values(updated_at=dt.datetime.combine(day, dt.time(9)))
            .execution_options(synchronize_session=False)
        )


def test_given_consent_needs_date_and_purpose(atlas: Atlas) -> None:
    with pytest.raises(ValidationError) as info:
        atlas.contacts.save(None, {"last_name": "Beispiel", "consent_state": "erteilt"})
    assert info.value.errors == {
        "consent_date": "Für eine erteilte Einwilligung bitte das Datum angeben.",
        "consent_purpose": "Für eine erteilte Einwilligung bitte den Zweck angeben.",
    }
    with pytest.raises(ValidationError, match="Zukunft"):
        atlas.contacts.save(
            None,
            {
                "last_name": "B",
                "consent_state": "erteilt",
                "consent_date": "17.11.2026",
                "consent_purpose": "x",
            },
        )
    saved = atlas.contacts.save(
        None,
        {
            "last_name": "Beispiel",
            "consent_state": "erteilt",
            "consent_date": "01.02.2026",
            "consent_purpose": "Netzwerkkontakt",
            "consent_source": "Formular",
            "consent_recorded_by": "Petra Coach",
        },
    )
    assert saved.values["consent_recorded_by"] == "Petra Coach"
    # a partial update is checked against the stored other half
    with pytest.raises(ValidationError, match="Zweck"):
        atlas.contacts.save(saved.id, {"consent_purpose": ""})
    atlas.contacts.save(saved.id, {"consent_state": "abgelehnt", "consent_purpose": ""})
    assert atlas.contacts.get(saved.id).values["consent_state"] == "abgelehnt"


def test_without_a_state_a_new_contact_is_unknown_unless_date_and_purpose(atlas: Atlas) -> None:
    plain = contact(atlas, "Ohne")
    dated = contact(atlas, "Datum", consent_date="01.02.2026")
    full = contact(atlas, "Voll", consent_date="01.02.2026", consent_purpose="Netzwerk")
    states = {i: atlas.contacts.get(i).values["consent_state"] for i in (plain, dated, full)}
    assert states == {plain: "unbekannt", dated: "unbekannt", full: "erteilt"}


def test_the_list_shows_and_filters_by_consent(atlas: Atlas) -> None:
    unknown = contact(atlas, "Anders")
    given = contact(atlas, "Berg", consent_date="01.02.2026", consent_purpose="Netzwerk")
    refused = contact(atlas, "Conrad", consent_state="abgelehnt")
    rows = atlas.contacts.rows([unknown, given, refused])
    assert [rows[i][-1] for i in (unknown, given, refused)] == ["unbekannt", "erteilt", "abgelehnt"]
    assert atlas.contacts.list_ids(filters={FilterKind.CONSENT: "erteilt"}) == [given]
    assert atlas.contacts.list_ids(filters={FilterKind.CONSENT: "unbekannt"}) == [unknown]
    assert atlas.contacts.list_ids(sort="consent") == [refused, given, unknown]


def test_parse_state_reads_what_lists_write() -> None:
    assert [parse_state(w) for w in ("Ja", "x", "Erteilt", "nein", "Abgelehnt", "?", "vielleicht")] == [
        "erteilt", "erteilt", "erteilt", "abgelehnt", "abgelehnt", "unbekannt", None,
    ]  # fmt: skip


def test_consent_review_lists_missing_and_old_consent_with_a_shared_period(atlas: Atlas) -> None:
    fresh = contact(atlas, "Frisch", consent_date="01.06.2026", consent_purpose="Netzwerk")
    old = contact(atlas, "Alt", consent_date="15.11.2024", consent_purpose="Netzwerk")
    just = contact(atlas, "Grenze", consent_date="16.11.2024", consent_purpose="Netzwerk")
    unknown = contact(atlas, "Unbekannt")
    refused = contact(atlas, "Nein", consent_state="abgelehnt")
    rows = atlas.consent.to_review()
    assert [r.contact_id for r in rows] == [old, refused, unknown]  # by name
    reasons = {r.contact_id: r.reason for r in rows}
    assert reasons[old] == "älter als 24 Monate"
    assert reasons[unknown] == "nicht gefragt"
    assert reasons[refused].startswith("abgelehnt")
    assert fresh not in reasons and just not in reasons
    atlas.consent.set_periods(3, 36)
    assert atlas.consent.periods().review_months == 3
    assert {r.contact_id for r in atlas.consent.to_review()} == {old, just, fresh, unknown, refused}
    with pytest.raises(ValidationError, match="1 bis 240 Monaten"):
        atlas.consent.set_periods(0, "drei")


def test_retention_lists_idle_contacts_and_never_deletes(atlas: Atlas) -> None:
    idle = contact(atlas, "Ruhig")
    edited = contact(atlas, "Bearbeitet")
    attended = contact(atlas, "Dabei")
    signed = contact(atlas, "Vertrag")
    age(atlas, idle, dt.date(2023, 1, 10))
    age(atlas, edited, dt.date(2024, 6, 1))  # within 36 months
    for cid in (attended, signed):
        age(atlas, cid, dt.date(2022, 5, 1))
    meeting = atlas.records["meeting"].save(
        None, {"title": "Runder Tisch", "kind": "runder_tisch", "starts_at": "10.03.2025 10:00"}
    )
    atlas.network.save_attendance(meeting.id, [(None, attended)])
    actor = atlas.actors.save(None, {"name": "Vertrag e. V.", "contact_id": signed, "status": "aktiv"}).id
    atlas.records["agreement"].save(
        None, {"title": "Kooperation", "parties": [actor], "valid_from": "01.01.2022"}
    )
    for cid in (attended, signed):
        age(atlas, cid, dt.date(2022, 5, 1))  # saving the actor or attendance does not count as editing
    due = atlas.consent.retention_due()
    assert [r.contact_id for r in due] == [idle]
    assert due[0].since == dt.date(2023, 1, 10)
    assert "seit 36 Monaten keine Aktivität (zuletzt geändert 10.01.2023)" in due[0].reason
    # three years later the attendance is old too; the agreement in force still counts
    later = [r.contact_id for r in atlas.consent.retention_due(dt.date(2028, 6, 1))]
    assert attended in later and signed not in later and idle in later
    assert atlas.contacts.count() == 4  # listed, never deleted


def test_keeping_a_record_notes_who_decided_and_takes_it_off_the_list(atlas: Atlas) -> None:
    idle = contact(atlas, "Ruhig", notes="Kennt den Stadtteil.")
    age(atlas, idle, dt.date(2023, 1, 10))
    row = atlas.consent.retention_due()[0]
    with pytest.raises(ConflictError):
        atlas.consent.keep(idle, "Petra Coach", expected_version=row.version + 1)
    atlas.consent.keep(idle, "Petra Coach", expected_version=row.version)
    notes = atlas.contacts.get(idle).values["notes"]
    assert notes == (
        "Kennt den Stadtteil.\nAufbewahrung geprüft am 16.11.2026 von Petra Coach: wird weiter benötigt."
    )
    assert atlas.consent.retention_due() == []


def test_a_walk_in_is_asked_for_consent(atlas: Atlas) -> None:
    meeting = atlas.records["meeting"].save(
        None, {"title": "Stadtteilkonferenz", "kind": "fachtagung", "starts_at": "12.11.2026 18:00"}
    )
    atlas.network.user = "Petra Coach"
    _a, asked = atlas.network.add_walk_in(
        meeting.id, "Eva", "Gast", consent_state="erteilt", consent_purpose="Einladungen"
    )
    _a, not_asked = atlas.network.add_walk_in(meeting.id, "Max", "Gast")
    with pytest.raises(ValidationError, match="Zweck"):
        atlas.network.add_walk_in(meeting.id, "Ida", "Gast", consent_state="erteilt")
    yes = atlas.contacts.get(asked).values
    assert (yes["consent_state"], yes["consent_date"], yes["consent_purpose"], yes["consent_recorded_by"]) == (
        "erteilt", dt.date(2026, 11, 12), "Einladungen", "Petra Coach",
    )  # fmt: skip
    assert yes["consent_source"] == "Teilnahme: Stadtteilkonferenz"
    no = atlas.contacts.get(not_asked).values
    assert (no["consent_state"], no["consent_date"], no["consent_recorded_by"]) == ("unbekannt", None, None)


def test_imported_contacts_are_marked_unknown_and_counted(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "Telefon", "Einwilligung am", "Zweck"]
    rows = [
        ["Anna Schmidt", "0208 111111", "03.04.2024", "Netzwerk"],
        ["Jörg Müller", "", "03.04.2024", ""],
        ["Ida Neu", "", "", ""],
    ]
    plan = load(atlas, write_csv(tmp_path / "k.csv", rows, header, encoding="utf-8"), kind="contact")
    assert plan.consent_unknown == 2
    assert "2 davon mit „Einwilligung: unbekannt“" in plan.summary()
    assert [(n.row, n.column) for n in plan.notes] == [(3, "Einwilligung am")]
    result = imp.apply(atlas, plan)
    assert result.consent_unknown == 2
    assert "2 Kontakt(e) mit „Einwilligung: unbekannt“" in result.summary()
    states = {
        atlas.contacts.get(i).values["last_name"]: atlas.contacts.get(i).values["consent_state"]
        for i in atlas.contacts.list_ids()
    }
    assert states == {"Schmidt": "erteilt", "Müller": "unbekannt", "Neu": "unbekannt"}


def test_a_consent_column_is_read_and_checked(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "Einwilligung erteilt", "Einwilligung am", "Zweck"]
    rows = [
        ["Anna Schmidt", "ja", "03.04.2024", "Netzwerk"],
        ["Jörg Müller", "ja", "", ""],
        ["Ida Neu", "nein", "", ""],
        ["Max Vielleicht", "mal sehen", "", ""],
    ]
    plan = load(atlas, write_csv(tmp_path / "k.csv", rows, header, encoding="utf-8"), kind="contact")
    errors = [(e.row, e.column, e.message) for e in plan.errors]
    assert (3, "Einwilligung am", "Für eine erteilte Einwilligung bitte das Datum angeben.") in errors
    assert (3, "Zweck", "Für eine erteilte Einwilligung bitte den Zweck angeben.") in errors
    assert any(r == 5 and "„mal sehen“ ist unklar" in msg for r, _c, msg in errors)
    result = imp.apply(atlas, plan, skip_invalid=True)
    assert result.created == 2 and result.consent_unknown == 0
    assert sorted(atlas.contacts.get(i).values["consent_state"] for i in atlas.contacts.list_ids()) == [
        "abgelehnt", "erteilt",
    ]  # fmt: skip


def test_contact_persons_of_an_institution_list_are_unknown(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "PLZ", "Ansprechpartner"]
    plan = load(atlas, write_csv(tmp_path / "e.csv", [["Kita Sonne", "46045", "Frau Eva Licht"]], header))
    result = imp.apply(atlas, plan)
    assert result.contacts_created == 1 and result.consent_unknown == 1
    (only,) = atlas.contacts.list_ids()
    assert atlas.contacts.get(only).values["consent_state"] == "unbekannt"
