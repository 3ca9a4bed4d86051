"""Network: dated funnel steps, status overrides, meeting follow-ups, shared settings.

Existing actors get one funnel step from their current status and its date, so the
history starts with what the coach had recorded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:58:47.920787
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_setting")),
        sa.UniqueConstraint("key", name=op.f("uq_app_setting_key")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "follow_up",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=500), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_follow_up_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "actor_override",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actor.id"], name=op.f("fk_actor_override_actor_id_actor"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_override")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("actor_override", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_override_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "actor_status_event",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actor.id"], name=op.f("fk_actor_status_event_actor_id_actor"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_status_event")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("actor_status_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_status_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actor_status_event_happened_on"), ["happened_on"], unique=False)

    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE attendance SET meeting_at = (SELECT starts_at FROM meeting WHERE meeting.id = attendance.meeting_id)"
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendance_actor_at", ["actor_id", "meeting_at", "meeting_id"], unique=False
        )
        batch_op.create_index("ix_attendance_at", ["meeting_at", "actor_id", "meeting_id"], unique=False)
    op.execute(
        "INSERT INTO actor_status_event (actor_id, status, happened_on, note, created_at, updated_at, version) "
        "SELECT id, status, COALESCE(status_since, DATE(created_at)), 'übernommen', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM actor"
    )


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_at")
        batch_op.drop_index("ix_attendance_actor_at")
        batch_op.drop_column("meeting_at")
    with op.batch_alter_table("actor_status_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_status_event_happened_on"))
        batch_op.drop_index(batch_op.f("ix_actor_status_event_actor_id"))

    op.drop_table("actor_status_event")
    with op.batch_alter_table("actor_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_override_actor_id"))

    op.drop_table("actor_override")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_due"))

    op.drop_table("follow_up")
    op.drop_table("app_setting")
