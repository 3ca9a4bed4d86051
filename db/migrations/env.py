"""Alembic environment: runs on the connection the program hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from atlas.models import Base

target_metadata = Base.metadata


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves the search index alone: FTS5 tables are made by hand (0001)."""
    return not (type_ == "table" and name is not None and name.startswith("search_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    from db.engine import make_engine

    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.connect() as conn:
        _run(conn)
else:
    _run(connection)
