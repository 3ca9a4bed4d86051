"""RecordService on real SQLite files: validation, optimistic locking, delete/undo, search, lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import String, event, func, select, text
from sqlalchemy.orm import Session

from atlas import models as m
from atlas.changes import Change
from atlas.core import Atlas
from atlas.errors import ConflictError, DuplicateWarning, NotFoundError, ValidationError
from atlas.records.schema import ENTITIES, Kind
from atlas.records.service import DeletedRecord
from tests.records_support import term_id

# -- helpers -------------------------------------------------------------------------


def table_count(atlas: Atlas, table: str) -> int:
    with atlas.sessions() as session:
        return session.scalar(select(func.count()).select_from(m.Base.metadata.tables[table])) or 0


def all_counts(atlas: Atlas) -> dict[str, int]:
    return {t: table_count(atlas, t) for t in m.Base.metadata.tables}


def minimal_values(atlas: Atlas, key: str) -> dict[str, Any]:
    """Values that make a valid new record of ``key`` (creating what it must refer to)."""
    if key == "quarter":
        return {"name": "Alt-Oberhausen"}
    if key == "institution":
        return {"name": "Jobcenter Oberhausen"}
    if key == "offer":
        inst = atlas.institutions.save(None, {"name": "Caritas"})
        return {"title": "Schuldnerberatung", "institution_id": inst.id}
    if key == "contact":
        return {"last_name": "Beispiel", "first_name": "Erika"}
    if key == "actor":
        return {"name": "Diakonie", "status": m.ActorStatus.INFORMED.value}
    if key == "round_table":
        return {"name": "Runder Tisch Innenstadt"}
    if key == "meeting":
        return {
            "title": "Sitzung März",
            "kind": m.MeetingKind.ROUND_TABLE.value,
            "starts_at": "01.03.2025 10:00",
        }
    if key == "agreement":
        return {"title": "Kooperationsvereinbarung Innenstadt"}
    raise AssertionError(f"no test data for entity {key}")


# A text field per entity that an update can change, and a valid new value.
UPDATES: dict[str, tuple[str, Any]] = {
    "quarter": ("notes", "Grenze neu gezogen"),
    "institution": ("city", "Oberhausen"),
    "offer": ("schedule", "Di 9–12 Uhr"),
    "contact": ("function", "Leitung"),
    "actor": ("status", m.ActorStatus.ACTIVE.value),
    "round_table": ("topic", "Übergang Schule–Beruf"),
    "meeting": ("place", "Stadtteilbüro"),
    "agreement": ("projects", "Aktiv für Arbeit"),
}


def test_every_entity_has_test_data() -> None:
    assert set(ENTITIES) == set(UPDATES)


# -- create / read / update / delete ------------------------------------------------


@pytest.mark.both_backends
@pytest.mark.parametrize("key", sorted(ENTITIES))
def test_crud_every_entity(atlas: Atlas, key: str) -> None:
    service = atlas.records[key]
    values = minimal_values(atlas, key)
    before = service.count()

    created = service.save(None, values)
    assert created.entity == key
    assert created.version == 1
    assert service.count() == before + 1
    loaded = service.get(created.id)
    assert loaded == created
    for name, value in values.items():
        if ENTITIES[key].field(name).kind is Kind.DATETIME:
            assert loaded.values[name] == dt.datetime(2025, 3, 1, 10, 0)
        else:
            assert loaded.values[name] == value
    assert created.id in service.list_ids()
    assert created.id in service.rows([created.id])

    field, new_value = UPDATES[key]
    updated = service.save(created.id, {field: new_value}, expected_version=created.version)
    assert updated.version == 2
    assert service.get(created.id).values[field] == new_value
    # Fields not passed stay as they were.
    for name, value in loaded.values.items():
        if name != field:
            assert updated.values[name] == value

    deleted = service.delete(created.id)
    assert deleted.id == created.id
    assert service.count() == before
    with pytest.raises(NotFoundError, match="nicht gefunden"):
        service.get(created.id)
    with pytest.raises(NotFoundError):
        service.delete(created.id)
    with pytest.raises(NotFoundError, match="gelöscht"):
        service.save(created.id, {field: new_value})

    service.restore(deleted)
    assert service.get(created.id).values[field] == new_value


@pytest.mark.both_backends
def test_timestamps_are_kept(atlas: Atlas) -> None:
    created = atlas.institutions.save(None, {"name": "Kita Regenbogen"})
    with atlas.sessions() as session:
        row = session.get(m.Institution, created.id)
        assert row is not None
        first_created, first_updated = row.created_at, row.updated_at
    assert first_created is not None and first_updated is not None
    atlas.institutions.save(created.id, {"city": "Oberhausen"})
    with atlas.sessions() as session:
        row = session.get(m.Institution, created.id)
        assert row is not None
        assert row.created_at == first_created
        assert row.updated_at >= first_updated
        assert row.version == 2


@pytest.mark.both_backends
def test_change_bus_reports_saves_and_deletes(atlas: Atlas) -> None:
    seen: list[Change] = []
    atlas.changes.subscribe(seen.append)
    created = atlas.institutions.save(None, {"name": "Kita Regenbogen"})
    atlas.institutions.delete(created.id)
    assert seen[0].entities == frozenset({"institution"})
    assert seen[0].ids == (created.id,)
    assert "institution" in seen[1].entities


# -- validation -----------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(ENTITIES))
def test_required_fields(atlas: Atlas, key: str) -> None:
    spec = ENTITIES[key]
    # a contact's consent state is required but has a default when not given at all ("unbekannt")
    required = {f.name for f in spec.fields if f.required} - {"consent_state"}
    assert required, f"{key} has no required field"
    service = atlas.records[key]
    before = all_counts(atlas)
    with pytest.raises(ValidationError) as info:
        service.save(None, {})
    assert set(info.value.errors) == required
    for message in info.value.errors.values():
        assert "Pflichtfeld" in message
    # Empty and blank strings count as missing.
    with pytest.raises(ValidationError) as info:
        service.save(None, dict.fromkeys(required, "   "))
    assert set(info.value.errors) == required
    assert all_counts(atlas) == before


def _too_long_cases() -> list[tuple[str, str, int]]:
    cases = []
    for key, spec in sorted(ENTITIES.items()):
        for f in spec.fields:
            if f.max_len is not None and f.kind in (Kind.TEXT, Kind.MULTILINE):
                cases.append((key, f.name, f.max_len))
    return cases


@pytest.mark.parametrize(("key", "field", "max_len"), _too_long_cases())
def test_max_length(atlas: Atlas, key: str, field: str, max_len: int) -> None:
    service = atlas.records[key]
    values = minimal_values(atlas, key)
    ok = service.save(None, {**values, field: "x" * max_len}, confirm_duplicate=True)
    assert service.get(ok.id).values[field] == "x" * max_len
    before = service.count()
    with pytest.raises(ValidationError) as info:
        service.save(None, {**values, field: "x" * (max_len + 1)}, confirm_duplicate=True)
    assert set(info.value.errors) == {field}
    assert f"zu lang (höchstens {max_len} Zeichen)" in info.value.errors[field]
    assert service.count() == before
    # An update over the limit is refused too and leaves the record as it was.
    with pytest.raises(ValidationError):
        service.save(ok.id, {field: "y" * (max_len + 1)})
    assert service.get(ok.id).values[field] == "x" * max_len


def test_every_string_column_has_a_length_check() -> None:
    """What the schema lets through must fit the column (PostgreSQL would refuse it)."""
    checked_elsewhere = {Kind.CHOICE, Kind.POSTCODE, Kind.COLOR}
    for spec in ENTITIES.values():
        table = spec.model.__table__
        for f in spec.fields:
            if f.name not in table.c or f.kind in checked_elsewhere:
                continue
            col_type = table.c[f.name].type
            if isinstance(col_type, String) and col_type.length:
                assert f.max_len is not None, f"{spec.key}.{f.name}"
                assert f.max_len <= col_type.length, f"{spec.key}.{f.name}"


def test_url_longer_than_column_refused(atlas: Atlas) -> None:
    long_url = "https://example.org/" + "a" * 300
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(None, {"name": "Verein", "website": long_url})
    assert "zu lang" in info.value.errors["website"]


def test_all_field_errors_at_once_and_nothing_written(atlas: Atlas) -> None:
    before = all_counts(atlas)
    bad = {
        "name": "x" * 201,
        "email": "kein-at-zeichen",
        "phone": "123",
        "postcode": "0604",  # "4604" gets its zero back (tests/test_text.py)
        "lat": "91",
        "lon": "abc",
        "website": "javascript:alert(1)",
        "verified_on": "31.02.2024",
    }
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(None, bad)
    errors = info.value.errors
    assert set(errors) == set(bad)
    assert "zu lang" in errors["name"]
    assert "E-Mail-Adresse" in errors["email"]
    assert "Telefonnummer" in errors["phone"]
    assert "fünf Ziffern" in errors["postcode"]
    assert "Breitengrad" in errors["lat"]
    assert "Zahl" in errors["lon"]
    assert "Internetadresse" in errors["website"]
    assert "Datum" in errors["verified_on"]
    assert str(info.value).startswith("Bitte Eingaben prüfen:")
    assert all_counts(atlas) == before


def test_missing_required_reported_with_other_errors(atlas: Atlas) -> None:
    """A create without the name and with a bad e-mail names both problems."""
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(None, {"email": "falsch"})
    assert set(info.value.errors) == {"name", "email"}


def test_update_with_errors_changes_nothing(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Kita", "email": "kita@example.org"})
    with pytest.raises(ValidationError):
        atlas.institutions.save(inst.id, {"name": "Kita Neu", "email": "falsch"})
    assert atlas.institutions.get(inst.id) == inst


def test_values_are_converted(atlas: Atlas) -> None:
    inst = atlas.institutions.save(
        None,
        {
            "name": "  Ärztehaus  ",
            "postcode": "01067",
            "lat": "51,4712",
            "lon": "6,8512",
            "verified_on": "01.02.2024",
            "website": "www.example.org",
            "is_public": "nein",
            "email": "Info@EXAMPLE.org",
        },
    )
    v = atlas.institutions.get(inst.id).values
    assert v["name"] == "Ärztehaus"
    assert v["postcode"] == "01067"
    assert v["lat"] == pytest.approx(51.4712)
    assert v["lon"] == pytest.approx(6.8512)
    assert v["verified_on"] == dt.date(2024, 2, 1)
    assert v["website"] == "https://www.example.org"
    assert v["is_public"] is False
    assert v["email"].endswith("@example.org")
    # is_public defaults to True on create.
    assert atlas.institutions.save(None, {"name": "Verein"}).values["is_public"] is True


def test_choice_and_number_checks(atlas: Atlas) -> None:
    with pytest.raises(ValidationError) as info:
        atlas.actors.save(None, {"name": "Verein", "status": "verschollen"})
    assert "keine erlaubte Auswahl" in info.value.errors["status"]
    inst = atlas.institutions.save(None, {"name": "Träger"})
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(None, {"title": "Kurs", "institution_id": inst.id, "capacity": "-1"})
    assert "0 bis 1.000.000" in info.value.errors["capacity"]
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(None, {"title": "Kurs", "institution_id": inst.id, "capacity": "viele"})
    assert "ganze Zahl" in info.value.errors["capacity"]


def test_bad_reference_text_gives_german_message(atlas: Atlas) -> None:
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(None, {"title": "Kurs", "institution_id": "abc", "target_groups": ["x"]})
    assert set(info.value.errors) == {"institution_id", "target_groups"}
    for message in info.value.errors.values():
        assert "invalid literal" not in message
        assert "Einrichtung" in message or "Zielgruppen" in message


def test_missing_reference_is_refused_on_its_field(atlas: Atlas) -> None:
    before = all_counts(atlas)
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(None, {"title": "Kurs", "institution_id": 999})
    assert set(info.value.errors) == {"institution_id"}
    with pytest.raises(ValidationError) as info:
        atlas.records["round_table"].save(None, {"name": "RT", "members": [998, 999]})
    assert set(info.value.errors) == {"members"}
    assert all_counts(atlas) == before


def test_term_from_another_vocabulary_is_refused(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Träger"})
    category = term_id(atlas, m.Vocabulary.CATEGORY, "Schuldnerberatung")
    group = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Alleinerziehende")
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(
            None,
            {"title": "Kurs", "institution_id": inst.id, "category_id": group, "target_groups": [category]},
        )
    assert set(info.value.errors) == {"category_id", "target_groups"}
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(inst.id, {"sector_id": category})
    assert set(info.value.errors) == {"sector_id"}


# -- cross-field checks -------------------------------------------------------------


def test_valid_to_before_valid_from(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Träger"})
    before = atlas.offers.count()
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(
            None,
            {
                "title": "Kurs",
                "institution_id": inst.id,
                "valid_from": "01.06.2025",
                "valid_to": "31.05.2025",
            },
        )
    assert set(info.value.errors) == {"valid_to"}
    assert "„Gültig bis“ liegt vor „Gültig ab“" in info.value.errors["valid_to"]
    assert atlas.offers.count() == before
    same_day = atlas.offers.save(
        None,
        {"title": "Kurs", "institution_id": inst.id, "valid_from": "01.06.2025", "valid_to": "01.06.2025"},
    )
    # An update of only one end is checked against the stored other end.
    with pytest.raises(ValidationError) as info:
        atlas.offers.save(same_day.id, {"valid_to": "01.01.2025"})
    assert set(info.value.errors) == {"valid_to"}
    assert atlas.offers.get(same_day.id).values["valid_to"] == dt.date(2025, 6, 1)

    with pytest.raises(ValidationError) as info:
        atlas.records["agreement"].save(
            None, {"title": "KV", "valid_from": "2025-06-01", "valid_to": "2024-06-01"}
        )
    assert set(info.value.errors) == {"valid_to"}


def test_lat_without_lon(atlas: Atlas) -> None:
    before = atlas.institutions.count()
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(None, {"name": "Kita", "lat": "51,47"})
    assert set(info.value.errors) == {"lon"}
    assert "Breiten- und Längengrad zusammen" in info.value.errors["lon"]
    with pytest.raises(ValidationError):
        atlas.institutions.save(None, {"name": "Kita", "lat": "", "lon": "6,85"})
    assert atlas.institutions.count() == before
    # Both or neither is fine.
    inst = atlas.institutions.save(None, {"name": "Kita", "lat": "51,47", "lon": "6,85"})
    # Clearing only one of a stored pair is refused ...
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(inst.id, {"lat": None})
    assert set(info.value.errors) == {"lon"}
    assert atlas.institutions.get(inst.id).values["lat"] == pytest.approx(51.47)
    # ... clearing both is fine.
    cleared = atlas.institutions.save(inst.id, {"lat": None, "lon": ""})
    assert cleared.values["lat"] is None and cleared.values["lon"] is None


def test_field_error_hides_cross_check(atlas: Atlas) -> None:
    """A bad latitude is reported on its own field, not as 'lon missing' too."""
    with pytest.raises(ValidationError) as info:
        atlas.institutions.save(None, {"name": "Kita", "lat": "100", "lon": ""})
    assert set(info.value.errors) == {"lat"}


# -- duplicates -------------------------------------------------------------------------


@pytest.mark.both_backends
def test_duplicate_name_with_same_postcode_warns(atlas: Atlas) -> None:
    """The form's save asks the rule of atlas.records.duplicates (tests/test_duplicates.py)."""
    first = atlas.institutions.save(None, {"name": "Ärztehaus Mitte", "postcode": "46045"})
    before = atlas.institutions.count()
    with pytest.raises(DuplicateWarning) as info:
        atlas.institutions.save(None, {"name": " ärztehaus mitte ", "postcode": "46045"})
    assert info.value.existing_ids == [first.id]
    assert "Möglicherweise gibt es diese Einrichtung schon" in str(info.value)
    assert atlas.institutions.count() == before
    # Another postcode: no warning.
    other = atlas.institutions.save(None, {"name": "Ärztehaus Mitte", "postcode": "46117"})
    # Confirming saves.
    confirmed = atlas.institutions.save(
        None, {"name": "Ärztehaus Mitte", "postcode": "46045"}, confirm_duplicate=True
    )
    assert atlas.institutions.count() == before + 2
    # Saving a record again does not warn about itself, nor a change the rule ignores.
    atlas.institutions.save(other.id, {"city": "Oberhausen"})
    atlas.institutions.save(confirmed.id, {"city": "Oberhausen"})
    # Moving to the postcode of a namesake warns.
    with pytest.raises(DuplicateWarning) as info:
        atlas.institutions.save(other.id, {"postcode": "46045"})
    assert sorted(info.value.existing_ids) == sorted([first.id, confirmed.id])
    assert atlas.institutions.get(other.id).values["postcode"] == "46117"


