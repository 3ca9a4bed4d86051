"""Hostile files are refused in bounded memory and time, with a German message (issue 11 §2).

Each hostile file is generated here (tmp_path) and read in a child process under an
address-space limit (``resource.setrlimit(RLIMIT_AS)``, 1 GiB: a normal 10,000-row import
peaks at 90 MB (CSV) / 175 MB (XLSX) of address space, shapely+numpy for the quarter
import add ~130 MB) and a CPU-time limit. The child must end with the German refusal, an
``AtlasError`` - not MemoryError, RecursionError or a traceback - in under 5 s with a
peak resident size under 500 MB. The figures are printed (``pytest -s``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from atlas import limits
from atlas.core import Atlas
from atlas.errors import AtlasError, ValidationError
from atlas.io import exporting as exp
from atlas.io import importing as imp
from atlas.records.schema import MEETING_KIND_CHOICES

ROOT = Path(__file__).resolve().parents[1]
ADDRESS_SPACE = 1024 * 1024 * 1024
MAX_SECONDS = 5.0
MAX_PEAK_MB = 500

# Runs the call under the limits and reports as JSON on stdout; anything but an
# AtlasError escapes as a traceback on stderr (and a non-zero exit code).
CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
resource.setrlimit(resource.RLIMIT_CPU, (30, 30))
sys.path.insert(0, sys.argv[2])
exec(sys.argv[3])  # imports, outside the clock
from atlas.errors import AtlasError
started = time.perf_counter()
try:
    result = eval(sys.argv[4])
    outcome = {"refused": None, "result": repr(result)[:200]}
except AtlasError as err:
    outcome = {"refused": str(err)}
outcome["seconds"] = time.perf_counter() - started
# Peak resident and peak virtual size of this process image (ru_maxrss would count the
# parent's size at fork).
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
outcome["peak_mb"] = int(status["VmHWM"].split()[0]) / 1024
outcome["address_space_mb"] = int(status["VmPeak"].split()[0]) / 1024
print(json.dumps(outcome))
"""


def in_child(setup: str, call: str, **paths: Path) -> dict[str, Any]:
    """Run ``call`` (an expression; ``paths`` are bound as names) in a limited child."""
    bind = "".join(f"{name} = {str(path)!r}\n" for name, path in paths.items())
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(ADDRESS_SPACE), str(ROOT), setup + "\n" + bind, call],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
        cwd=ROOT,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    label = ", ".join(Path(p).name for p in paths.values()) or call
    print(
        f"\n  {label[:24]:24} {call[:26]:26} {outcome['seconds']:5.2f} s  peak {outcome['peak_mb']:4.0f} MB"
        f"  (address space {outcome['address_space_mb']:4.0f} MB)"
    )
    return outcome


def refused(setup: str, call: str, *words: str, **paths: Path) -> str:
    outcome = in_child(setup, call, **paths)
    message = outcome["refused"]
    assert message is not None, f"not refused: {outcome}"
    for word in words:
        assert word in message, message
    assert outcome["seconds"] < MAX_SECONDS, outcome
    assert outcome["peak_mb"] < MAX_PEAK_MB, outcome
    return str(message)


TABLES = "from atlas.io.tables import read_table"


