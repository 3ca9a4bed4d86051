"""``stadtteil-atlas import …`` and ``export …`` of lists and packages, as real processes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["Einrichtung", "Straße", "Hausnummer", "PLZ", "Ort", "E-Mail", "Kategorie", "Geprüft am"]
ROWS = [
    ["Schuldnerberatung Caritas", "Marktstraße", "12", "46045", "Oberhausen", "info@caritas.example.org", "Schuldnerberatung", "01.02.2023"],
    ["Kita Sonnenschein", "Lange Straße", "3", "01067", "Dresden", "", "Kinderbetreuung", ""],
    ["Bürgertreff Löwenzahn", "Mülheimer Str.", "7", "46049", "Oberhausen", "", "", ""],
]  # fmt: skip


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}  # no user's saved mappings
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def count(tmp_path: Path, db: Path, what: str = "institutions") -> int:
    result = run(tmp_path, "--db", str(db), "stats")
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout)[what]
    assert isinstance(value, int)
    return value


def test_help_names_the_kinds(tmp_path: Path) -> None:
    result = run(tmp_path, "import", "--help")
    assert result.returncode == 0
    for word in ("institutions", "offers", "contacts", "actors", "hsds", "--dry-run", "--skip-invalid"):
        assert word in result.stdout
    result = run(tmp_path, "export", "--help")
    for word in ("institutions", "contacts", "hsds", "--with-contacts", "--search"):
        assert word in result.stdout


def test_import_a_windows_excel_list(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    source = write_csv(tmp_path / "liste.csv", ROWS)
    result = run(tmp_path, "--db", str(db), "import", "institutions", str(source))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "3 Zeilen gelesen (cp1252, Trennzeichen „;“)."
    assert lines[-1].startswith("Einrichtungen: 3 importiert, 0 zusammengeführt, 0 fehlerhafte")
    assert count(tmp_path, db) == 3
    # The same file again: every row is a duplicate and skipped by default ...
    again = run(tmp_path, "--db", str(db), "import", "institutions", str(source))
    assert again.returncode == 0, again.stderr
    assert "0 importiert" in again.stdout and "3 Dublette(n) übersprungen" in again.stdout
    assert again.stdout.count("Dublette: Zeile") == 3
    assert count(tmp_path, db) == 3
    # ... unless asked otherwise.
    forced = run(tmp_path, "--db", str(db), "import", "institutions", str(source), "--duplicates", "import")
    assert "3 importiert" in forced.stdout
    assert count(tmp_path, db) == 6


def test_invalid_rows_import_nothing_and_are_listed_on_stderr(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    rows = [*ROWS, ["Falsch", "", "", "4604x", "", "kein@", "Gibtsnicht", "31.02.2023"]]
    source = write_csv(tmp_path / "liste.csv", rows)
    dry = run(tmp_path, "--db", str(db), "import", "institutions", str(source), "--dry-run")
    assert dry.returncode == 1
    assert "Probelauf: 3 gültige Zeile(n), 1 fehlerhaft" in dry.stdout
    result = run(tmp_path, "--db", str(db), "import", "institutions", str(source), "--no-new-terms")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for expected in (
        "Zeile 5, Spalte „PLZ“: Eine Postleitzahl hat genau fünf Ziffern",
        "Zeile 5, Spalte „E-Mail“: Keine gültige E-Mail-Adresse: kein@",
        "Zeile 5, Spalte „Kategorie“: Kategorie „Gibtsnicht“ gibt es nicht",
        "Zeile 5, Spalte „Geprüft am“: Kein gültiges Datum: 31.02.2023",
        "Es wurde nichts importiert",
    ):
        assert expected in result.stderr
    assert count(tmp_path, db) == 0

    report = tmp_path / "bericht.csv"
    skipped = run(
        tmp_path,
        "--db",
        str(db),
        "import",
        "institutions",
        str(source),
        "--skip-invalid",
        "--report",
        str(report),
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "3 importiert" in skipped.stdout and "1 fehlerhafte Zeile(n) übersprungen" in skipped.stdout
    assert f"Bericht: {report}" in skipped.stderr
    assert report.read_text(encoding="utf-8-sig").splitlines()[0].endswith(";Zeile;Fehler")
    assert count(tmp_path, db) == 3


def test_encoding_separator_and_refused_files(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    source = tmp_path / "tab.txt"
    source.write_text("Name\tPLZ\nTreff Süd\t46045\n", encoding="utf-8")
    result = run(tmp_path, "--db", str(db), "import", "institutions", str(source), "--separator", "tab")
    assert result.returncode == 0, result.stderr
    assert "Trennzeichen „Tab“" in result.stdout
    wrong = run(tmp_path, "--db", str(db), "import", "institutions", str(source), "--encoding", "klingonisch")
    assert wrong.returncode == 2 and "Unbekannte Zeichenkodierung" in wrong.stderr
    bomb = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (40 * 1024 * 1024))
    refused = run(tmp_path, "--db", str(db), "import", "institutions", str(bomb))
    assert refused.returncode == 2 and "Zip-Bombe" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson"])
def test_export_with_the_list_filter_and_import_again(tmp_path: Path, suffix: str) -> None:
    db = tmp_path / "demo.sqlite"
    shutil.copyfile(ROOT / "resources" / "demo" / "demo.sqlite", db)
    before = count(tmp_path, db)
    target = tmp_path / f"kitas{suffix}"
    result = run(
        tmp_path, "--db", str(db), "export", "institutions", str(target), "--category", "Kinderbetreuung"
    )
    assert result.returncode == 0, result.stderr
    assert "Einträge exportiert" in result.stdout
    exported = int(result.stdout.split()[0])
    assert 0 < exported < before
    # Read back into the same database: every row is found as a duplicate.
    again = run(tmp_path, "--db", str(db), "import", "institutions", str(target))
    assert again.returncode == 0, again.stderr
    assert (
        f"0 importiert, 0 zusammengeführt, 0 fehlerhafte Zeile(n) übersprungen, {exported} Dublette(n)"
        in again.stdout
    )
    assert count(tmp_path, db) == before


def test_export_refuses_a_wrong_pair_in_german(tmp_path: Path) -> None:
    result = run(tmp_path, "--demo", "export", "offers", str(tmp_path / "x.vcf"))
    assert result.returncode == 2 and "nur Kontakte" in result.stderr
    result = run(tmp_path, "--demo", "export", "contacts", str(tmp_path / "x.csv"), "--quarter", "Atlantis")
    assert result.returncode == 2 and "„Atlantis“ gibt es nicht" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_hsds_export_import_and_contacts_only_on_request(tmp_path: Path) -> None:
    public = tmp_path / "oeffentlich"
    result = run(tmp_path, "--demo", "export", "hsds", str(public))
    assert result.returncode == 0, result.stderr
    assert "HSDS" in result.stdout and not (public / "contact.csv").exists()
    private = tmp_path / "intern.zip"
    result = run(tmp_path, "--demo", "export", "hsds", str(private), "--with-contacts")
    assert "personenbezogen" in result.stdout
    with zipfile.ZipFile(private) as archive:
        assert "contact.csv" in archive.namelist()
    db = tmp_path / "neu.sqlite"
    imported = run(tmp_path, "--db", str(db), "import", "hsds", str(public))
    assert imported.returncode == 0, imported.stderr
    assert "Open-Referral-Paket importiert" in imported.stdout
    assert count(tmp_path, db) > 50 and count(tmp_path, db, "contacts") == 0


def test_vcard_of_contacts(tmp_path: Path) -> None:
    target = tmp_path / "k.vcf"
    result = run(tmp_path, "--demo", "export", "contacts", str(target), "--search", "schuller")
    assert result.returncode == 0, result.stderr
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert text.count("BEGIN:VCARD") == int(result.stdout.split()[0]) == text.count("N:Schüller;")