def test_duplicate_without_postcode_warns(atlas: Atlas) -> None:
    atlas.institutions.save(None, {"name": "Tafel"})
    with pytest.raises(DuplicateWarning):
        atlas.institutions.save(None, {"name": "TAFEL e. V."})


@pytest.mark.both_backends
def test_unique_names_refused_in_german(atlas: Atlas) -> None:
    atlas.quarters.save(None, {"name": "Lirich"})
    with pytest.raises(ValidationError) as info:
        atlas.quarters.save(None, {"name": "Lirich"})
    assert info.value.errors == {"name": "Dieser Name ist schon vergeben."}
    assert atlas.quarters.count() == 1


# -- optimistic locking ------------------------------------------------------------------


@pytest.mark.both_backends
def test_save_over_newer_version_is_refused(atlas: Atlas) -> None:
    v1 = atlas.institutions.save(None, {"name": "Kita", "city": "Oberhausen"})
    v2 = atlas.institutions.save(v1.id, {"city": "Mülheim"}, expected_version=v1.version)
    assert v2.version == v1.version + 1
    with pytest.raises(ConflictError) as info:
        atlas.institutions.save(v1.id, {"city": "Essen"}, expected_version=v1.version)
    assert "inzwischen an anderer Stelle geändert" in str(info.value)
    assert "Kita" in str(info.value)
    assert atlas.institutions.get(v1.id) == v2


