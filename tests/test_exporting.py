"""Exports: CSV for Excel, XLSX, GeoJSON, vCard; round trips through the import; injection
neutralised; atomic writes."""

from __future__ import annotations

import csv
import errno
import io
import json
from pathlib import Path
from typing import Any

import pytest

from atlas import files
from atlas import models as m
from atlas.core import Atlas
from atlas.errors import AtlasError
from atlas.io import exporting as exp
from atlas.io import importing as imp
from atlas.records.schema import FilterKind
from db.engine import make_sessions
from db.migrate import open_database

# Runs again with the system date moved (./dev test): nothing may depend on the real day.
pytestmark = pytest.mark.dates

ROOT = Path(__file__).resolve().parents[1]


def _names(atlas: Atlas) -> tuple[dict[int, str], dict[int, str]]:
    terms = {t.id: t.name for v in m.Vocabulary for t in atlas.taxonomy.terms(v)}
    quarters = dict(atlas.quarters.choices())
    return terms, quarters


def snapshot(
    atlas: Atlas, kind: str, ids: list[int] | None = None, fields: tuple[str, ...] | None = None
) -> list[tuple[Any, ...]]:
    """Every record of ``kind`` as comparable values: links by name, no ids."""
    terms, quarters = _names(atlas)
    institutions = {i: atlas.institutions.get(i).values["name"] for i in atlas.institutions.list_ids()}
    service = atlas.records[kind]
    out = []
    for record_id in service.list_ids() if ids is None else ids:
        values = dict(service.get(record_id).values)
        row = []
        for name, value in sorted(values.items()):
            if fields is not None and name not in fields:
                continue
            if name in ("category_id", "sector_id"):
                value = terms.get(value)
            elif name == "target_groups":
                value = sorted(terms[t] for t in value)
            elif name == "quarter_id":
                value = quarters.get(value)
            elif name == "institution_id":
                value = institutions.get(value)
            elif name == "contact_id":
                continue
            elif isinstance(value, str):
                value = value.strip()  # as a form stores it (the demo has a few stray blanks)
            row.append((name, value))
        out.append(tuple(row))
    return sorted(out, key=repr)


def fresh(tmp_path: Path, name: str, like: Atlas) -> Atlas:
    result = open_database(tmp_path / f"{name}.sqlite")
    target = Atlas(make_sessions(result.engine))
    for _qid, quarter in like.quarters.choices():
        target.quarters.save(None, {"name": quarter})
    return target


def reimport(atlas: Atlas, path: Path, kind: str) -> imp.ImportResult:
    table = imp.read_table(path)
    plan = imp.prepare(atlas, kind, table, imp.suggest_mapping(kind, table.headers))
    assert plan.errors == (), plan.errors[:5]
    return imp.apply(atlas, plan, default_choice="import")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_spreadsheet_round_trip_of_every_kind(tmp_path: Path, demo: Atlas, suffix: str) -> None:
    target = fresh(tmp_path, "target", demo)
    for kind in ("institution", "offer", "contact", "actor"):
        path = tmp_path / f"{kind}{suffix}"
        result = exp.export(demo, kind, demo.records[kind].list_ids(), path)
        assert result.count == demo.records[kind].count() > 0
        reimported = reimport(target, path, kind)
        assert reimported.created == result.count
        assert snapshot(target, kind) == snapshot(demo, kind), kind


