"""Shared fixtures. Qt runs offscreen; QtWebEngine needs its sandbox off as root."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from atlas.core import Atlas
from db.engine import make_sessions
from db.migrate import open_database


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "atlas.sqlite"


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Atlas]:
    """A copy of the bundled demo database (migrated if the program is newer)."""
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(ROOT / "resources" / "demo" / "demo.sqlite", copy)
    result = open_database(copy)
    yield Atlas(make_sessions(result.engine))
    result.engine.dispose()


@pytest.fixture
def atlas(db_path: Path) -> Iterator[Atlas]:
    """A fresh, migrated database file with the seeded taxonomies."""
    result = open_database(db_path)
    yield Atlas(make_sessions(result.engine))
    result.engine.dispose()