# -- XLSX, written by hand ------------------------------------------------------------------

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_xlsx(path: Path, rows_xml: str, shared: list[str] | None = None, styles: str | None = None) -> Path:
    """A minimal workbook: one sheet with ``rows_xml`` inside <sheetData> (or a whole
    <worksheet> if it starts with "<worksheet"), optional shared strings and styles."""
    sheet = (
        rows_xml
        if rows_xml.startswith("<worksheet")
        else f"<worksheet {NS}><sheetData>{rows_xml}</sheetData></worksheet>"
    )
    rels = [f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook {NS} xmlns:r="{REL}"><sheets>'
            '<sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        if shared is not None:
            z.writestr(
                "xl/sharedStrings.xml",
                f"<sst {NS}>" + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>",
            )
            rels.append(f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        if styles is not None:
            z.writestr("xl/styles.xml", f"<styleSheet {NS}>{styles}</styleSheet>")
            rels.append(f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/>')
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEAD = f'<row r="1">{inline("A1", "Name")}{inline("B1", "Ort")}</row>'


def test_xlsx_cell_in_column_zzzzzz_is_refused_at_once(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "weit.xlsx", HEAD + f'<row r="2">{inline("A2", "Treff")}{inline("ZZZZZZ2", "x")}</row>'
    )
    assert path.stat().st_size < 2000
    refused(TABLES, "read_table(p)", "weit.xlsx", "ZZZZZZ2", "Spalte 1.000", p=path)


def test_xlsx_many_wide_rows_are_refused_before_rows_are_widened(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{n}">{inline(f"A{n}", "a")}<c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 20_000)
    )
    path = write_xlsx(tmp_path / "breit.xlsx", HEAD + rows)
    refused(TABLES, "read_table(p)", "XFD2", p=path)
    header = "".join(inline(f"{limits_letters(i)}1", f"S{i}") for i in range(16_384))
    path = write_xlsx(tmp_path / "spalten.xlsx", f'<row r="1">{header}</row>')
    refused(TABLES, "read_table(p)", "ALM1", "Spalte 1.000", p=path)


def limits_letters(index: int) -> str:
    from atlas.io.xlsx import column_letters

    return column_letters(index)


def test_xlsx_formatted_empty_cells_far_right_and_a_huge_dimension_are_read(tmp_path: Path) -> None:
    """Not refused: Excel writes styled empty cells and a sheet-wide dimension; they cost nothing."""
    rows = "".join(
        f'<row r="{n}">{inline(f"A{n}", f"Treff {n}")}<c r="XFD{n}" s="0"/></row>' for n in range(2, 20_002)
    )
    sheet = f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>{HEAD}{rows}</sheetData></worksheet>'
    path = write_xlsx(tmp_path / "formatiert.xlsx", sheet)
    outcome = in_child(TABLES, "len(read_table(p).rows)", p=path)
    assert outcome["refused"] is None and outcome["result"] == "20000"
    assert outcome["peak_mb"] < MAX_PEAK_MB


def test_xlsx_shared_string_index_out_of_range_is_named(tmp_path: Path) -> None:
    for index in ("99", "-1", "x"):
        row = f'<row r="2"><c r="B2" t="s"><v>{index}</v></c></row>'
        path = write_xlsx(
            tmp_path / "verweis.xlsx", f'<row r="1"><c r="A1" t="s"><v>0</v></c></row>{row}', shared=["Name"]
        )
        with pytest.raises(
            imp.FileRefused, match=re.escape("verweis.xlsx: Die Zelle B2 verweist auf den gemeinsamen Text")
        ):
            imp.read_table(path)


def test_xlsx_date_cells_outside_the_calendar_are_named(tmp_path: Path) -> None:
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    for value in ("1e300", "-1e300", "1e20", "nan"):
        row = f'<row r="2">{inline("A2", "Treff")}<c r="B2" s="1"><v>{value}</v></c></row>'
        path = write_xlsx(tmp_path / "datum.xlsx", HEAD + row, styles=styles)
        with pytest.raises(imp.FileRefused, match=re.escape("datum.xlsx: Die Zelle B2 enthält")):
            imp.read_table(path)
    bad_iso = f'<row r="2">{inline("A2", "Treff")}<c r="B2" t="d"><v>morgen</v></c></row>'
    with pytest.raises(imp.FileRefused, match="Die Zelle B2 enthält kein gültiges Datum"):
        imp.read_table(write_xlsx(tmp_path / "iso.xlsx", HEAD + bad_iso))


def test_xlsx_overlong_shared_string_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "lang.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=["a" * 40_000]
    )
    with pytest.raises(imp.FileRefused, match=re.escape("länger als 32.767 Zeichen")):
        imp.read_table(path)


# -- CSV ---------------------------------------------------------------------------------


def test_csv_header_of_ten_million_separators(tmp_path: Path) -> None:
    path = tmp_path / "kopf.csv"
    path.write_bytes(b";" * 10_000_000 + b"\r\nTreff;Mitte\r\n")
    refused(TABLES, "read_table(p)", "kopf.csv", "Zeile 1 ist zu lang", p=path)


def test_csv_single_line_of_sixty_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "zeile.csv"
    with path.open("wb") as fh:
        fh.write(b"Name;Ort\r\n")
        for _ in range(60):
            fh.write(b"a,b;" * 262_144)
    assert path.stat().st_size < limits.MAX_FILE_BYTES
    refused(TABLES, "read_table(p)", "zeile.csv", "Zeile 2 ist zu lang", p=path)


def test_csv_wide_rows_long_cells_and_long_quoted_records(tmp_path: Path) -> None:
    wide = tmp_path / "breit.csv"
    wide.write_text("Name;Ort\n" + "x;" * 400_000 + "\n", encoding="utf-8")
    refused(TABLES, "read_table(p)", "breit.csv: Zeile 2 hat mehr als 1.000 Spalten", p=wide)
    cell = tmp_path / "zelle.csv"
    cell.write_text("Name;Ort\nTreff;" + "a" * 40_000 + "\n", encoding="utf-8")
    with pytest.raises(imp.FileRefused, match="Zeile 2, Spalte 2 ist zu lang"):
        imp.read_table(cell)
    field = tmp_path / "feld.csv"
    field.write_text('Name;Ort\nTreff;"' + "a" * 200_000 + '"\n', encoding="utf-8")
    with pytest.raises(imp.FileRefused, match=re.escape("feld.csv: eine Zelle in Zeile 2 ist zu lang")):
        imp.read_table(field)
    quoted = tmp_path / "zitat.csv"  # a quote never closed: the record runs over every line
    quoted.write_text('Name;Ort\n"Treff;' + "Mitte\n" * 400_000, encoding="utf-8")
    refused(TABLES, "read_table(p)", "zitat.csv", "ist zu lang", p=quoted)
    # Trailing empty cells beyond the cap (Excel's used range) are dropped, not refused.
    trailing = tmp_path / "leer.csv"
    trailing.write_text("Name;Ort" + ";" * 5000 + "\nTreff;Mitte" + ";" * 5000 + "\n", encoding="utf-8")
    table = imp.read_table(trailing)
    assert len(table.headers) == limits.MAX_COLUMNS and table.rows[0][1][:2] == ("Treff", "Mitte")


def test_csv_rows_over_the_cap_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "lang.csv"
    path.write_bytes(b"Name\n" + b"a\n" * (limits.MAX_ROWS + 1))
    refused(TABLES, "read_table(p)", "lang.csv hat mehr als 200.000 Zeilen", p=path)


def test_mixed_encoding_csv_is_reported_naming_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "gemischt.csv"
    path.write_bytes(
        "Name;Ort\r\nBürgertreff;Oberhausen\r\n".encode("cp1252")
        + "Müller-Stiftung;Mülheim\r\n".encode()
        + "Kita Löwenzahn;Essen\r\n".encode("cp1252")
    )
    with pytest.raises(imp.FileRefused) as info:
        imp.read_table(path)
    message = str(info.value)
    assert "gemischt.csv mischt zwei Zeichenkodierungen" in message
    assert "Zeile 3 ist als UTF-8 gespeichert („Müller-Stiftung;Mülheim“)" in message
    assert "Zeile 2 als Windows-1252" in message
    # Read as Windows-1252 on purpose: still no "MÃ¼ller".
    with pytest.raises(imp.FileRefused, match="mischt zwei Zeichenkodierungen"):
        imp.read_table(path, encoding="cp1252")
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes("Name;Ort\r\nMüller;Mülheim\r\n".encode())
    assert imp.read_table(utf8).rows[0][1] == ("Müller", "Mülheim")
    with pytest.raises(imp.FileRefused, match=r"ist als UTF-8 gespeichert \(Zeile 2"):
        imp.read_table(utf8, encoding="latin-1")


def test_genuine_windows_1252_text_is_not_taken_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    text = "Name;Notiz\r\nTreff „Zu Fuß“;Größe: 5 m² – 30 °C, Preis 3 €\r\nÄrztehaus;ÖPNV, Übergang\r\n"
    path.write_bytes(text.encode("cp1252"))
    table = imp.read_table(path)
    assert table.encoding == "cp1252"
    assert table.rows[0][1] == ("Treff „Zu Fuß“", "Größe: 5 m² – 30 °C, Preis 3 €")


def test_list_files_that_are_no_regular_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "liste.csv"
    os.mkfifo(fifo)
    refused(TABLES, "read_table(p)", "liste.csv ist keine gewöhnliche Datei", p=fifo)
    zero = tmp_path / "null.csv"
    zero.symlink_to("/dev/zero")
    refused(TABLES, "read_table(p)", "null.csv ist keine gewöhnliche Datei", p=zero)


# -- GeoJSON (list import and quarters) ----------------------------------------------------


def test_geojson_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "tief.geojson"
    path.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(TABLES, "read_table(p)", "tief.geojson ist zu tief verschachtelt", p=path)
    refused(
        "from atlas.geo.geometry import parse",
        "parse(p, 'name')",
        "Die Datei ist zu tief verschachtelt",
        p=path,
    )


def test_geojson_with_millions_of_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "punkte.geojson"
    ring = ",".join(["[6,51]"] * 2_100_000)
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Q"},'
        f'"geometry":{{"type":"Polygon","coordinates":[[{ring}]]}}}}]}}'
    )
    assert path.stat().st_size < limits.MAX_GEOJSON_BYTES
    refused("from atlas.geo.geometry import parse", "parse(p, 'name')", "zu viele Werte", p=path)
    refused(TABLES, "read_table(p)", "punkte.geojson enthält zu viele Werte", p=path)


def test_a_boundary_pasted_into_the_form_is_checked_before_parsing(atlas: Atlas) -> None:
    deep = '{"type": "Polygon", "coordinates": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ValidationError, match="Die Grenze ist zu tief verschachtelt"):
        atlas.quarters.save(None, {"name": "Tief", "boundary_geojson": deep})


def test_geojson_list_rows_and_columns_are_capped(tmp_path: Path) -> None:
    feature = '{"type":"Feature","properties":{"Name":"a"},"geometry":null}'
    path = tmp_path / "viele.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[' + ",".join([feature] * (limits.MAX_ROWS + 1)) + "]}"
    )
    refused(TABLES, "read_table(p)", "viele.geojson hat mehr als 200.000 Zeilen", p=path)
    props = ",".join(f'"p{i}":1' for i in range(limits.MAX_COLUMNS + 1))
    wide = tmp_path / "breit.geojson"
    wide.write_text(
        f'{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{{props}}}}}]}}'
    )
    with pytest.raises(imp.FileRefused, match=re.escape("mehr als 1.000 verschiedene Eigenschaften")):
        imp.read_table(wide)


