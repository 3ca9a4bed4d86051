"""PostgreSQL for the tests: the server named by ``ATLAS_TEST_PG``.

``./dev test`` starts a throwaway server (Unix socket only) and sets
``ATLAS_TEST_PG=postgresql+psycopg://…/atlas_test?host=SOCKETDIR``. The first test that
needs PostgreSQL migrates a template database once (``open_database``: the Alembic
migrations and the search index); every test then gets its own copy
(``CREATE DATABASE … TEMPLATE``, ~0.1 s), dropped after the test. Without the variable
the PostgreSQL runs skip and say why; under ``CI=true`` they fail instead: CI must never
pass without having run them.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

ENV = "ATLAS_TEST_PG"
_counter = itertools.count()
_state: dict[str, object] = {}


def server_url() -> str:
    """ATLAS_TEST_PG, or skip (fail in CI) with the reason."""
    url = os.environ.get(ENV, "")
    reason = None
    if not url:
        reason = (
            f"PostgreSQL test skipped: {ENV} is not set (./dev test starts a server when "
            "PostgreSQL 15 is installed; or set ATLAS_TEST_PG=postgresql+psycopg://USER@HOST/DB)"
        )
    elif importlib.util.find_spec("psycopg") is None:
        reason = f"PostgreSQL test skipped: psycopg is not installed ({ENV} is set)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason.replace("skipped", "cannot run in CI"), pytrace=False)
        pytest.skip(reason)
    return url


def _admin() -> Engine:
    engine = _state.get("admin")
    if engine is None:
        engine = create_engine(server_url(), isolation_level="AUTOCOMMIT")
        _state["admin"] = engine
    assert isinstance(engine, Engine)
    return engine


def url_of(database: str) -> str:
    return make_url(server_url()).set(database=database).render_as_string(hide_password=False)


def create_database(name: str, template: str | None = None) -> str:
    """A new, empty (or copied) database on the test server; its URL."""
    with _admin().connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    return url_of(name)


def drop_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _template(request: pytest.FixtureRequest) -> str:
    """The migrated template database of this test run (made once)."""
    name = _state.get("template")
    if isinstance(name, str):
        return name
    from db.migrate import open_database

    name = f"atlas_template_{os.getpid()}"
    result = open_database(create_database(name))
    result.engine.dispose()  # CREATE DATABASE … TEMPLATE needs it unused
    _state["template"] = name
    request.session.config.add_cleanup(lambda: _drop_all(name))
    return name


def _drop_all(template: str) -> None:
    drop_database(template)
    admin = _state.pop("admin", None)
    if isinstance(admin, Engine):
        admin.dispose()
    _state.clear()


@contextmanager
def fresh_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database for one test (a copy of the template); dropped afterwards."""
    template = _template(request)
    name = f"atlas_test_{os.getpid()}_{next(_counter)}"
    url = create_database(name, template)
    try:
        yield url
    finally:
        drop_database(name)


def scalar(url: str, sql: str) -> object:
    """One value from the database at ``url`` (on a connection of its own)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()
