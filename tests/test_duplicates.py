"""The one duplicate rule (atlas.records.duplicates): the form's save and the import ask it alike.

Institutions: alike names with the same postcode, or the same address ("Str." = "Straße").
Contacts: alike names at the same institution, the same e-mail, the same phone number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas.core import Atlas
from atlas.errors import DuplicateWarning
from atlas.io import importing as imp
from atlas.records import duplicates as d
from tests.import_support import load, write_csv

# -- the rule ------------------------------------------------------------------------------


def test_names_fold_legal_forms_and_punctuation() -> None:
    assert d.normalise_name("Caritasverband Oberhausen e. V.") == "caritasverband oberhausen"
    assert d.normalise_name("Jugendhilfe gGmbH") == "jugendhilfe"
    assert d.similarity("Yıldırım Bau GmbH", "Yildirim Bau") == 100.0
    assert d.similarity("Kita 1", "Kita 2") == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Marktstr. 12", "Marktstraße 12"),
        ("Marktstraße 12 a", "Marktstrasse 12A"),
        ("Markt-Straße 12", "Marktstraße 12"),
        ("Mülheimer Str.7", "Muelheimer Strasse 7"),
    ],
)
def test_the_same_address_written_differently(a: str, b: str) -> None:
    assert d.address_key(a, "46045") == d.address_key(b, "46045") is not None


def test_different_addresses_stay_apart() -> None:
    assert d.address_key("Marktstraße 12", "46045") != d.address_key("Marktstraße 14", "46045")
    assert d.address_key("Marktstraße 12", "46045") != d.address_key("Marktstraße 12", "46047")
    assert d.address_key("Strandweg 1", "46045") != d.address_key("Straße 1", "46045")
    assert d.address_key("Marktstraße 12", None) is None


def test_phone_numbers_compare_as_phonenumbers_reads_them() -> None:
    assert d.phone_key("0208 / 12 34-5") == d.phone_key("+49 208 12345") == "+4920812345"
    assert d.phone_key("0049 (208) 123-45") == "+4920812345"
    assert d.same_phone("0208 12345", "+49 (0)208 12345")
    assert not d.same_phone("0208 12345", "0201 12345")


def test_institution_by_address_with_another_name() -> None:
    a = d.keys("institution", {"name": "Stadtteilbüro Lirich", "street": "Marktstr. 1", "postcode": "46045"})
    b = d.keys("institution", {"name": "Quartiersbüro", "street": "Marktstraße 1", "postcode": "46045"})
    match = d.compare(a, b)
    assert match is not None and match.reason == "gleiche Adresse"
    c = d.keys("institution", {"name": "Quartiersbüro", "street": "Marktstraße 3", "postcode": "46045"})
    assert d.compare(a, c) is None


def test_institution_by_name_needs_the_same_postcode() -> None:
    a = d.keys("institution", {"name": "Tafel Oberhausen e. V.", "postcode": "46045"})
    b = d.keys("institution", {"name": "TAFEL OBERHAUSEN", "postcode": "46045"})
    c = d.keys("institution", {"name": "Tafel Oberhausen", "postcode": "46117"})
    assert d.compare(a, b) is not None
    assert d.compare(a, c) is None


# -- the form's save -------------------------------------------------------------------------


def test_form_warns_about_an_institution_at_the_same_address(atlas: Atlas) -> None:
    first = atlas.institutions.save(
        None, {"name": "Stadtteilbüro Lirich", "street": "Marktstr. 1", "postcode": "46045"}
    )
    with pytest.raises(DuplicateWarning) as info:
        atlas.institutions.save(
            None, {"name": "Quartiersbüro", "street": "Marktstraße 1", "postcode": "46045"}
        )
    (candidate,) = info.value.candidates
    assert (candidate.id, candidate.version, candidate.reason) == (first.id, first.version, "gleiche Adresse")
    assert "Stadtteilbüro Lirich" in str(info.value) and "gleiche Adresse" in str(info.value)
    assert atlas.institutions.count() == 1
    atlas.institutions.save(
        None,
        {"name": "Quartiersbüro", "street": "Marktstraße 1", "postcode": "46045"},
        confirm_duplicate=True,
    )
    assert atlas.institutions.count() == 2


def test_form_warns_about_a_new_institution_without_quarter(atlas: Atlas) -> None:
    """The old check compared only within the chosen quarter; a new address has none."""
    q = atlas.quarters.save(None, {"name": "Lirich"})
    atlas.institutions.save(None, {"name": "Kita Regenbogen", "postcode": "46049", "quarter_id": q.id})
    with pytest.raises(DuplicateWarning):
        atlas.institutions.save(None, {"name": "Kita Regenbogen e. V.", "postcode": "46049"})


def test_form_warns_about_contacts_by_email_phone_and_name(atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Jobcenter"})
    other = atlas.institutions.save(None, {"name": "Tafel"})
    anna = atlas.contacts.save(
        None,
        {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "institution_id": inst.id,
            "email": "a.schmidt@jobcenter.example.org",
            "phone": "0208 / 12 34-5",
        },
    )

    def warned(values: dict[str, object]) -> tuple[list[int], list[str]]:
        with pytest.raises(DuplicateWarning) as info:
            atlas.contacts.save(None, values)
        return info.value.existing_ids, [c.reason for c in info.value.candidates]

    assert warned({"last_name": "Meyer", "email": "A.Schmidt@jobcenter.example.org"}) == (
        [anna.id],
        ["gleiche E-Mail-Adresse"],
    )
    assert warned({"last_name": "Meyer", "institution_id": other.id, "phone": "+49 208 12345"}) == (
        [anna.id],
        ["gleiche Telefonnummer"],
    )
    assert warned({"first_name": "Anna", "last_name": "Schmitt", "institution_id": inst.id}) == (
        [anna.id],
        ["ähnlicher Name, gleiche Einrichtung"],
    )
    # The same name at another institution is another person.
    atlas.contacts.save(None, {"first_name": "Anna", "last_name": "Schmidt", "institution_id": other.id})
    assert atlas.contacts.count() == 2


def test_an_update_asks_only_when_a_field_of_the_rule_changes(atlas: Atlas) -> None:
    a = atlas.contacts.save(None, {"last_name": "Meyer", "email": "m@example.org"})
    b = atlas.contacts.save(None, {"last_name": "Kaya"})
    b = atlas.contacts.save(b.id, {"function": "Leitung"}, b.version)  # no question
    with pytest.raises(DuplicateWarning) as info:
        atlas.contacts.save(b.id, {"email": "M@example.org"}, b.version)
    assert info.value.existing_ids == [a.id]


# -- the import uses the same rule -------------------------------------------------------------

HEADER = ["Einrichtung", "Straße", "Hausnummer", "PLZ", "Ort"]


def test_import_finds_duplicates_inside_the_list_and_against_the_database(
    tmp_path: Path, atlas: Atlas
) -> None:
    # From an empty database: the duplicates within the file.
    rows = [
        ["Stadtteilbüro Lirich", "Marktstr.", "1", "46045", "Oberhausen"],
        ["Kita Regenbogen gGmbH", "Lange Straße", "3", "4604", "Oberhausen"],
        ["Quartiersbüro", "Marktstraße", "1", "46045", "Oberhausen"],  # same address as row 2
        ["Kita Regenbogen", "Kurze Straße", "9", "04604", "Oberhausen"],  # same name and postcode as row 3
        ["Kita Regenbogen", "Kurze Straße", "9", "46117", "Oberhausen"],  # another postcode: new
    ]
    plan = load(atlas, write_csv(tmp_path / "a.csv", rows, header=HEADER))
    dups = {dup.row: dup for dup in plan.duplicates}
    assert sorted(dups) == [4, 5]
    assert (dups[4].other_row, dups[4].reason) == (2, "gleiche Adresse")
    assert (dups[5].other_row, dups[5].reason) == (3, "ähnlicher Name, gleiche PLZ")
    # The padded postcode is reported for its row, the form's rule ("4604" -> "04604").
    assert [(n.row, n.column) for n in plan.notes] == [(3, "PLZ")]
    assert "„4604“" in plan.notes[0].message and "„04604“" in plan.notes[0].message
    result = imp.apply(atlas, plan)
    assert (result.created, result.skipped_duplicates) == (3, 2)

    # Against the database: the same address under another name, and a similar name.
    again = [
        ["Büro im Quartier", "Marktstraße", "1", "46045", "Oberhausen"],
        ["Kita Regenbogen e.V.", "Neue Straße", "5", "04604", "Oberhausen"],
        ["Familienzentrum", "Marktstraße", "2", "46045", "Oberhausen"],
    ]
    plan = load(atlas, write_csv(tmp_path / "b.csv", again, header=HEADER))
    dups = {dup.row: dup for dup in plan.duplicates}
    assert sorted(dups) == [2, 3]
    assert (dups[2].existing_title, dups[2].reason) == ("Stadtteilbüro Lirich", "gleiche Adresse")
    assert dups[3].existing_title == "Kita Regenbogen gGmbH"
    assert "gleiche Adresse" in dups[2].describe()
    # The existing choices still apply: merge fills empty fields, skip, import.
    result = imp.apply(atlas, plan, duplicate_choices={2: "merge", 3: "import"})
    assert (result.created, result.merged) == (2, 1)


def test_import_finds_contacts_by_email_and_phone(tmp_path: Path, atlas: Atlas) -> None:
    inst = atlas.institutions.save(None, {"name": "Jobcenter", "postcode": "46045"})
    stored = atlas.contacts.save(
        None,
        {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "email": "anna@example.org",
            "institution_id": inst.id,
        },
    )
    header = ["Vorname", "Nachname", "E-Mail", "Telefon"]
    rows = [
        ["Anna", "Schmidt-Kaya", "ANNA@example.org", ""],  # same e-mail as the stored one
        ["Can", "Yıldırım", "", "0208 / 12 34-5"],
        ["Cem", "Yildirim", "", "+49 208 12345"],  # same phone as the row before
        ["Ole", "Ørsted", "", "0201 99999"],
    ]
    plan = load(atlas, write_csv(tmp_path / "c.csv", rows, header=header, encoding="utf-8"), kind="contact")
    assert plan.errors == ()
    dups = {dup.row: dup for dup in plan.duplicates}
    assert sorted(dups) == [2, 4]
    assert (dups[2].existing_id, dups[2].reason) == (stored.id, "gleiche E-Mail-Adresse")
    assert (dups[4].other_row, dups[4].reason) == (3, "gleiche Telefonnummer")


def test_stored_duplicates_of_a_saved_record(atlas: Atlas) -> None:
    """Bearbeiten → Mögliche Duplikate: duplicates already in the database (an import missed them)."""
    a = atlas.institutions.save(None, {"name": "Stadtteilbüro", "street": "Marktstr. 1", "postcode": "46045"})
    b = atlas.institutions.save(
        None,
        {"name": "Quartiersbüro", "street": "Marktstraße 1", "postcode": "46045"},
        confirm_duplicate=True,
    )
    atlas.institutions.save(None, {"name": "Kita", "street": "Marktstraße 2", "postcode": "46045"})
    assert [c.id for c in atlas.institutions.duplicate_candidates(a.id)] == [b.id]
    assert (
        atlas.offers.duplicate_candidates(atlas.offers.save(None, {"title": "X", "institution_id": a.id}).id)
        == []
    )
