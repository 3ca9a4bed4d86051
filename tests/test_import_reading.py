"""Importing lists, the reading: German Excel files as they come (Windows-1252 with ``;``,
UTF-8 with BOM, UTF-16 Unicode text, quoted line breaks, empty lines), XLSX cell by cell,
the hostile ones (zip bomb, entity bomb, broken files), vCard and GeoJSON as tables.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from atlas.core import Atlas
from atlas.files import csv_bytes
from atlas.io import importing as imp
from tests.import_support import GOOD, write_csv

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