def test_csv_is_what_german_excel_opens(tmp_path: Path, demo: Atlas) -> None:
    path = tmp_path / "e.csv"
    exp.export(demo, "institution", demo.institutions.list_ids(), path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfName;Kategorie;Sektor;")
    assert b"\r\n" in data
    text = data.decode("utf-8-sig")
    assert "Straße" in text and ";ja;" in text
    assert "51," in text  # decimal comma


def test_xlsx_opens_again_with_openpyxl(tmp_path: Path, demo: Atlas) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    ids = demo.offers.list_ids()
    path = tmp_path / "angebote.xlsx"
    exp.export(demo, "offer", ids, path)
    book = load_workbook(path)
    sheet = book.active
    assert sheet is not None and sheet.title == "Angebote"
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Titel", "Einrichtung", "PLZ der Einrichtung", "Kategorie"]
    assert sheet.max_row == len(ids) + 1
    dates = [c.value for c in sheet["M"][1:] if c.value is not None]
    assert dates and all(isinstance(d, dt.datetime) for d in dates)


def test_the_current_filter_and_order_are_exported(tmp_path: Path, demo: Atlas) -> None:
    quarter_id = demo.quarters.choices()[0][0]
    ids = demo.institutions.list_ids("", {FilterKind.QUARTER: quarter_id}, descending=True)
    assert 0 < len(ids) < demo.institutions.count()
    path = tmp_path / "q.csv"
    assert exp.export(demo, "institution", ids, path).count == len(ids)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    expected = [demo.institutions.get(i).values["name"] for i in ids]
    assert [r[0] for r in rows[1:]] == expected


NASTY = {
    "name": '=HYPERLINK("http://boese.example","klick")',
    "carrier": "+49 208 123456",
    "street": "-1+2",
    "city": "@SUM(A1:A9)",
    "notes": "Steuer\x07zeichen\x00 und\nZeilen",
}


def _nasty(atlas: Atlas) -> int:
    return atlas.institutions.save(None, NASTY, confirm_duplicate=True).id


def test_csv_injection_is_neutralised_and_imports_back(tmp_path: Path, atlas: Atlas) -> None:
    record = _nasty(atlas)
    path = tmp_path / "n.csv"
    exp.export(atlas, "institution", [record], path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Name"] == "'" + NASTY["name"]
    assert cells["Träger"] == "'+49 208 123456"
    assert cells["Straße und Hausnummer"] == "'-1+2"
    assert cells["Ort"] == "'@SUM(A1:A9)"
    assert "\x07" not in path.read_text(encoding="utf-8-sig") and "\x00" not in path.read_text(
        encoding="utf-8-sig"
    )
    assert not any(c.startswith(exp.FORMULA_STARTS) for row in rows for c in row)
    target = Atlas(atlas.sessions)
    atlas.institutions.delete(record)
    reimport(target, path, "institution")
    again = atlas.institutions.get(atlas.institutions.list_ids()[0]).values
    assert again["name"] == NASTY["name"] and again["carrier"] == NASTY["carrier"]
    assert again["street"] == "-1+2" and again["city"] == "@SUM(A1:A9)"


def test_xlsx_injection_is_text_never_a_formula(tmp_path: Path, atlas: Atlas) -> None:
    from openpyxl import load_workbook

    record = _nasty(atlas)
    path = tmp_path / "n.xlsx"
    exp.export(atlas, "institution", [record], path)
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = {h.value: c for h, c in zip(sheet[1], sheet[2], strict=True)}
    name = cells["Name"]
    assert name.value == NASTY["name"] and name.data_type == "s" and name.quotePrefix
    assert cells["Träger"].value == "+49 208 123456" and cells["Träger"].data_type == "s"
    assert cells["Notizen"].value == "Steuerzeichen und\nZeilen"
    # Excel's own XML holds no formula element at all.
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_geojson_has_public_institutions_with_public_fields(tmp_path: Path, demo: Atlas) -> None:
    ids = demo.institutions.list_ids()
    hidden = ids[0]
    values = dict(demo.institutions.get(hidden).values)
    demo.institutions.save(hidden, {"is_public": False, "notes": "intern"})
    path = tmp_path / "e.geojson"
    result = exp.export(demo, "institution", ids, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    public = [i for i in ids if demo.institutions.get(i).values["is_public"]]
    assert doc["type"] == "FeatureCollection" and result.count == len(public) < len(ids)
    assert hidden not in {f["id"] for f in doc["features"]}
    feature = next(f for f in doc["features"] if f["geometry"])
    assert set(feature["properties"]) == set(exp.PUBLIC_FIELDS)
    assert feature["geometry"]["type"] == "Point" and len(feature["geometry"]["coordinates"]) == 2
    assert "intern" not in path.read_text(encoding="utf-8") and values["name"] not in {
        f["properties"]["name"] for f in doc["features"] if f["id"] == hidden
    }
    # Round trip: the public fields come back.
    target = fresh(tmp_path, "geo", demo)
    reimport(target, path, "institution")
    fields = ("name", "category_id", "sector_id", "carrier", "street", "postcode", "city", "quarter_id", "lat",
              "lon", "phone", "email", "website", "opening_hours", "accessibility", "languages")  # fmt: skip
    assert snapshot(target, "institution", fields=fields) == snapshot(
        demo, "institution", public, fields=fields
    )


def test_vcard_of_contacts_round_trips(tmp_path: Path, demo: Atlas) -> None:
    ids = demo.contacts.list_ids()
    path = tmp_path / "kontakte.vcf"
    assert exp.export(demo, "contact", ids, path).count == len(ids)
    text = path.read_bytes().decode("utf-8")
    assert text.count("BEGIN:VCARD") == len(ids) and "\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    target = fresh(tmp_path, "vcf", demo)
    reimport(target, _export_and(demo, tmp_path), "institution")
    reimport(target, path, "contact")
    fields = ("first_name", "last_name", "function", "phone", "email", "institution_id", "notes")
    assert snapshot(target, "contact", fields=fields) == snapshot(demo, "contact", fields=fields)


def _export_and(atlas: Atlas, tmp_path: Path) -> Path:
    path = tmp_path / "inst.csv"
    exp.export(atlas, "institution", atlas.institutions.list_ids(), path)
    return path


def test_vcard_escapes_and_folds() -> None:
    assert exp.vcard_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "NOTE:" + "ä" * 100
    folded = exp._fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_tab_and_carriage_return_at_the_start_are_neutralised_too() -> None:
    from atlas.files import csv_bytes, neutralise, unneutralise

    assert neutralise("\tTab") == "'\tTab" and neutralise("\rCR") == "'\rCR"
    assert neutralise("harmlos") == "harmlos" and neutralise("") == ""
    assert unneutralise(neutralise("=1+1")) == "=1+1" and unneutralise("'normal") == "'normal"
    data = csv_bytes(["a"], [["\tx"], ["@y"], ["-"], ["+"], ["ok"]]).decode("utf-8-sig")
    assert data.split("\r\n")[1:6] == ["'\tx", "'@y", "'-", "'+", "ok"]


def test_wrong_format_or_kind_is_refused(tmp_path: Path, atlas: Atlas) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(exp.ExportError, match="Unbekanntes Format"):
        exp.export(atlas, "institution", [], tmp_path / "x.pdf")
    with pytest.raises(exp.ExportError, match="nur Kontakte"):
        exp.export(atlas, "institution", [], tmp_path / "x.vcf")
    with pytest.raises(exp.ExportError, match="nur Einrichtungen"):
        exp.export(atlas, "offer", [], tmp_path / "x.geojson")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_leaves_the_old_file_and_no_half_file(
    tmp_path: Path, atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = atlas.institutions.save(None, {"name": "Treff"}).id
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    path = tmp_path / "liste.xlsx"
    path.write_bytes(b"alte Datei")

    def disk_full(out: Any, *args: Any) -> None:
        out.write(b"PK halb")
        raise OSError(errno.ENOSPC, "Auf dem Gerät ist kein Speicherplatz mehr verfügbar")

    monkeypatch.setattr(exp, "_write_xlsx", disk_full)
    with pytest.raises(AtlasError, match="kein Speicherplatz") as info:
        exp.export(atlas, "institution", [record], path)
    assert "Es wurde nichts verändert" in str(info.value)
    assert path.read_bytes() == b"alte Datei"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["liste.xlsx"]


def test_a_locked_or_missing_folder_gives_a_german_message(tmp_path: Path, atlas: Atlas) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(AtlasError, match="konnte nicht geschrieben werden"):
        exp.export(atlas, "institution", [], tmp_path / "gibtsnicht" / "x.csv")
    target = tmp_path / "ordner.csv"
    target.mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(AtlasError, match="konnte nicht geschrieben werden"):
        exp.export(atlas, "institution", [], target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ordner.csv"]


KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
from atlas import files
files.use_journal(Path(sys.argv[2]))
def write(out):
    out.write(b"halb geschrieben")
    out.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of the export
files.atomic_write(Path(sys.argv[1]), write)
"""


def killed_export(target: Path, journal: Path) -> Path:
    """A real process killed with SIGKILL while writing ``target``: its temporary file."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", KILLED_EXPORT, str(target), str(journal)], cwd=root, timeout=60
    )
    assert done.returncode == -9
    left = [p for p in target.parent.iterdir() if files.TMP_MARK in p.name]
    assert len(left) == 1 and left[0].read_bytes() == b"halb geschrieben"
    return left[0]


def test_a_killed_export_leaves_nothing_after_the_next_start_or_export(tmp_path: Path, atlas: Atlas) -> None:
    import subprocess

    out = tmp_path / "out"
    out.mkdir()
    journal = tmp_path / "state" / "journal.txt"
    target = out / "liste.csv"
    target.write_bytes(b"alte Datei")
    killed_export(target, journal)
    assert target.read_bytes() == b"alte Datei"
    # Files that are not the program's, or belong to an export still running, stay.
    mine = out / ".liste.csv.abc123.tmp"
    mine.write_text("vom Nutzer")
    running = subprocess.Popen(["sleep", "60"])
    try:
        busy = out / f".karte.html{files.TMP_MARK}{running.pid}-abc.tmp"
        busy.write_text("läuft noch")
        # the next start: the journal names the folder
        files.use_journal(journal)
        try:
            removed = files.clean_leftovers()
        finally:
            files.use_journal(None)
        assert [p.name for p in removed] and all(files.TMP_MARK in p.name for p in removed)
        assert sorted(p.name for p in out.iterdir()) == sorted([target.name, mine.name, busy.name])
        assert journal.read_text().splitlines() == [str(out.resolve())]  # still busy there
    finally:
        running.kill()
        running.wait()
    # the next export into the folder cleans what the finished one left
    record = atlas.institutions.save(None, {"name": "Treff"}).id
    exp.export(atlas, "institution", [record], out / "neu.csv")
    assert sorted(p.name for p in out.iterdir()) == sorted([target.name, mine.name, "neu.csv"])