@pytest.mark.both_backends
def test_concurrent_write_between_read_and_flush(atlas: Atlas) -> None:
    """Another session saves after ours read the row: the version column catches it."""
    v1 = atlas.institutions.save(None, {"name": "Kita", "city": "Oberhausen"})
    fired: list[bool] = []

    def sneak_in(session: Session, _ctx: object, _instances: object) -> None:
        if fired:
            return
        fired.append(True)
        # A second session (a second window, say) saves the same record first.
        atlas.institutions.save(v1.id, {"city": "Bottrop"}, expected_version=v1.version)

    event.listen(atlas.sessions, "before_flush", sneak_in)
    try:
        with pytest.raises(ConflictError) as info:
            atlas.institutions.save(v1.id, {"city": "Essen"}, expected_version=v1.version)
    finally:
        event.remove(atlas.sessions, "before_flush", sneak_in)
    assert fired
    assert "gerade an anderer Stelle geändert" in str(info.value)
    now = atlas.institutions.get(v1.id)
    assert now.values["city"] == "Bottrop"
    assert now.version == v1.version + 1


@pytest.mark.both_backends
def test_concurrent_term_change_is_refused_too(atlas: Atlas, other: Atlas) -> None:
    """Also a race on a relation-only change (target groups) is caught, not lost.

    Here the other writer is another program on the same database (its own connection).
    """
    inst = atlas.institutions.save(None, {"name": "Träger"})
    group = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Frauen")
    offer = atlas.offers.save(None, {"title": "Kurs", "institution_id": inst.id})
    fired: list[bool] = []

    def sneak_in(session: Session, _ctx: object, _instances: object) -> None:
        if fired:
            return
        fired.append(True)
        with other.sessions.begin() as elsewhere:
            elsewhere.execute(
                text("UPDATE offer SET title='Kurs B', version=version+1 WHERE id=:id"), {"id": offer.id}
            )

    event.listen(atlas.sessions, "before_flush", sneak_in)
    try:
        with pytest.raises(ConflictError):
            atlas.offers.save(offer.id, {"target_groups": [group]}, expected_version=offer.version)
    finally:
        event.remove(atlas.sessions, "before_flush", sneak_in)
    now = atlas.offers.get(offer.id)
    assert now.values["title"] == "Kurs B"
    assert now.values["target_groups"] == []