# -- vCard ---------------------------------------------------------------------------------


def test_vcard_over_the_row_cap_and_with_a_huge_line(tmp_path: Path) -> None:
    cards = tmp_path / "viele.vcf"
    cards.write_bytes(b"BEGIN:VCARD\r\nN:a;b\r\nEND:VCARD\r\n" * (limits.MAX_ROWS + 1))
    refused(TABLES, "read_table(p)", "viele.vcf hat mehr als 200.000 Zeilen", p=cards)
    line = tmp_path / "zeile.vcf"
    line.write_bytes(b"BEGIN:VCARD\r\nNOTE:" + b"a" * 30_000_000 + b"\r\nEND:VCARD\r\n")
    refused(TABLES, "read_table(p)", "zeile.vcf: Zeile 2 ist zu lang", p=line)
    folded = tmp_path / "gefaltet.vcf"  # short physical lines, one endless unfolded line
    folded.write_bytes(
        b"BEGIN:VCARD\r\nNOTE:a\r\n" + b" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n" * 200_000
    )
    refused(TABLES, "read_table(p)", "gefaltet.vcf", "ist zu lang", p=folded)
    # vCard 2.1: a quoted-printable value goes on after every soft line break ("=" at the end)
    soft = tmp_path / "weich.vcf"
    soft.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\r\n"
        + b"=C3=BC=C3=BC=C3=BC=C3=BC=C3=BC=C3=BC=C3=BC=C3=BC=C3=BC=C3=BC=\r\n" * 200_000
    )
    refused(TABLES, "read_table(p)", "weich.vcf", "ist zu lang", p=soft)


