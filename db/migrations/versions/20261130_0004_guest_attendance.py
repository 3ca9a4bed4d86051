"""Attendance of a guest without an institution: a person at a meeting, not a network member.

``attendance.actor_id`` may be NULL: such a row names only the contact (the guest met at
the meeting). It counts for the meeting, never for the network's figures ("61 of 100").

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(
        "attendance", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("actor_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM attendance WHERE actor_id IS NULL")
    with op.batch_alter_table(
        "attendance", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("actor_id", existing_type=sa.Integer(), nullable=False)
