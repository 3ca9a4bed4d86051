"""Importing lists: mapping, validation, writing, duplicates, one transaction, other kinds
(the reading of files: tests/test_import_reading.py).

Every file is built by the test itself (the corpus of the issue): Windows-1252 with ``;``,
UTF-8 with BOM, quoted line breaks, empty lines, wrong dates, bad e-mails, a 50,000-row
file, a duplicate pair, formula strings, a zip bomb and an entity bomb.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from atlas.core import Atlas
from atlas.io import importing as imp
from tests.import_support import GOOD, HEADER, load, names, write_csv

# -- mapping ---------------------------------------------------------------------------


def test_german_and_english_headings_are_recognised() -> None:
    headers = [
        "Name der Einrichtung", "Träger", "Strasse", "Hausnr.", "Postleitzahl", "Ort", "Stadtteil",
        "Tel.", "E-Mail", "Homepage", "Kategorie", "Ansprechpartner/in", "Funktion", "Breitengrad",
        "Längengrad", "Zielgruppe(n)", "Sonstiges",
    ]  # fmt: skip
    mapping = imp.suggest_mapping("institution", headers)
    assert [mapping.get(i) for i in range(len(headers))] == [
        "name", "carrier", "street", "house_number", "postcode", "city", "quarter", "phone", "email",
        "website", "category", "contact_name", "contact_function", "lat", "lon", None, None,
    ]  # fmt: skip
    english = imp.suggest_mapping("institution", ["name", "street", "zip", "city", "lat", "lng", "e-mail"])
    assert list(english.values()) == ["name", "street", "postcode", "city", "lat", "lon", "email"]
    offers = imp.suggest_mapping("offer", ["Angebot", "Einrichtung", "PLZ", "Zielgruppe(n)", "Ort"])
    assert list(offers.values()) == ["title", "institution", "institution_postcode", "target_groups", "place"]
    contacts = imp.suggest_mapping("contact", ["Ansprechpartner/in", "Funktion", "Einrichtung"])
    assert list(contacts.values()) == ["full_name", "function", "institution"]
    # Every field at most once: the first column wins.
    assert imp.suggest_mapping("institution", ["Name", "Einrichtung"]) == {0: "name"}


def test_saved_mapping_is_used_next_time(tmp_path: Path) -> None:
    store = imp.MappingStore(tmp_path / "config")
    headers = ["Bezeichnung", "Stadtteil", "Träger", "Gruppe"]
    assert store.load("institution") == {}
    # The user maps "Gruppe" to the category and ignores "Träger".
    store.save("institution", headers, {0: "name", 1: "quarter", 3: "category"})
    assert (tmp_path / "config" / imp.MappingStore.FILE).exists()
    saved = imp.MappingStore(tmp_path / "config").load("institution")
    mapping = imp.suggest_mapping("institution", ["GRUPPE", "Bezeichnung", "Träger"], saved=saved)
    assert mapping == {0: "category", 1: "name"}
    assert imp.MappingStore(tmp_path / "config").load("offer") == {}
    (tmp_path / "config" / imp.MappingStore.FILE).write_text("kaputt", encoding="utf-8")
    assert imp.MappingStore(tmp_path / "config").load("institution") == {}


def test_a_required_field_must_be_mapped(tmp_path: Path, atlas: Atlas) -> None:
    table = imp.read_table(write_csv(tmp_path / "l.csv", GOOD))
    with pytest.raises(imp.ImportFailed, match="Bitte eine Spalte zuordnen für: Name"):
        imp.prepare(atlas, "institution", table, {1: "carrier"})
    with pytest.raises(imp.ImportFailed, match="Unbekanntes Feld"):
        imp.prepare(atlas, "institution", table, {0: "name", 1: "gibtsnicht"})


def test_the_mapping_rule_is_one_for_the_wizard_and_prepare(tmp_path: Path, atlas: Atlas) -> None:
    """The wizard's columns page shows ``mapping_problems``; ``prepare`` refuses with the same
    sentences (before: its own copy, with other words, and no check for a field twice)."""
    headers = ("Einrichtung", "Träger", "PLZ")
    assert imp.mapping_problems("institution", headers, {0: "name", 1: "carrier"}) == []
    assert imp.mapping_problems("institution", headers, {1: "carrier"}) == [
        "Bitte eine Spalte zuordnen für: Name (Pflichtfeld)."
    ]
    assert imp.mapping_problems("institution", headers, {0: "name", 1: "postcode", 2: "postcode"}) == [
        "„PLZ“ ist mehreren Spalten zugeordnet („Träger“, „PLZ“). Bitte nur eine wählen."
    ]
    (contact,) = imp.mapping_problems("contact", ("E-Mail",), {0: "email"})
    assert (
        contact == "Bitte eine Spalte zuordnen für: „Name (Vor- und Nachname)“ oder „Nachname“ (Pflichtfeld)."
    )
    assert imp.mapping_problems("institution", headers, {5: "name"}) == [
        "Die Zuordnung nennt eine Spalte, die es nicht gibt."
    ]
    table = imp.read_table(write_csv(tmp_path / "l.csv", GOOD))
    twice = {0: "name", 4: "postcode", 5: "postcode"}
    with pytest.raises(imp.ImportFailed) as refused:
        imp.prepare(atlas, "institution", table, twice)
    assert str(refused.value) == " ".join(imp.mapping_problems("institution", table.headers, twice))
    assert "mehreren Spalten" in str(refused.value)


# -- validation ------------------------------------------------------------------------


def test_rows_are_checked_with_row_column_and_german_reason(tmp_path: Path, atlas: Atlas) -> None:
    rows = [
        *GOOD,
        ["Treff Mitte", "", "Markt", "1", "4604", "Oberhausen", "", "kein-at-zeichen", "Wohnen"],
        ["", "Ohne Namen", "", "", "46045", "", "", "", ""],
        ["Beratung Nord", "", "", "", "ABCDE", "", "12", "", "Gibtsnicht"],
    ]
    path = write_csv(tmp_path / "fehler.csv", rows, header=[*HEADER])
    plan = load(atlas, path, create_terms=False)
    assert len(plan.valid_rows) == 3  # row 5's "4604" is no error: padded to "04604"
    errors = {(e.row, e.column) for e in plan.errors}
    assert errors == {(5, "E-Mail"), (6, "Einrichtung"), (7, "PLZ"), (7, "Telefon"), (7, "Kategorie")}
    by_cell = {(e.row, e.column): e.message for e in plan.errors}
    assert by_cell[(5, "E-Mail")] == "Keine gültige E-Mail-Adresse: kein-at-zeichen"
    assert by_cell[(6, "Einrichtung")] == "Name ist ein Pflichtfeld."
    assert "fünf Ziffern" in by_cell[(7, "PLZ")]
    assert by_cell[(7, "Kategorie")].startswith(
        "Kategorie „Gibtsnicht“ gibt es nicht. Vorhanden: Ausbildung,"
    )
    assert str(plan.errors[0]) == "Zeile 5, Spalte „E-Mail“: Keine gültige E-Mail-Adresse: kein-at-zeichen"


def test_wrong_dates_decimal_commas_and_joined_addresses(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "Straße", "Hausnummer", "Breitengrad", "Längengrad", "Geprüft am"]
    rows = [
        ["Treff", "Marktstraße", "12 a", "51,4712", "6,8523", "01.02.2023"],
        ["Kita", "Weg", "1", "51,1", "", "31.02.2023"],
        ["Haus", "Weg", "2", "95,0", "6,1", "2023-02-01"],
    ]
    plan = load(atlas, write_csv(tmp_path / "d.csv", rows, header=header))
    first = plan.rows[0].values
    assert (first["street"], first["lat"], first["lon"]) == ("Marktstraße 12 a", 51.4712, 6.8523)
    assert str(first["verified_on"]) == "2023-02-01"
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert messages[(3, "Geprüft am")] == "Kein gültiges Datum: 31.02.2023 (bitte TT.MM.JJJJ)"
    assert messages[(3, "Längengrad")].startswith("Bitte Breiten- und Längengrad zusammen")
    assert messages[(4, "Breitengrad")] == "Der Breitengrad muss zwischen -90 und 90 liegen."


def test_more_cells_than_headings_is_an_error(tmp_path: Path, atlas: Atlas) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"Name;Ort\nTreff;Oberhausen;Rest\nKita;Essen;\n")
    plan = load(atlas, path)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "Spalte 3")]
    assert len(plan.valid_rows) == 1


@pytest.mark.both_backends
def test_unknown_quarter_is_an_error_and_a_known_one_is_linked(tmp_path: Path, atlas: Atlas) -> None:
    quarter = atlas.quarters.save(None, {"name": "Alt-Oberhausen"})
    path = write_csv(
        tmp_path / "q.csv", [["Treff", "alt-oberhausen"], ["Kita", "Atlantis"]], ["Name", "Quartier"]
    )
    plan = load(atlas, path, create_terms=False)
    assert plan.rows[0].values["quarter_id"] == quarter.id
    assert [e.message for e in plan.errors] == [
        "Das Quartier „Atlantis“ gibt es nicht. Vorhanden: Alt-Oberhausen"
    ]


def test_imported_pins_place_institutions_like_the_form(tmp_path: Path, atlas: Atlas) -> None:
    """A pin from the file puts the institution into its quarter and is kept from the
    geocoder; an address without a pin waits for the geocoder."""
    import json

    from sqlalchemy import select

    from atlas import models as m

    square = {
        "type": "Polygon",
        "coordinates": [[[6.8, 51.4], [6.9, 51.4], [6.9, 51.5], [6.8, 51.5], [6.8, 51.4]]],
    }
    quarter = atlas.quarters.save(None, {"name": "Mitte", "boundary_geojson": json.dumps(square)}).id
    header = ["Name", "Straße", "PLZ", "Ort", "Breitengrad", "Längengrad"]
    rows = [
        ["Mit Pin", "Markt 1", "46045", "Oberhausen", "51,45", "6,85"],
        ["Pin draußen", "", "", "", "52,0", "7,5"],
        ["Nur Adresse", "Markt 2", "46045", "Oberhausen", "", ""],
        ["Nichts", "", "", "", "", ""],
    ]
    imp.apply(atlas, load(atlas, write_csv(tmp_path / "p.csv", rows, header)))
    with atlas.sessions() as session:
        i = m.Institution
        got = {
            name: (q, manual, status)
            for name, q, manual, status in session.execute(
                select(i.name, i.quarter_id, i.quarter_manual, i.geocode_status)
            )
        }
    assert got == {
        "Mit Pin": (quarter, False, "manual"),
        "Pin draußen": (None, False, "manual"),
        "Nur Adresse": (None, False, "pending"),
        "Nichts": (None, False, None),
    }
    # Merging a pin into an existing record places it too.
    more = [["Nur Adresse", "", "46045", "", "51,41", "6,81"]]
    plan = load(atlas, write_csv(tmp_path / "q.csv", more, header))
    assert plan.duplicates and imp.apply(atlas, plan, default_choice="merge").merged == 1
    with atlas.sessions() as session:
        row = session.execute(select(i.quarter_id, i.geocode_status).where(i.name == "Nur Adresse")).one()
    assert tuple(row) == (quarter, "manual")


# -- writing ---------------------------------------------------------------------------


def test_nothing_is_imported_while_any_row_is_invalid(tmp_path: Path, atlas: Atlas) -> None:
    rows = [*GOOD, ["Falsch", "", "", "", "", "", "", "@", ""]]
    plan = load(atlas, write_csv(tmp_path / "l.csv", rows))
    with pytest.raises(imp.ImportRefused, match="1 Zeile"):
        imp.apply(atlas, plan)
    assert atlas.institutions.count() == 0


@pytest.mark.both_backends
def test_skip_invalid_imports_the_rest_and_reports_the_rejects(tmp_path: Path, atlas: Atlas) -> None:
    rows = [
        *GOOD,
        ["Falsch", "", "", "", "", "", "", "@", ""],
        ['=HYPERLINK("http://x")', "", "", "", "", "", "", "", "Nix"],
    ]
    plan = load(atlas, write_csv(tmp_path / "l.csv", rows), create_terms=False)
    result = imp.apply(atlas, plan, skip_invalid=True)
    assert (result.created, result.skipped_invalid, result.merged) == (3, 2, 0)
    assert names(atlas) == ["Kita Sonnenschein", "Schuldnerberatung Caritas", "Suchtberatung Löwenzahn"]
    caritas = atlas.institutions.get(atlas.institutions.list_ids("caritas")[0]).values
    assert caritas["street"] == "Marktstraße 12" and caritas["is_public"] is True
    assert "3 importiert" in result.summary() and "2 fehlerhafte" in result.summary()
    report = tmp_path / "abgelehnt.csv"
    assert imp.write_rejects(plan, report) == 2
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == [*HEADER, "Zeile", "Fehler"]
    assert lines[1][-2:] == ["5", "E-Mail: Keine gültige E-Mail-Adresse: @"]
    assert lines[2][0] == '\'=HYPERLINK("http://x")'  # neutralised in the report
    # The report can be read back as it was (the quote is taken off again).
    again = imp.read_table(report)
    assert again.rows[1][1][0] == '=HYPERLINK("http://x")'
    assert imp.suggest_mapping("institution", again.headers).get(len(HEADER)) is None


@pytest.mark.both_backends
def test_contact_person_column_creates_contacts(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "Ansprechpartner/in", "Funktion"]
    rows = [
        ["Treff", "Frau Dr. Anna Maria Schmidt", "Leitung"],
        ["Kita", "Yılmaz, Ayşe", ""],
        ["Haus", "", ""],
    ]
    result = imp.apply(atlas, load(atlas, write_csv(tmp_path / "c.csv", rows, header, encoding="utf-8")))
    assert result.contacts_created == 2
    contacts = {atlas.contacts.get(i).title: atlas.contacts.get(i).values for i in atlas.contacts.list_ids()}
    assert set(contacts) == {"Dr. Anna Maria Schmidt", "Ayşe Yılmaz"}
    assert contacts["Dr. Anna Maria Schmidt"]["function"] == "Leitung"
    assert atlas.contacts.list_ids("schmidt treff")  # indexed with the institution's name


def test_formula_strings_are_imported_as_plain_text(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "Telefon", "Notizen"]
    rows = [
        ['=HYPERLINK("http://boese.example","klick")', "'+49 208 123456", "@SUM(A1:A2)"],
        ["-Minus am Anfang", "+49 208 654321", "=1+1"],
    ]
    plan = load(atlas, write_csv(tmp_path / "f.csv", rows, header, encoding="utf-8"))
    assert plan.errors == ()
    imp.apply(atlas, plan)
    stored = {
        atlas.institutions.get(i).values["name"]: atlas.institutions.get(i).values
        for i in atlas.institutions.list_ids()
    }
    assert stored['=HYPERLINK("http://boese.example","klick")']["phone"] == "+49 208 123456"
    assert stored["-Minus am Anfang"]["notes"] == "=1+1"


# -- duplicates ------------------------------------------------------------------------


def test_names_are_normalised_for_duplicates() -> None:
    norm = imp.normalise_name
    assert (
        norm("Caritasverband Oberhausen e. V.")
        == norm("CARITASVERBAND OBERHAUSEN E.V.")
        == "caritasverband oberhausen"
    )
    assert norm("Werkhof Emscher gGmbH") == norm("Werkhof-Emscher") == "werkhof emscher"
    assert norm("Bürgertreff Müller") == norm("Buergertreff Mueller")
    assert norm("Ev. Kirchengemeinde") == "ev kirchengemeinde"  # evangelisch stays
    assert imp.similarity("Schuldnerberatung der Caritas", "Caritas Schuldnerberatung e.V.") >= 80
    assert imp.similarity("Kita 1", "Kita 2") == 0  # different numbers: different places


@pytest.mark.both_backends
def test_a_duplicate_pair_in_the_file_and_against_the_database(tmp_path: Path, atlas: Atlas) -> None:
    imp.apply(atlas, load(atlas, write_csv(tmp_path / "a.csv", GOOD[:1])))
    existing = atlas.institutions.list_ids()[0]
    rows = [
        ["Schuldnerberatung Caritas e.V.", "", "Markt", "12", "46045", "", "", "", ""],  # DB, same postcode
        ["Schuldnerberatung Caritas", "", "", "", "46049", "", "", "", ""],  # other postcode: new
        ["Kita Sonnenschein", "", "", "", "01067", "", "0351 1234567", "", ""],
        ["KITA SONNENSCHEIN gGmbH", "Träger e.V.", "", "", "01067", "", "", "kita@example.org", ""],  # file
    ]
    plan = load(atlas, write_csv(tmp_path / "b.csv", rows))
    dups = {d.row: d for d in plan.duplicates}
    assert set(dups) == {2, 5}
    assert dups[2].existing_id == existing and dups[2].score == 100
    assert dups[2].existing_summary == "Marktstraße 12, 46045 Oberhausen"
    assert dups[5].other_row == 4 and dups[5].existing_id is None
    assert "wie Zeile 4" in dups[5].describe() and "schon vorhanden" in dups[2].describe()

    # Default: duplicates are skipped.
    result = imp.apply(atlas, plan)
    assert (result.created, result.skipped_duplicates, result.duplicates) == (2, 2, 2)
    assert atlas.institutions.count() == 3


@pytest.mark.both_backends
def test_duplicate_choices_merge_skip_import(tmp_path: Path, atlas: Atlas) -> None:
    imp.apply(atlas, load(atlas, write_csv(tmp_path / "a.csv", GOOD[:1])))
    existing = atlas.institutions.list_ids()[0]
    before = atlas.institutions.get(existing)
    rows = [
        ["Schuldnerberatung Caritas e.V.", "Anderer Träger", "", "", "46045", "", "", "", ""],
        ["Kita Sonnenschein", "", "", "", "01067", "", "", "", ""],
        ["Kita Sonnenschein", "Träger gGmbH", "", "", "01067", "", "", "kita@example.org", ""],
        ["Kita Sonnenschein", "", "", "", "01067", "", "", "", ""],
    ]
    plan = load(atlas, write_csv(tmp_path / "b.csv", rows))
    result = imp.apply(atlas, plan, duplicate_choices={2: "merge", 4: "merge", 5: "import"})
    assert (result.created, result.merged, result.skipped_duplicates) == (2, 1, 0)
    after = atlas.institutions.get(existing)
    # Merge fills gaps and never overwrites: the carrier stays, the website was empty anyway.
    assert after.values["carrier"] == before.values["carrier"] == "Caritasverband e. V."
    assert after.version == before.version  # nothing to fill: unchanged
    kitas = [atlas.institutions.get(i) for i in atlas.institutions.list_ids("sonnenschein")]
    assert len(kitas) == 2
    merged = next(k for k in kitas if k.values["email"])
    assert (merged.values["carrier"], merged.values["email"]) == ("Träger gGmbH", "kita@example.org")
    with pytest.raises(imp.ImportFailed, match="unbekannte Wahl"):
        imp.apply(atlas, plan, duplicate_choices={2: "vielleicht"})  # type: ignore[dict-item]


@pytest.mark.both_backends
def test_merge_fills_empty_fields_of_the_existing_record(tmp_path: Path, atlas: Atlas) -> None:
    imp.apply(atlas, load(atlas, write_csv(tmp_path / "a.csv", [GOOD[1]])))
    existing = atlas.institutions.list_ids()[0]
    rows = [["Kita Sonnenschein", "Neuer Träger", "", "", "01067", "", "0351 1234567", "", ""]]
    plan = load(atlas, write_csv(tmp_path / "b.csv", rows))
    result = imp.apply(atlas, plan, default_choice="merge")
    assert result.merged_ids == (existing,)
    record = atlas.institutions.get(existing)
    assert (record.values["carrier"], record.values["phone"], record.version) == (
        "Neuer Träger",
        "0351 1234567",
        2,
    )
    assert atlas.institutions.list_ids("neuer träger") == [existing]


# -- one transaction, progress, cancel ------------------------------------------------


def _many(n: int) -> list[list[str]]:
    return [
        [f"Einrichtung {i}", "", "Weg", str(i), "46045", "Oberhausen", "", "", "Wohnen"] for i in range(n)
    ]


@pytest.mark.both_backends
def test_cancel_rolls_everything_back(tmp_path: Path, atlas: Atlas) -> None:
    plan = load(atlas, write_csv(tmp_path / "l.csv", _many(2500)))
    seen: list[tuple[int, int]] = []
    with pytest.raises(imp.ImportCancelled, match="nichts gespeichert"):
        imp.apply(atlas, plan, progress=lambda d, t: seen.append((d, t)), cancelled=lambda: len(seen) >= 1)
    assert seen == [(1000, 2500)]
    assert atlas.institutions.count() == 0
    assert atlas.institutions.list_ids("einrichtung") == []
    table = imp.read_table(tmp_path / "l.csv")
    with pytest.raises(imp.ImportCancelled):
        imp.prepare(
            atlas,
            "institution",
            table,
            imp.suggest_mapping("institution", table.headers),
            cancelled=lambda: True,
        )


@pytest.mark.both_backends
def test_a_record_deleted_between_preview_and_import_rolls_back(tmp_path: Path, atlas: Atlas) -> None:
    imp.apply(atlas, load(atlas, write_csv(tmp_path / "a.csv", [GOOD[1]])))
    existing = atlas.institutions.list_ids()[0]
    rows = [*_many(3), ["Kita Sonnenschein", "Neu", "", "", "01067", "", "", "", ""]]
    plan = load(atlas, write_csv(tmp_path / "b.csv", rows))
    atlas.institutions.delete(existing)
    with pytest.raises(imp.ImportFailed, match="gelöscht"):
        imp.apply(atlas, plan, default_choice="merge")
    assert atlas.institutions.count() == 0


def test_fifty_thousand_rows_import_whole_with_steady_progress(tmp_path: Path, atlas: Atlas) -> None:
    header = ["Name", "PLZ", "Ort", "Kategorie", "Breitengrad", "Längengrad"]
    postcodes = ["46045", "46047", "46049", "46117", "01067", "10115", "20095", "80331"]
    rows = [
        [f"Treffpunkt {i}", postcodes[i % 8], "Oberhausen", "Wohnen", f"51,{i % 9999:04d}", "6,85"]
        for i in range(50_000)
    ]
    path = write_csv(tmp_path / "gross.csv", rows, header)
    table = imp.read_table(path)
    assert len(table) == 50_000 and table.rows[-1][0] == 50_001
    calls: list[int] = []
    plan = imp.prepare(
        atlas,
        "institution",
        table,
        imp.suggest_mapping("institution", header),
        progress=lambda d, t: calls.append(d),
    )
    assert plan.errors == () and plan.duplicates == ()
    assert calls[0] == 0 and calls[-1] == 50_000
    result = imp.apply(atlas, plan)
    assert result.created == 50_000
    assert atlas.institutions.list_ids("treffpunkt 49999") != []
    # Its speed is measured in benchmarks/bench_import.py, not asserted here (the suite
    # may share the machine).


# -- other kinds -----------------------------------------------------------------------


@pytest.fixture
def with_institutions(tmp_path: Path, atlas: Atlas) -> Atlas:
    rows = [*GOOD, ["Kita Sonnenschein", "", "Markt", "1", "46045", "Oberhausen", "", "", "Kinderbetreuung"]]
    result = imp.apply(atlas, load(atlas, write_csv(tmp_path / "inst.csv", rows)), default_choice="import")
    assert result.created == 4
    return atlas


@pytest.mark.both_backends
def test_offers_reference_their_institution_by_name_and_postcode(
    tmp_path: Path, with_institutions: Atlas
) -> None:
    atlas = with_institutions
    header = [
        "Angebot",
        "Einrichtung",
        "PLZ",
        "Kategorie",
        "Zielgruppe(n)",
        "Gültig ab",
        "Gültig bis",
        "Plätze",
    ]
    rows = [
        ["Offene Sprechstunde", "Schuldnerberatung Caritas e.V.", "", "Schuldnerberatung", "Alleinerziehende, Familien", "01.01.2024", "31.12.2024", "12"],
        ["Krabbelgruppe", "Kita Sonnenschein", "01067", "Kinderbetreuung", "Familien", "", "", ""],
        ["Spielgruppe", "Kita Sonnenschein", "", "", "", "", "", ""],
        ["Beratung", "Schuldnerberatung Karitas", "", "", "Senioren", "01.01.2025", "01.01.2024", "-3"],
    ]  # fmt: skip
    plan = load(atlas, write_csv(tmp_path / "o.csv", rows, header), kind="offer")
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert (
        messages[(4, "Einrichtung")]
        == "Es gibt 2 Einrichtungen „Kita Sonnenschein“. Bitte die PLZ der Einrichtung angeben."
    )
    assert messages[(5, "Einrichtung")].startswith(
        "Die Einrichtung „Schuldnerberatung Karitas“ gibt es nicht. Meinten Sie „Schuldnerberatung Caritas“?"
    )
    senioren = plan.new_term("target_group", "senioren")
    assert senioren is not None and senioren.rows == (5,)  # new: no error, created on import
    assert messages[(5, "Gültig bis")] == "„Gültig bis“ liegt vor „Gültig ab“."
    assert "Keine gültige ganze Zahl" in messages[(5, "Plätze")] or "0 bis" in messages[(5, "Plätze")]
    result = imp.apply(atlas, plan, skip_invalid=True)
    assert result.created == 2
    assert result.terms_created == ()  # only row 5 named "Senioren", and it was left out
    offer = atlas.offers.get(atlas.offers.list_ids("sprechstunde")[0]).values
    groups = {
        t.id: t.name
        for t in atlas.taxonomy.terms(
            __import__("atlas.models", fromlist=["Vocabulary"]).Vocabulary.TARGET_GROUP
        )
    }
    assert sorted(groups[g] for g in offer["target_groups"]) == ["Alleinerziehende", "Familien"]
    assert offer["capacity"] == 12
    assert atlas.offers.list_ids("alleinerziehende")  # the target groups are in the index
    # The same offers again are duplicates of the stored ones.
    again = load(atlas, write_csv(tmp_path / "o2.csv", rows[:2], header), kind="offer")
    assert [d.existing_title for d in again.duplicates] == ["Offene Sprechstunde", "Krabbelgruppe"]


@pytest.mark.both_backends
def test_contacts_and_actors(tmp_path: Path, with_institutions: Atlas) -> None:
    atlas = with_institutions
    header = ["Name", "Funktion", "Einrichtung", "PLZ", "Telefon", "E-Mail", "Einwilligung am"]
    rows = [
        ["Frau Anna Schmidt", "Leitung", "Suchtberatung Löwenzahn", "", "0208 111111", "anna@example.org", "03.04.2024"],
        ["Müller, Jörg", "", "", "", "", "joerg@", ""],
        ["Ohne", "", "Gibt es nicht", "", "", "", ""],
    ]  # fmt: skip
    plan = load(atlas, write_csv(tmp_path / "k.csv", rows, header, encoding="utf-8"), kind="contact")
    assert [(e.row, e.column) for e in plan.errors] == [(3, "E-Mail"), (4, "Einrichtung")]
    imp.apply(atlas, plan, skip_invalid=True)
    anna = atlas.contacts.get(atlas.contacts.list_ids("anna")[0]).values
    assert (anna["first_name"], anna["last_name"], anna["function"]) == ("Anna", "Schmidt", "Leitung")
    assert str(anna["consent_date"]) == "2024-04-03"

    header = ["Akteur", "Einrichtung", "Sektor", "Status"]
    rows = [
        ["", "Suchtberatung Löwenzahn", "Soziale Einrichtung / Träger", "Aktiv"],
        ["Jobcenter Oberhausen", "", "Jobcenter", ""],
        ["Stadt", "", "Behörde", "schlafend"],
    ]
    plan = load(atlas, write_csv(tmp_path / "a.csv", rows, header, encoding="utf-8"), kind="actor")
    messages = [e.message for e in plan.errors]
    assert messages == ["Status „schlafend“ gibt es nicht. Erlaubt: angesprochen, informiert, aktiv, ruhend"]
    assert [t.label for t in plan.new_terms] == ["Sektor „Behörde“"]
    assert imp.apply(atlas, plan, skip_invalid=True).terms_created == ()  # its row was left out
    actors = {atlas.actors.get(i).values["name"]: atlas.actors.get(i).values for i in atlas.actors.list_ids()}
    assert actors["Suchtberatung Löwenzahn"]["status"] == "aktiv"
    assert actors["Suchtberatung Löwenzahn"]["institution_id"] is not None
    assert actors["Jobcenter Oberhausen"]["status"] == "angesprochen"
