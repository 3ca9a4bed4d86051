"""A UUID for every record that can travel (issue 14: the offline copy; HSDS ids).

``uuid`` (36 characters, unique) on institution, offer, contact, actor, round_table,
meeting, agreement, quarter and term. The link tables (attendance, round_table_member,
offer_target_group, agreement_party) are named by their two sides' UUIDs instead. Existing
rows get a random UUID (version 4), in batches, before the column becomes NOT NULL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:30:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: The tables of the records that can travel (atlas.models.Travelling).
TABLES = (
    "term",
    "quarter",
    "institution",
    "offer",
    "contact",
    "actor",
    "round_table",
    "meeting",
    "agreement",
)
BATCH = 1000


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


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
        _backfill(name)
        with op.batch_alter_table(name, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.alter_column("uuid", existing_type=sa.String(length=36), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{name}_uuid"), ["uuid"], unique=True)


def downgrade() -> None:
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None, table_kwargs={"sqlite_autoincrement": True}) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{name}_uuid"))
            batch_op.drop_column("uuid")
