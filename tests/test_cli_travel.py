"""``stadtteil-atlas checkout`` / ``checkin`` from the command line (issue 14)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_checkout_then_checkin_from_the_command_line(tmp_path: Path) -> None:
    office = tmp_path / "buero.sqlite"
    office.write_bytes((ROOT / "resources" / "demo" / "demo.sqlite").read_bytes())
    copy = tmp_path / "kopie.sqlite"
    took = _run("--db", str(office), "checkout", str(copy), "--quarter", "Alt-Oberhausen")
    assert took.returncode == 0, took.stderr
    assert "Unterwegs-Kopie geschrieben" in took.stdout and "Quartiere: Alt-Oberhausen" in took.stdout
    count = "SELECT count(*) FROM institution WHERE quarter_id = (SELECT id FROM quarter WHERE name = 'Alt-Oberhausen')"
    with sqlite3.connect(copy) as c:
        travelled = c.execute("SELECT count(*) FROM institution").fetchone()[0]
        in_quarter = c.execute(count).fetchone()[0]
        first = c.execute("SELECT id, name FROM institution ORDER BY id LIMIT 1").fetchone()
        unowned = c.execute(
            "SELECT count(*) FROM contact WHERE institution_id IS NOT NULL AND institution_id NOT IN (SELECT id FROM institution)"
        ).fetchone()[0]
    with sqlite3.connect(office) as c:
        everything = c.execute("SELECT count(*) FROM institution").fetchone()[0]
        assert c.execute(count).fetchone()[0] == in_quarter > 0  # the whole quarter travels
    # ... and besides it only the institutions of its round tables' members
    assert in_quarter <= travelled < everything and unowned == 0
    # the same field changed differently on both sides: refused without --conflicts
    for path, text in ((copy, "Notiz unterwegs"), (office, "Notiz im Büro")):
        with sqlite3.connect(path) as c:
            c.execute(
                "UPDATE institution SET notes = ?, version = version + 1 WHERE id = ?", (text, first[0])
            )
    dry = _run("--db", str(office), "checkin", str(copy), "--dry-run")
    assert dry.returncode == 0 and "Konflikt:" in dry.stdout and "Notiz unterwegs" in dry.stdout
    refused = _run("--db", str(office), "checkin", str(copy))
    assert refused.returncode == 1 and "Nichts übernommen" in refused.stderr
    with sqlite3.connect(office) as c:
        assert (
            c.execute("SELECT notes FROM institution WHERE id = ?", (first[0],)).fetchone()[0]
            == "Notiz im Büro"
        )
    done = _run("--db", str(office), "checkin", str(copy), "--conflicts", "copy")
    assert done.returncode == 0 and "Zurückgeführt" in done.stdout, done.stderr
    with sqlite3.connect(office) as c:
        assert (
            c.execute("SELECT notes FROM institution WHERE id = ?", (first[0],)).fetchone()[0]
            == "Notiz unterwegs"
        )
    again = _run("--db", str(office), "checkin", str(copy))
    assert again.returncode == 0 and "schon zurückgeführt" in again.stdout


def test_checkin_refuses_a_copy_of_another_database(tmp_path: Path) -> None:
    office = tmp_path / "buero.sqlite"
    office.write_bytes((ROOT / "resources" / "demo" / "demo.sqlite").read_bytes())
    elsewhere = tmp_path / "anderes.sqlite"
    assert _run("--db", str(elsewhere), "stats").returncode == 0  # a new, empty database
    copy = tmp_path / "kopie.sqlite"
    assert _run("--db", str(elsewhere), "checkout", str(copy)).returncode == 0
    before = office.read_bytes()
    refused = _run("--db", str(office), "checkin", str(copy))
    assert refused.returncode == 2 and "anderen Datenbank" in refused.stderr
    assert office.read_bytes() == before
    not_a_copy = _run("--db", str(office), "checkin", str(elsewhere))
    assert not_a_copy.returncode == 2 and "keine Unterwegs-Kopie" in not_a_copy.stderr
    missing = _run("--db", str(office), "checkin", str(tmp_path / "fehlt.sqlite"))
    assert missing.returncode == 2 and "gibt es nicht" in missing.stderr
