"""Importing lists: reading German Excel files, mapping, validation, duplicates, one transaction.

Every file is built by the test itself (the corpus of the issue): Windows-1252 with ``;``,
UTF-8 with BOM, quoted line breaks, empty lines, wrong dates, bad e-mails, a 50,000-row
file, a duplicate pair, formula strings, a zip bomb and an entity bomb.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from atlas.core import Atlas
from atlas.files import csv_bytes
from atlas.io import importing as imp

HEADER = ["Einrichtung", "Träger", "Straße", "Hausnummer", "PLZ", "Ort", "Telefon", "E-Mail", "Kategorie"]
GOOD = [
    ["Schuldnerberatung Caritas", "Caritasverband e. V.", "Marktstraße", "12", "46045", "Oberhausen",
     "0208 123456", "info@caritas.example.org", "Schuldnerberatung"],
    ["Kita Sonnenschein", "", "Lange Straße", "3", "01067", "Dresden", "", "", "Kinderbetreuung"],
    ["Suchtberatung Löwenzahn", "Diakonie", "Mülheimer Str.", "7a", "46049", "Oberhausen", "",
     "hilfe@loewenzahn.example.org", "Suchtberatung"],
]  # fmt: skip


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = HEADER,
    encoding: str = "cp1252",
    sep: str = ";",
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def load(
    atlas: Atlas, path: Path, kind: str = "institution", create_terms: bool = True, **read: str
) -> imp.ImportPlan:
    table = imp.read_table(path, **read)
    return imp.prepare(
        atlas, kind, table, imp.suggest_mapping(kind, table.headers), create_terms=create_terms
    )


def names(atlas: Atlas) -> list[str]:
    service = atlas.institutions
    return sorted(service.get(i).values["name"] for i in service.list_ids())


# -- reading ---------------------------------------------------------------------------


def test_windows_1252_with_semicolons_and_umlauts(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "liste.csv", GOOD)
    table = imp.read_table(path)
    assert (table.encoding, table.separator, table.format) == ("cp1252", ";", "csv")
    assert table.headers[1] == "Träger"
    assert table.rows[2] == (4, tuple(GOOD[2]))
    assert table.rows[1][1][4] == "01067"  # the leading zero stays: text, never a number


def test_utf8_with_bom_and_without(tmp_path: Path) -> None:
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + "Name;Ort\r\nÄrztehaus;Köln\r\n".encode())
    table = imp.read_table(with_bom)
    assert table.encoding == "utf-8-sig" and table.headers == ("Name", "Ort")
    assert table.rows == ((2, ("Ärztehaus", "Köln")),)
    plain = tmp_path / "plain.csv"
    plain.write_bytes("Name,Ort\nÄrztehaus,Köln\n".encode())
    table = imp.read_table(plain)
    assert (table.encoding, table.separator) == ("utf-8", ",")
    assert table.rows[0][1] == ("Ärztehaus", "Köln")


def test_encoding_decision_is_deterministic() -> None:
    assert imp.detect_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert imp.detect_encoding("Straße".encode()) == "utf-8"
    assert imp.detect_encoding("Straße".encode("cp1252")) == "cp1252"
    assert imp.detect_encoding(b"\xff\xfeN\x00") == "utf-16"
    assert imp.detect_encoding(b"plain ascii") == "utf-8"


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes("Name\tPLZ\r\nBürgertreff\t46045\r\n".encode("utf-16"))
    table = imp.read_table(path)
    assert (table.encoding, table.separator) == ("utf-16", "\t")
    assert table.rows[0][1] == ("Bürgertreff", "46045")


def test_separator_is_counted_outside_quotes_on_whole_lines() -> None:
    # Decimal commas and commas inside quotes must not win over the semicolon.
    text = 'Name;Breitengrad;Längengrad\n"Treff, Mitte";51,47;6,85\n"A;B";51,1;6,2\n'
    assert imp.detect_separator(text) == ";"
    # Semicolons inside quoted text must not win over the comma.
    text = 'Name,Notiz\n"Kita","a; b; c"\n"Treff","x; y"\n'
    assert imp.detect_separator(text) == ","
    assert imp.detect_separator("Name\tOrt\nA\tB\n") == "\t"
    # A quoted line break does not end the record.
    text = 'Name;Straße\n"Zwei\nZeilen";Markt 1\n"A";"B"\n'
    assert imp.detect_separator(text) == ";"


def test_quoted_line_breaks_separators_and_empty_lines(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_bytes(
        'Name;Straße;Notizen\r\n\r\n"Treff ""Mitte"";Nord";"Markt\r\n1";"erste\r\nzweite"\r\n;;\r\n\r\nKita;Weg 2;\r\n'.encode()
    )
    table = imp.read_table(path)
    assert table.separator == ";"
    # Row numbers are those Excel shows: a quoted line break stays in its row, empty rows count.
    assert table.rows == (
        (3, ('Treff "Mitte";Nord', "Markt\r\n1", "erste\r\nzweite")),
        (6, ("Kita", "Weg 2", "")),
    )


def test_encoding_and_separator_can_be_overridden(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "liste.csv", GOOD)
    wrong = imp.read_table(path, encoding="latin-1", separator=",")
    assert (wrong.encoding, wrong.separator) == ("latin-1", ",")
    assert len(wrong.headers) == 1
    with pytest.raises(imp.FileRefused, match="nicht als utf-8 lesen"):
        imp.read_table(path, encoding="utf-8")
    with pytest.raises(imp.FileRefused, match="Unbekannte Zeichenkodierung"):
        imp.read_table(path, encoding="klingonisch")


def test_oversized_and_unsupported_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "liste.csv", GOOD * 10)
    with pytest.raises(imp.FileRefused, match="zu groß"):
        imp.read_table(path, max_bytes=100)
    old = tmp_path / "alt.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(imp.FileRefused, match=r"\.xlsx oder \.csv"):
        imp.read_table(old)
    empty = tmp_path / "leer.csv"
    empty.write_bytes(b"\r\n\r\n")
    with pytest.raises(imp.FileRefused, match="leer"):
        imp.read_table(empty)
    with pytest.raises(imp.FileRefused, match="kann nicht gelesen werden"):
        imp.read_table(tmp_path / "gibtsnicht.csv")


def _xlsx_with(path: Path, sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name"])  # type: ignore[union-attr]
    book.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def test_hand_written_sheet_xml_is_read_cell_by_cell(tmp_path: Path) -> None:
    """Inline strings, rich text, booleans, errors, cells and rows without references."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- written by hand -->'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>'
        b'<c r="C1" t="inlineStr"><is><r><t>P</t></r><r><t>LZ</t></r></is></c></row>'
        b'<row r="3"><c r="A3" t="str"><v>Treff</v></c><c r="B3" t="b"><v>1</v></c><c r="C3"><v>46045</v></c></row>'
        b'<row><c t="e"><v>#NV</v></c><c><v>1.5E3</v></c><c><v>51.25</v></c></row>'
        b"</sheetData></worksheet>"
    )
    table = imp.read_table(_xlsx_with(tmp_path / "hand.xlsx", sheet))
    assert table.headers == ("Name", "Spalte 2", "PLZ")
    assert table.rows == ((3, ("Treff", "ja", "46045")), (4, ("#NV", "1500", "51.25")))


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    # 64 MB of the same bytes pack to ~64 KB: far beyond any real sheet's ratio.
    bomb = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    bomb += b" " * (64 * 1024 * 1024) + b"</sheetData></worksheet>"
    path = _xlsx_with(tmp_path / "bombe.xlsx", bomb)
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(imp.FileRefused, match="Zip-Bombe"):
        imp.read_table(path)
    with pytest.raises(imp.FileRefused, match="entpackt"):
        imp.read_table(path, max_unpacked=10 * 1024 * 1024)