# -- Open Referral -------------------------------------------------------------------------


def hsds_folder(path: Path, organization: str, datapackage: str | None = None) -> Path:
    path.mkdir()
    (path / "organization.csv").write_text(organization, encoding="utf-8")
    if datapackage is not None:
        (path / "datapackage.json").write_text(datapackage, encoding="utf-8")
    return path


HSDS = "from atlas.io.hsds_import import read_package"


def test_hsds_deep_datapackage_json(tmp_path: Path) -> None:
    folder = hsds_folder(
        tmp_path / "tief", "id,name\n1,Treff\n", '{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    refused(HSDS, "read_package(p)", "datapackage.json ist zu tief verschachtelt", p=folder)


def test_hsds_field_over_128_kb_and_too_many_rows(tmp_path: Path) -> None:
    folder = hsds_folder(tmp_path / "feld", 'id,name,description\n1,Treff,"' + "a" * 200_000 + '"\n')
    refused(HSDS, "read_package(p)", "organization.csv: eine Zelle in Zeile 2 ist zu lang", p=folder)
    rows = tmp_path / "zeilen"
    hsds_folder(rows, "id,name\n" + "1,a\n" * (limits.MAX_ROWS + 1))
    refused(HSDS, "read_package(p)", "organization.csv hat mehr als 200.000 Zeilen", p=rows)
    line = tmp_path / "zeile"
    hsds_folder(line, "id," * 3_000_000 + "\n")
    refused(HSDS, "read_package(p)", "organization.csv: Zeile 1 ist zu lang", p=line)


def test_hsds_field_over_128_kb_on_the_command_line(tmp_path: Path) -> None:
    folder = hsds_folder(tmp_path / "paket", 'id,name,description\n1,Treff,"' + "a" * 200_000 + '"\n')
    result = cli(tmp_path, "import", "hsds", str(folder))
    assert_one_german_line(result, "organization.csv: eine Zelle in Zeile 2 ist zu lang")


# -- the logo of reports -------------------------------------------------------------------

REPORTS = "from atlas.reports.common import load_logo"


def test_logo_from_dev_zero_or_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    refused(REPORTS, "load_logo('/dev/zero')", "zero ist keine gewöhnliche Datei")
    fifo = tmp_path / "logo.png"
    os.mkfifo(fifo)  # nobody writes: opening it for reading would block
    refused(REPORTS, "load_logo(p)", "logo.png ist keine gewöhnliche Datei", p=fifo)
    big = tmp_path / "gross.png"
    with big.open("wb") as fh:
        fh.truncate(limits.MAX_LOGO_BYTES + 1)
    refused(REPORTS, "load_logo(p)", "gross.png ist zu groß", "höchstens 5 MB", p=big)


# -- dates: four-digit years, 1900..2999 at entry, on import and on the command line -------


def test_dates_before_1900_are_refused_at_entry(atlas: Atlas) -> None:
    for value in ("01.01.0001", "0001-01-01", dt.date(1, 1, 1), "31.12.1899", "01.01.3000"):
        with pytest.raises(ValidationError, match="bitte ein Datum zwischen 1900 und 2999"):
            atlas.institutions.save(None, {"name": "Treff", "verified_on": value})
    old_meeting = {"title": "Alt", "kind": MEETING_KIND_CHOICES[0][0], "starts_at": "01.01.0001 10:00"}
    with pytest.raises(ValidationError, match="bitte ein Datum zwischen 1900 und 2999"):
        atlas.records["meeting"].save(None, old_meeting)
    with pytest.raises(ValidationError, match="bitte ein Datum zwischen 1900 und 2999"):
        atlas.records["meeting"].save(None, {**old_meeting, "starts_at": dt.datetime(1, 1, 1, 10)})
    saved = atlas.institutions.save(None, {"name": "Treff", "verified_on": "01.01.1900"})
    assert atlas.institutions.get(saved.id).values["verified_on"] == dt.date(1900, 1, 1)


def test_a_stored_year_1_date_exports_with_four_digits_and_is_refused_on_reimport(
    atlas: Atlas, tmp_path: Path
) -> None:
    saved = atlas.institutions.save(None, {"name": "Alter Treff", "verified_on": "01.01.1990"})
    with atlas.sessions() as session:  # as an older program version could have stored it
        from sqlalchemy import text

        session.execute(
            text("UPDATE institution SET verified_on = '0001-01-01' WHERE id = :i"), {"i": saved.id}
        )
        session.commit()
    for suffix in (".csv", ".xlsx"):
        target = tmp_path / f"liste{suffix}"
        exp.export(atlas, "institution", [saved.id], target)
        table = imp.read_table(target)
        column = table.headers.index("Geprüft am")
        assert table.rows[0][1][column] == "01.01.0001"
        plan = imp.prepare(atlas, "institution", table, imp.suggest_mapping("institution", table.headers))
        assert [e.message for e in plan.errors] == [
            "Kein gültiges Datum: 01.01.0001 (bitte ein Datum zwischen 1900 und 2999)."
        ]


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(tmp_path / "atlas.sqlite"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")},
        cwd=ROOT,
    )


def assert_one_german_line(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fehler: "), result.stderr
    assert words in lines[0], lines[0]


def test_cli_stats_at_year_1_and_broken_xlsx_give_one_german_line(tmp_path: Path) -> None:
    assert_one_german_line(cli(tmp_path, "stats", "--at", "0001-01-01"), "kein Datum zwischen 1900 und 2999")
    shared = write_xlsx(
        tmp_path / "verweis.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>7</v></c></row>',
        shared=["Einrichtung"],
    )
    assert_one_german_line(cli(tmp_path, "import", "institutions", str(shared)), "Zelle A2 verweist")
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    dated = write_xlsx(
        tmp_path / "datum.xlsx",
        f'<row r="1">{inline("A1", "Einrichtung")}{inline("B1", "Geprüft am")}</row>'
        f'<row r="2">{inline("A2", "Treff")}<c r="B2" s="1"><v>1e300</v></c></row>',
        styles=styles,
    )
    assert_one_german_line(cli(tmp_path, "import", "institutions", str(dated)), "Zelle B2 enthält „1e300“")


def test_refusals_are_atlas_errors() -> None:
    assert issubclass(imp.FileRefused, AtlasError)
