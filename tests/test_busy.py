"""A busy database gets a German answer (issue 11 §4): another program holds the write lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from atlas.core import Atlas
from atlas.errors import BUSY_MESSAGE, AtlasError, BusyError
from tests.concurrency_support import use_new_connections, write_lock


def test_save_while_locked_is_a_german_busy_error(
    atlas: Atlas, db_path: Path, short_busy_timeout: None
) -> None:
    use_new_connections(atlas)
    saved = atlas.institutions.save(None, {"name": "Kita Sonnenschein"})
    with write_lock(db_path), pytest.raises(BusyError) as info:
        atlas.institutions.save(saved.id, {"city": "Oberhausen"}, expected_version=saved.version)
    assert isinstance(info.value, AtlasError)
    assert str(info.value) == BUSY_MESSAGE
    assert "SELECT" not in str(info.value) and "UPDATE" not in str(info.value)
    # released: the same save works, nothing half-written before
    assert atlas.institutions.get(saved.id).version == saved.version
    again = atlas.institutions.save(saved.id, {"city": "Oberhausen"}, expected_version=saved.version)
    assert again.values["city"] == "Oberhausen"


def test_create_and_delete_while_locked(atlas: Atlas, db_path: Path, short_busy_timeout: None) -> None:
    use_new_connections(atlas)
    kept = atlas.institutions.save(None, {"name": "Jobcenter"})
    with write_lock(db_path):
        with pytest.raises(BusyError):
            atlas.institutions.save(None, {"name": "Kita"})
        with pytest.raises(BusyError):
            atlas.institutions.delete(kept.id)
    assert atlas.institutions.count() == 1


def test_cli_import_while_another_program_writes_is_one_german_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    short_busy_timeout: None,
) -> None:
    """The database opened fine; then another program took the write lock: exit 2 and
    one German line, no traceback, nothing imported."""
    import main

    db = tmp_path / "atlas.sqlite"
    source = tmp_path / "liste.csv"
    source.write_text("Einrichtung;PLZ\nKita A;46045\nKita B;46046\n", encoding="utf-8")
    real = main.bootstrap
    held = write_lock(db)

    def opened_then_locked(database: str, **options: Any) -> tuple[Atlas, object]:
        opened = real(database, **options)
        held.__enter__()
        return opened

    monkeypatch.setattr(main, "bootstrap", opened_then_locked)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    try:
        code = main.main(["--db", str(db), "import", "institutions", str(source)])
    finally:
        held.__exit__(None, None, None)
    err = capsys.readouterr().err
    assert code != 0
    assert err == f"Fehler: {BUSY_MESSAGE}\n"