def test_xml_entity_bomb_is_refused(tmp_path: Path) -> None:
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    path = _xlsx_with(tmp_path / "entities.xlsx", lol)
    with pytest.raises(imp.FileRefused, match="DTD"):
        imp.read_table(path)
    # Hidden behind a long comment, the DTD is still refused (the prolog check reads on).
    hidden = lol.replace(b"<!DOCTYPE", b"<!--" + b"x" * 8000 + b"--><!DOCTYPE", 1)
    path = _xlsx_with(tmp_path / "hidden.xlsx", hidden)
    with pytest.raises(imp.FileRefused):
        imp.read_table(path)


def test_the_xml_parser_refuses_a_dtd_even_past_the_prolog_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second wall: should the prolog check ever miss a declaration, defusedxml's parser
    (forbid_dtd) refuses it before any entity is expanded."""
    from atlas.io import xlsx

    monkeypatch.setattr(xlsx, "prolog_is_safe", lambda part: True)  # the first wall broken
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    path = _xlsx_with(tmp_path / "bombe.xlsx", bomb)
    with pytest.raises(imp.FileRefused, match="DTD"):
        imp.read_table(path)


def test_a_broken_xlsx_and_a_zip_named_csv_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"PK\x03\x04 nicht wirklich")
    with pytest.raises(imp.FileRefused, match=r"keine gültige \.xlsx"):
        imp.read_table(broken)
    zipped = tmp_path / "liste.csv"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("a.txt", "x")
    with pytest.raises(imp.FileRefused, match="ZIP"):
        imp.read_table(zipped)


def test_xlsx_values_become_text_as_the_forms_expect(tmp_path: Path, atlas: Atlas) -> None:
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Einrichtungen"
    sheet.append(["Name", "PLZ", "Breitengrad", "Längengrad", "Geprüft am", "Öffentlich"])
    sheet.append(["Kita Dresden", 1067, 51.05, 13.74, dt.datetime(2024, 3, 1), True])
    sheet.append([])
    sheet.append(["'=Formel als Text", "46045", "51,47", "6,85", "01.02.2023", "nein"])
    book.create_sheet("Zweite")
    path = tmp_path / "liste.xlsx"
    book.save(path)
    table = imp.read_table(path)
    assert (table.format, table.sheet, table.sheets) == ("xlsx", "Einrichtungen", ("Einrichtungen", "Zweite"))
    assert table.rows[0] == (2, ("Kita Dresden", "1067", "51.05", "13.74", "01.03.2024", "ja"))
    assert table.rows[1][0] == 4 and table.rows[1][1][0] == "=Formel als Text"
    plan = imp.prepare(atlas, "institution", table, imp.suggest_mapping("institution", table.headers))
    assert plan.errors == ()
    first = plan.rows[0].values
    assert first["postcode"] == "01067"  # Excel dropped the zero of a numeric column
    assert (first["lat"], first["lon"], first["is_public"]) == (51.05, 13.74, True)
    assert plan.rows[1].values["is_public"] is False
    with pytest.raises(imp.FileRefused, match="„Dritte“ gibt es"):
        imp.read_table(path, sheet="Dritte")
    with pytest.raises(imp.FileRefused, match=r"Die Tabelle in liste\.xlsx ist leer"):
        imp.read_table(path, sheet="Zweite")


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


def test_vcard_and_geojson_files_are_read_as_tables(tmp_path: Path) -> None:
    card = tmp_path / "k.vcf"
    card.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Schmidt;Anna;;;\r\nFN:Anna Schmidt\r\nORG:Treff\\, Mitte\r\n"
        b"TITLE:Leitung\r\nTEL;TYPE=WORK:0208 1\r\nEMAIL:anna@example.org\r\nNOTE:eins\\ntwo\r\n"
        b" weiter\r\nEND:VCARD\r\n"
    )
    table = imp.read_table(card)
    assert table.rows == (
        (1, ("Anna", "Schmidt", "Treff, Mitte", "Leitung", "0208 1", "anna@example.org", "eins\ntwoweiter")),
    )
    assert set(imp.suggest_mapping("contact", table.headers).values()) >= {
        "first_name",
        "last_name",
        "institution",
    }
    geo = tmp_path / "e.geojson"
    geo.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point",'
        '"coordinates":[6.85,51.47]},"properties":{"name":"Treff","postcode":"01067"}}]}',
        encoding="utf-8",
    )
    table = imp.read_table(geo)
    assert table.headers == ("name", "postcode", "Breitengrad", "Längengrad")
    assert table.rows == ((1, ("Treff", "01067", "51.47", "6.85")),)


#: A vCard 2.1 file as Outlook exports it: quoted-printable values in Windows-1252 and UTF-8,
#: a soft line break (``=`` at the end of a line) inside a value, bare type parameters, a fax
#: number, a preferred e-mail after another one, a base64 photo ending in an empty line, and a
#: second card written in raw Windows-1252 bytes.
OUTLOOK_VCF = (
    b"BEGIN:VCARD\r\n"
    b"VERSION:2.1\r\n"
    b"N;LANGUAGE=de;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
    b"FN;CHARSET=Windows-1252;ENCODING=QUOTED-PRINTABLE:J=FCrgen M=FCller\r\n"
    b"ORG;CHARSET=windows-1252;ENCODING=QUOTED-PRINTABLE:Familienzentrum St. J=F6rg;Beratung\r\n"
    b"TITLE:Sozialarbeiter\r\n"
    b"TEL;WORK;FAX:0208 123499\r\n"
    b"TEL;WORK;VOICE:0208 123456\r\n"
    b"TEL;HOME;VOICE:0208 999\r\n"
    b"EMAIL;INTERNET:privat@example.org\r\n"
    b"EMAIL;PREF;INTERNET:juergen.mueller@example.org\r\n"
    b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Erste Zeile =C3=BCber den Stra=C3=9Fe=\r\n"
    b"nrand=0D=0AZweite Zeile, weich umbrochen=\r\n"
    b" und weiter\r\n"
    b"LABEL;WORK;ENCODING=QUOTED-PRINTABLE:Marktstra=DFe 1=0D=0A46045 Oberhausen\r\n"
    b"PHOTO;TYPE=JPEG;ENCODING=BASE64:\r\n"
    b" /9j/4AAQSkZJRgABAQEAYABgAAD/\r\n"
    b"\r\n"
    b"END:VCARD\r\n"
    b"BEGIN:VCARD\r\n"
    b"VERSION:2.1\r\n"
    b"N:Sch\xe4fer;Bj\xf6rn\r\n"
    b"ORG:Caf\xe9 Kompass\r\n"
    b"TEL;CELL:0170 1\r\n"
    b"END:VCARD\r\n"
)


def test_outlook_vcard_21_with_quoted_printable_and_charsets(tmp_path: Path) -> None:
    path = tmp_path / "outlook.vcf"
    path.write_bytes(OUTLOOK_VCF)
    table = imp.read_table(path)
    assert table.rows == (
        (
            1,
            (
                "Jürgen",
                "Müller",
                "Familienzentrum St. Jörg",
                "Sozialarbeiter",
                "0208 123456",  # the first voice number; the fax is no phone
                "juergen.mueller@example.org",  # the preferred address
                "Erste Zeile über den Straßenrand\nZweite Zeile, weich umbrochen und weiter",
            ),
        ),
        (2, ("Björn", "Schäfer", "Café Kompass", "", "0170 1", "", "")),
    )


def test_vcard_30_and_40(tmp_path: Path) -> None:
    path = tmp_path / "neu.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Özdemir;Ayşe;;;\r\nFN:Ayşe Özdemir\r\n"
        "ORG:Stadtteilbüro Styrum;Netzwerk\r\nTITLE:Koordination\r\n"
        'TEL;VALUE=uri;TYPE="cell":tel:+49-170-1\r\n'
        'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+49-208-555\r\n'
        "EMAIL;TYPE=work:ayse@example.org\r\nNOTE:Zeile\\nzwei\\; drei\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kai Celik\r\nN:Celik;Kai;;;\r\n"
        "item1.EMAIL;type=INTERNET:kai@example.org\r\nitem2.EMAIL;type=INTERNET;type=pref:k.celik@example.org\r\n"
        "TEL;TYPE=WORK,FAX:0208 2\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    table = imp.read_table(path)
    assert table.rows == (
        (1, ("Ayşe", "Özdemir", "Stadtteilbüro Styrum", "Koordination", "+49-208-555", "ayse@example.org",
             "Zeile\nzwei; drei")),
        (2, ("Kai", "Celik", "", "", "", "k.celik@example.org", "")),
    )  # fmt: skip


def test_csv_bytes_helper_is_what_excel_reads() -> None:
    data = csv_bytes(["Name"], [["=1+1"], ["a\x00b"]])
    assert data == b"\xef\xbb\xbfName\r\n'=1+1\r\nab\r\n"
