"""The offline copy (issue 14): what travels, what a copy knows of its origin.

- ``uuid`` on follow_up, actor_status_event and actor_override too (a task noted at an
  event, a status step, a coach's decision travel like the records they belong to);
- ``travel_copy``: in the office database one row per copy taken out ("out"), in a copy
  one row that says what it is ("self": from which database, when, which part);
- ``travel_base``: in a copy, every travelling row as it was when taken (kind, key —
  the UUID or a link's UUIDs —, version, the copy's id and the row in portable form), the
  base of the three-way merge; in the office, the rows a merge took from a copy (its base
  the next time the same copy comes back);
- ``app_setting`` ``database/uuid``: this database's identity, so a copy from another
  database is refused.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:10:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("follow_up", "actor_status_event", "actor_override")
BATCH = 1000
DATABASE_KEY = "database/uuid"


def _backfill(name: str) -> None:
    """A new random UUID for every row without one, ``BATCH`` rows per statement."""
    conn = op.get_bind()
    table = sa.table(name, sa.column("id", sa.Integer()), sa.column("uuid", sa.String(36)))
    update = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(uuid=sa.bindparam("new"))
    last = 0
    while True:
        ids = (
            conn.execute(
                sa.select(table.c.id)
                .where(table.c.id > last, table.c.uuid.is_(None))
                .order_by(table.c.id)
                .limit(BATCH)
            )
            .scalars()
            .all()
        )
        if not ids:
            return
        conn.execute(update, [{"row_id": i, "new": str(uuid.uuid4())} for i in ids])
        last = ids[-1]


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    ]


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
        _backfill(name)
        with op.batch_alter_table(name, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.alter_column("uuid", existing_type=sa.String(length=36), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{name}_uuid"), ["uuid"], unique=True)
    op.create_table(
        "travel_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("database_uuid", sa.String(length=36), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by", sa.String(length=120), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("merged_at", sa.DateTime(), nullable=True),
        sa.Column("merges", sa.Integer(), server_default="0", nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travel_copy")),
        sa.UniqueConstraint("uuid", "role", name=op.f("uq_travel_copy_uuid")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "travel_base",
        sa.Column("copy_uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("copy_uuid", "kind", "key", name=op.f("pk_travel_base")),
    )
    # The review reads every row's version, not its data: from this index alone.
    op.create_index(
        "ix_travel_base_versions", "travel_base", ["copy_uuid", "kind", "key", "version", "row_id"]
    )
    settings = sa.table(
        "app_setting",
        sa.column("key", sa.String(80)),
        sa.column("value", sa.Text()),
        sa.column("version", sa.Integer()),
    )
    op.get_bind().execute(sa.insert(settings).values(key=DATABASE_KEY, value=str(uuid.uuid4()), version=1))


def downgrade() -> None:
    settings = sa.table("app_setting", sa.column("key", sa.String(80)))
    op.get_bind().execute(sa.delete(settings).where(settings.c.key == DATABASE_KEY))
    op.drop_index("ix_travel_base_versions", table_name="travel_base")
    op.drop_table("travel_base")
    op.drop_table("travel_copy")
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_uuid"))
            batch_op.drop_column("uuid")
