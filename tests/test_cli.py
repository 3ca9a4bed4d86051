"""The command line, run as a real process on real database files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for word in ("--demo", "--db", "stats", "check"):
        assert word in result.stdout


def test_stats_on_a_new_database_creates_it_empty(tmp_path: Path) -> None:
    db = tmp_path / "neu" / "atlas.sqlite"
    refused = run("--db", str(db), "stats")  # a missing folder is not made silently
    assert refused.returncode == 2
    assert refused.stderr.startswith("Fehler: Den Ordner") and "--create" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert not (tmp_path / "neu").exists()
    result = run("--db", str(db), "--create", "stats")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["institutions"] == 0
    assert stats["actors_by_status"] == {"angesprochen": 0, "informiert": 0, "aktiv": 0, "ruhend": 0}
    assert db.exists()


def test_check_reports_schema(tmp_path: Path) -> None:
    db = tmp_path / "atlas.sqlite"
    assert run("--db", str(db), "stats").returncode == 0
    result = run("--db", str(db), "check")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["integrity"] == "ok"
    assert report["schema"] == report["migrated_from"]


def test_a_broken_file_gives_a_german_message_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "kaputt.sqlite"
    db.write_bytes(b"Das ist keine Datenbank" * 100)
    before = db.read_bytes()
    result = run("--db", str(db), "check")
    assert result.returncode == 2
    assert "keine Stadtteil-Atlas-Datenbank" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


def test_demo_stats_use_a_copy(tmp_path: Path) -> None:
    demo = ROOT / "resources" / "demo" / "demo.sqlite"
    before = demo.read_bytes()
    result = run("--demo", "stats")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["institutions"] >= 90
    assert stats["quarters"] >= 4
    assert demo.read_bytes() == before


def test_demo_and_db_together_are_refused() -> None:
    result = run("--demo", "--db", "x.sqlite", "stats")
    assert result.returncode != 0
    assert "nicht beides" in result.stderr


def test_console_script_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'stadtteil-atlas = "main:main"' in text


def test_an_unknown_database_address_is_refused_in_german_without_the_password() -> None:
    result = run("--db", "postgresql://coach:geheim@127.0.0.1:1/atlas", "stats")
    assert result.returncode == 2
    assert "Treiber fehlt" in result.stderr or "nicht erreichbar" in result.stderr
    assert "geheim" not in result.stderr
    assert "Traceback" not in result.stderr
    result = run("--db", "quatsch://irgendwo", "stats")
    assert result.returncode == 2
    assert "nicht unterstützt" in result.stderr


def test_export_map_writes_a_self_contained_file(tmp_path: Path) -> None:
    from atlas.geo.mappage import remote_references

    target = tmp_path / "karte.html"
    result = run(
        "--demo", "export", "map", str(target), "--quarter", "alt-oberhausen", "--category", "Kinderbetreuung"
    )
    assert result.returncode == 0, result.stderr
    assert "Karte gespeichert" in result.stdout
    page = target.read_text(encoding="utf-8")
    assert remote_references(page) == []
    assert "leaflet" in page.lower() and "Alt-Oberhausen" in page
    assert '"quarters":{"type":"FeatureCollection","features":[{"type":"Feature","id":' in page


def test_export_map_refuses_unknown_quarter_and_wrong_suffix(tmp_path: Path) -> None:
    result = run("--demo", "export", "map", str(tmp_path / "k.html"), "--quarter", "Atlantis")
    assert result.returncode == 2
    assert "„Atlantis“ gibt es nicht" in result.stderr
    assert not (tmp_path / "k.html").exists()
    result = run("--demo", "export", "map", str(tmp_path / "k.pdf"))
    assert result.returncode == 2
    assert ".html" in result.stderr


def test_stats_gain_the_funnel_on_a_past_day() -> None:
    result = run("--demo", "stats", "--at", "2026-11-15")
    assert result.returncode == 0, result.stderr
    funnel = json.loads(result.stdout)["funnel"]
    assert funnel["at"] == "2026-11-15" and funnel["total"] == 100
    assert funnel["counts"]["aktiv"] == 60
    assert sum(funnel["by_sector"]["Jobcenter"].values()) >= 1
    assert "2 Treffen" in funnel["rule"]
    earlier = json.loads(run("--demo", "stats", "--at", "2026-03-31").stdout)["funnel"]
    assert earlier["counts"]["aktiv"] < 60
    bad = run("--demo", "stats", "--at", "gestern")
    assert bad.returncode == 2 and "kein Datum" in bad.stderr


def test_an_empty_file_needs_create(tmp_path: Path) -> None:
    db = tmp_path / "leer.sqlite"
    db.write_bytes(b"")
    refused = run("--db", str(db), "stats")
    assert refused.returncode == 2
    assert refused.stderr.startswith("Fehler: Die Datei") and "ist leer" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert db.read_bytes() == b""
    assert run("--db", str(db), "--create", "check").returncode == 0
    assert db.stat().st_size > 0


def test_a_dangling_link_is_refused_even_with_create(tmp_path: Path) -> None:
    link = tmp_path / "atlas.sqlite"
    link.symlink_to(tmp_path / "fehlt" / "atlas.sqlite")
    for extra in ((), ("--create",)):
        result = run("--db", str(link), *extra, "stats")
        assert result.returncode == 2
        assert "Verknüpfung" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "fehlt").exists()


def test_the_next_start_removes_what_a_killed_export_left(tmp_path: Path) -> None:
    """kill -9 during an export leaves its temporary file; the next start of the program
    (any command) removes it, found through the journal in the user's state folder."""
    state = tmp_path / "state"
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "import main\n"
        "from atlas import files\n"
        "main.clean_temporary_files()\n"
        "def write(fh):\n"
        "    fh.write(b'x' * 1000); fh.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
        f"files.atomic_write(Path({str(out / 'karte.html')!r}), write)\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(state)}
    killed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, timeout=120)
    assert killed.returncode == -9
    assert [p.name for p in out.iterdir() if ".stadtteil-atlas-tmp-" in p.name]
    result = run("--db", str(tmp_path / "atlas.sqlite"), "check", env={"XDG_STATE_HOME": str(state)})
    assert result.returncode == 0, result.stderr
    assert list(out.iterdir()) == []
