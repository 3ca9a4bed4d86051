"""Taking a copy out and bringing it back in tests: real files, the program's own paths."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from atlas.clock import FixedClock
from atlas.core import Atlas
from atlas.travel import Applied, Choices, CopyInfo, Plan, Scope
from db.engine import make_sessions
from db.migrate import open_database
from db.travel import make_copy, open_copy
from tests.conftest import TEST_DAY


def take(
    office: Atlas, url: str, target: Path, scope: Scope | None = None, by: str | None = "Test"
) -> CopyInfo:
    """``Für unterwegs mitnehmen``: the office's copy at ``target``."""
    return make_copy(url, target, lambda engine: office.travel.prepare(engine, scope or Scope(), by))


@contextmanager
def laptop(path: Path) -> Iterator[Atlas]:
    """The copy opened in the program, as on the laptop."""
    result = open_database(path)
    try:
        yield Atlas(make_sessions(result.engine), clock=FixedClock(TEST_DAY))
    finally:
        result.engine.dispose()


def review(office: Atlas, path: Path) -> Plan:
    engine = open_copy(path)
    try:
        return office.travel.review(engine)
    finally:
        engine.dispose()


def bring_back(office: Atlas, path: Path, choices: Choices | None = None) -> tuple[Plan, Applied]:
    engine = open_copy(path)
    try:
        plan = office.travel.review(engine)
        return plan, office.travel.merge(engine, plan, choices or Choices())
    finally:
        engine.dispose()
