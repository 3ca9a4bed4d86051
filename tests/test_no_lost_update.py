"""No lost update anywhere (issue 11 §3): every write path, with two real connections —
two ``Atlas`` objects over two engines on the same SQLite file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas import importing as imp
from atlas.core import Atlas
from atlas.errors import AtlasError, BusyError
from tests.concurrency_support import dispose, second_atlas
from tests.test_importing import write_csv


@pytest.fixture
def other(db_path: Path, atlas: Atlas) -> Iterator[Atlas]:
    """A second coach's window on the same file."""
    second = second_atlas(db_path)
    yield second
    dispose(second)


# -- the same list imported twice at once -----------------------------------------------


def _big_list(tmp_path: Path, n: int) -> Path:
    rows = [
        [
            f"Beratungsstelle Nummer {i}",
            "",
            f"Hauptstraße {i}",
            "",
            f"{46000 + i % 90:05d}",
            "Oberhausen",
            "",
            "",
            "",
        ]
        for i in range(n)
    ]
    return write_csv(tmp_path / "liste.csv", rows)


def _plan(atlas: Atlas, path: Path) -> imp.ImportPlan:
    table = imp.read_table(path)
    return imp.prepare(atlas, "institution", table, imp.suggest_mapping("institution", table.headers))


def test_a_list_planned_twice_is_written_once(tmp_path: Path, atlas: Atlas, other: Atlas) -> None:
    path = _big_list(tmp_path, 200)
    first, second = _plan(atlas, path), _plan(other, path)
    assert not first.duplicates and not second.duplicates
    assert imp.apply(atlas, first).created == 200
    with pytest.raises(imp.ImportFailed) as info:
        imp.apply(other, second)
    message = str(info.value)
    assert "Seit der Prüfung wurden 200 dieser Einträge an anderer Stelle angelegt" in message
    assert "Es wurde nichts importiert" in message
    assert "SELECT" not in message and "INSERT" not in message
    assert atlas.institutions.count() == 200
    # checked again, the second coach sees them all as duplicates and skips them
    again = _plan(other, path)
    assert len(again.duplicates) == 200
    assert imp.apply(other, again).created == 0
    assert atlas.institutions.count() == 200


def test_the_same_list_imported_at_once_in_two_threads(tmp_path: Path, atlas: Atlas, other: Atlas) -> None:
    n = 3000
    path = _big_list(tmp_path, n)
    plans = [_plan(atlas, path), _plan(other, path)]
    start = threading.Barrier(2)
    outcome: list[object] = [None, None]

    def run(k: int, who: Atlas) -> None:
        start.wait()
        try:
            outcome[k] = imp.apply(who, plans[k]).created
        except AtlasError as err:
            outcome[k] = err

    threads = [threading.Thread(target=run, args=(k, who)) for k, who in enumerate((atlas, other))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcome, key=lambda o: isinstance(o, AtlasError))[0] == n, outcome
    failed = [o for o in outcome if isinstance(o, AtlasError)]
    assert len(failed) == 1
    # the second either waited for the first and found its rows, or gave up waiting
    assert isinstance(failed[0], (imp.ImportFailed, BusyError)), failed
    assert atlas.institutions.count() == n