# -- TERMS and REFS --------------------------------------------------------------------


@pytest.mark.both_backends
def test_target_groups_set_replace_clear(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Träger"})
    a = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Alleinerziehende")
    b = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Jugendliche")
    c = term_id(atlas, m.Vocabulary.TARGET_GROUP, "Frauen")
    offer = atlas.offers.save(None, {"title": "Kurs", "institution_id": inst.id, "target_groups": [b, a, a]})
    assert offer.values["target_groups"] == sorted([a, b])
    offer = atlas.offers.save(offer.id, {"target_groups": [str(c), b]})
    assert offer.values["target_groups"] == sorted([b, c])
    assert atlas.offers.get(offer.id).values["target_groups"] == sorted([b, c])
    offer = atlas.offers.save(offer.id, {"target_groups": []})
    assert offer.values["target_groups"] == []
    assert table_count(atlas, "offer_target_group") == 0


@pytest.mark.both_backends
def test_round_table_members_and_agreement_parties(atlas: Atlas) -> None:
    actors = [atlas.actors.save(None, {"name": n, "status": "aktiv"}).id for n in ("A", "B", "C")]
    rt = atlas.records["round_table"].save(None, {"name": "RT", "members": actors[:2]})
    assert rt.values["members"] == actors[:2]
    rt = atlas.records["round_table"].save(rt.id, {"members": actors[1:]})
    assert atlas.records["round_table"].get(rt.id).values["members"] == actors[1:]
    assert atlas.records["round_table"].rows([rt.id])[rt.id][3] == "2"

    agreements = atlas.records["agreement"]
    ag = agreements.save(None, {"title": "KV", "parties": actors[:2]})
    assert ag.values["parties"] == actors[:2]
    ag = agreements.save(ag.id, {"parties": actors[1:]})
    assert agreements.get(ag.id).values["parties"] == actors[1:]
    assert table_count(atlas, "agreement_party") == 2
    assert agreements.rows([ag.id])[ag.id][1] in ("B, C", "C, B")


# -- delete with impact and undo ----------------------------------------------------------


def test_deletion_impact_names_what_goes(atlas: Atlas, network: dict[str, Any]) -> None:
    inst = network["inst"]
    assert atlas.institutions.deletion_impact(inst.id) == ["2 Angebote", "1 Kontakt"]
    assert atlas.institutions.deletion_impact(network["other"].id) == ["1 Angebot"]
    assert atlas.offers.deletion_impact(network["offers"][0].id) == []
    # Looking does not delete.
    assert atlas.institutions.count() == 2


@pytest.mark.both_backends
def test_deletion_effects_say_what_stays(atlas: Atlas, network: dict[str, Any]) -> None:
    """The dialog's lines come from the same ON DELETE walk as the delete itself."""
    inst, q = network["inst"], network["quarter"]
    gone, kept = atlas.institutions.deletion_effects(inst.id)
    assert gone == ["2 Angebote", "1 Kontakt"]
    # the actor stays, without its institution and (the contact goes too) without its person
    assert kept == ["Der Akteur „Netzwerk Gesundheit“ bleibt erhalten (ohne Einrichtung und Ansprechperson)"]
    rt = atlas.records["round_table"].save(None, {"name": "RT Quartier", "quarter_id": q.id})
    extra = [atlas.institutions.save(None, {"name": f"Kita {n}", "quarter_id": q.id}).id for n in range(4)]
    gone, kept = atlas.quarters.deletion_effects(q.id)
    assert gone == []
    assert kept == [
        "5 Einrichtungen bleiben erhalten (ohne Quartier): „Ärztehaus Mitte“, „Kita 0“, „Kita 1“ und 2 weitere",
        "Der Runde Tisch „RT Quartier“ bleibt erhalten (ohne Quartier)",
    ]
    # what the walk names is what the delete does
    atlas.quarters.delete(q.id)
    assert all(atlas.institutions.get(i).values["quarter_id"] is None for i in [inst.id, *extra])
    assert atlas.records["round_table"].get(rt.id).values["quarter_id"] is None
    # a contact: attendance keeps the row without the person
    contact = network["contact"]
    actor = network["actor"]
    meeting = atlas.records["meeting"].save(
        None, {"title": "Sitzung", "kind": "runder_tisch", "starts_at": "01.03.2025 10:00"}
    )
    with atlas.sessions.begin() as session:
        session.add(m.Attendance(meeting_id=meeting.id, actor_id=actor.id, contact_id=contact.id))
    _gone, kept = atlas.contacts.deletion_effects(contact.id)
    assert kept == [
        "Der Akteur „Netzwerk Gesundheit“ bleibt erhalten (ohne Ansprechperson)",
        "1 Teilnahmeeintrag bleibt erhalten, ohne Namen (die Zahlen bleiben gleich)",
    ]


@pytest.mark.both_backends
def test_delete_and_restore_institution(atlas: Atlas, network: dict[str, Any]) -> None:
    inst, actor, contact = network["inst"], network["actor"], network["contact"]
    o1, o2 = network["offers"]
    before = all_counts(atlas)
    a, b = network["groups"]

    deleted = atlas.institutions.delete(inst.id)
    assert isinstance(deleted, DeletedRecord)
    assert deleted.title == "Ärztehaus Mitte"
    assert atlas.offers.list_ids() == [network["other_offer"].id]
    assert atlas.contacts.count() == 0
    assert table_count(atlas, "offer_target_group") == 0
    # The actor stays, unlinked; its round-table membership stays.
    kept = atlas.actors.get(actor.id).values
    assert kept["institution_id"] is None
    assert kept["contact_id"] is None
    assert atlas.records["round_table"].get(network["round_table"].id).values["members"] == [actor.id]
    # Search forgets what is gone.
    assert atlas.institutions.list_ids("ärzte") == []
    assert atlas.offers.list_ids("schuldner") == []
    assert atlas.contacts.list_ids("erika") == []
    assert atlas.actors.list_ids("ärztehaus") == []

    atlas.institutions.restore(deleted)
    assert all_counts(atlas) == before
    assert atlas.institutions.get(inst.id) == inst
    assert atlas.offers.get(o1.id).values["target_groups"] == sorted([a, b])
    assert atlas.offers.get(o2.id).values["target_groups"] == [b]
    assert atlas.contacts.get(contact.id) == contact
    linked = atlas.actors.get(actor.id).values
    assert linked["institution_id"] == inst.id
    assert linked["contact_id"] == contact.id
    # ... and the search finds all of it again.
    assert atlas.institutions.list_ids("ärzte") == [inst.id]
    assert atlas.offers.list_ids("schuldner") == [o1.id]
    assert atlas.offers.list_ids("alt-oberhausen") == [o1.id, o2.id]
    assert atlas.contacts.list_ids("erika") == [contact.id]
    assert atlas.actors.list_ids("ärztehaus") == [actor.id]


@pytest.mark.both_backends
def test_delete_and_restore_actor_with_memberships(atlas: Atlas, network: dict[str, Any]) -> None:
    actor, rt = network["actor"], network["round_table"]
    meetings = atlas.records["meeting"]
    meeting = meetings.save(
        None,
        {
            "title": "Sitzung",
            "kind": "runder_tisch",
            "starts_at": "01.03.2025 10:00",
            "round_table_id": rt.id,
        },
    )
    with atlas.sessions.begin() as session:
        session.add(m.Attendance(meeting_id=meeting.id, actor_id=actor.id, contact_id=network["contact"].id))
    agreement = atlas.records["agreement"].save(None, {"title": "KV Gesundheit", "parties": [actor.id]})
    assert atlas.records["agreement"].list_ids("netzwerk gesundheit") == [agreement.id]
    impact = atlas.actors.deletion_impact(actor.id)
    assert "1 Teilnahmeeinträge" in impact

    deleted = atlas.actors.delete(actor.id)
    assert atlas.records["round_table"].get(rt.id).values["members"] == []
    assert atlas.records["agreement"].get(agreement.id).values["parties"] == []
    assert table_count(atlas, "attendance") == 0
    assert atlas.records["agreement"].list_ids("netzwerk gesundheit") == []

    atlas.actors.restore(deleted)
    assert atlas.actors.get(actor.id) == actor
    assert atlas.records["round_table"].get(rt.id).values["members"] == [actor.id]
    assert atlas.records["agreement"].get(agreement.id).values["parties"] == [actor.id]
    assert table_count(atlas, "attendance") == 1
    assert atlas.actors.list_ids("netzwerk") == [actor.id]
    assert atlas.records["agreement"].list_ids("netzwerk gesundheit") == [agreement.id]


@pytest.mark.both_backends
def test_delete_quarter_unlinks_and_restores(atlas: Atlas, network: dict[str, Any]) -> None:
    q, inst = network["quarter"], network["inst"]
    assert atlas.quarters.deletion_impact(q.id) == []
    deleted = atlas.quarters.delete(q.id)
    assert atlas.institutions.get(inst.id).values["quarter_id"] is None
    assert atlas.institutions.list_ids("alt-oberhausen") == []
    assert atlas.offers.list_ids("alt-oberhausen") == []
    atlas.quarters.restore(deleted)
    assert atlas.institutions.get(inst.id).values["quarter_id"] == q.id
    assert atlas.institutions.list_ids("alt-oberhausen") == [inst.id]
    assert len(atlas.offers.list_ids("alt-oberhausen")) == 2


@pytest.mark.both_backends
def test_undo_delete_of_newest_after_creating_another(atlas: Atlas) -> None:
    """Ids are never reused (AUTOINCREMENT), so deleting the newest record, creating
    another and then undoing the delete brings both back side by side."""
    inst = atlas.institutions.save(None, {"name": "Kita"})
    deleted = atlas.institutions.delete(inst.id)
    newer = atlas.institutions.save(None, {"name": "Verein"})
    assert newer.id > inst.id
    atlas.institutions.restore(deleted)
    assert atlas.institutions.get(inst.id).title == "Kita"
    assert atlas.institutions.get(newer.id).title == "Verein"
    assert atlas.institutions.list_ids("kita") == [inst.id]
    assert atlas.institutions.list_ids("verein") == [newer.id]
    # The same for a record with dependants: the offer's id is not handed out again either.
    offer = atlas.offers.save(None, {"institution_id": inst.id, "title": "Sprechstunde"})
    deleted = atlas.institutions.delete(inst.id)
    other = atlas.offers.save(None, {"institution_id": newer.id, "title": "Treff"})
    assert other.id > offer.id
    atlas.institutions.restore(deleted)
    assert atlas.offers.get(offer.id).title == "Sprechstunde"
    assert atlas.offers.list_ids("sprechstunde") == [offer.id]


@pytest.mark.both_backends
def test_restore_refused_when_parent_gone(atlas: Atlas, network: dict[str, Any]) -> None:
    offer = network["offers"][0]
    deleted_offer = atlas.offers.delete(offer.id)
    atlas.institutions.delete(network["inst"].id)
    before = all_counts(atlas)
    with pytest.raises(ConflictError, match="Schuldnerberatung"):
        atlas.offers.restore(deleted_offer)
    assert all_counts(atlas) == before


@pytest.mark.both_backends
def test_link_only_change_bumps_version(atlas: Atlas, network: dict[str, Any]) -> None:
    offer = network["offers"][1]
    a, _b = network["groups"]
    changed = atlas.offers.save(offer.id, {"target_groups": [a]}, expected_version=offer.version)
    assert changed.version == offer.version + 1
    with pytest.raises(ConflictError):
        atlas.offers.save(offer.id, {"target_groups": []}, expected_version=offer.version)
    assert atlas.offers.get(offer.id).values["target_groups"] == [a]
    # Saving without any change keeps the version.
    same = atlas.offers.save(offer.id, {"target_groups": [a], "title": "Sprechstunde"})
    assert same.version == changed.version


# -- search -------------------------------------------------------------------------------


@pytest.mark.both_backends
def test_stats(atlas: Atlas, network: dict[str, Any]) -> None:
    stats = atlas.stats()
    assert stats["institutions"] == 2
    assert stats["offers"] == 3
    assert stats["actors_by_status"]["aktiv"] == 1
    assert stats["institutions_without_coordinates"] == 2


# -- taxonomy ------------------------------------------------------------------------------


@pytest.mark.both_backends
def test_taxonomy_save_and_usage(atlas: Atlas, network: dict[str, Any]) -> None:
    a, b = network["groups"]
    usage = {t.id: t.usage for t in atlas.taxonomy.terms(m.Vocabulary.TARGET_GROUP)}
    assert usage[a] == 1
    assert usage[b] == 2
    new = atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, None, "  Wohnungslose ")
    assert any(
        t.id == new and t.name == "Wohnungslose" for t in atlas.taxonomy.terms(m.Vocabulary.TARGET_GROUP)
    )
    with pytest.raises(ValidationError, match="gibt es schon"):
        atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, None, "Wohnungslose")
    with pytest.raises(ValidationError, match="Namen angeben"):
        atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, None, "  ")
    with pytest.raises(ValidationError, match="zu lang"):
        atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, None, "x" * 121)
    with pytest.raises(NotFoundError):
        atlas.taxonomy.save(m.Vocabulary.TARGET_GROUP, 99999, "Neu")


SaveFn = Callable[..., Any]


def test_form_pads_a_four_digit_postcode_as_the_import_does(atlas: Atlas) -> None:
    """One postcode rule for the form and the import (atlas.text.pad_postcode)."""
    saved = atlas.institutions.save(None, {"name": "Kita Regenbogen", "postcode": "4604"})
    assert saved.values["postcode"] == "04604"
    with pytest.raises(ValidationError):
        atlas.institutions.save(None, {"name": "Kita Sonnenschein", "postcode": "0604"})
